"""GET /profiles: every operator, typed values, nested and system fields, paging and projection."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.profiles.helpers import create, ids, problem

PEOPLE = {
    "p01": {"name": "Alice", "age": 30, "vip": True, "phoneNumber": "447700900001",
            "address": {"city": "Leeds", "zip": "LS1 4AP"}, "tags": ["a", "b"]},
    "p02": {"name": "bob", "age": 25.5, "vip": False, "phoneNumber": "447700900002",
            "address": {"city": "London"}},
    "p03": {"name": "Carol", "age": "abc", "address": "n/a", "score": "30"},
    "p04": {"name": "dave", "age": 41, "email": "dave@example.com", "address": {"city": {"nested": "obj"}},
            "nick-name": "D"},
    "p05": {"name": "100%_sure", "age": None, "score": 30, "tags": {"0": "zero"}},
    "p06": {"misc": [1, "two", {"three": 3}]},
}
ALL = sorted(PEOPLE)


@pytest.fixture
async def people(space):
    for pid, fields in PEOPLE.items():
        await create(space, pid, **fields)
    return space


CASES = [
    # equality, typed
    ({"name": "Alice"}, ["p01"]),
    ({"name": "alice"}, []),
    ({"age": "30"}, ["p01"]),
    ({"age": "30.0"}, ["p01"]),
    ({"age": "25.5"}, ["p02"]),
    ({"age": "'30'"}, []),
    ({"score": "30"}, ["p05"]),
    ({"score": "'30'"}, ["p03"]),
    ({"phoneNumber": "'447700900001'"}, ["p01"]),
    ({"phoneNumber": "447700900001"}, []),
    ({"vip": "true"}, ["p01"]),
    ({"vip": "false"}, ["p02"]),
    ({"vip": "'true'"}, []),
    ({"age": "abc"}, ["p03"]),
    # not equal: includes documents without the field
    ({"name": "!Alice"}, ["p02", "p03", "p04", "p05", "p06"]),
    ({"age": "!30"}, ["p02", "p03", "p04", "p05", "p06"]),
    ({"vip": "!true"}, ["p02", "p03", "p04", "p05", "p06"]),
    # ordering; mixed types never match (and never fail)
    ({"age": ">25.5"}, ["p01", "p04"]),
    ({"age": ">=25.5"}, ["p01", "p02", "p04"]),
    ({"age": "<30"}, ["p02"]),
    ({"age": "<=30"}, ["p01", "p02"]),
    ({"age": ">-1000000"}, ["p01", "p02", "p04"]),
    ({"name": ">b"}, ["p02", "p04"]),
    ({"name": "<B"}, ["p01", "p05"]),
    ({"age": ">a"}, ["p03"]),
    ({"address": ">0"}, []),
    ({"address.city": ">A"}, ["p01", "p02"]),
    # text matches ignore case and escape LIKE wildcards
    ({"name": "^al"}, ["p01"]),
    ({"name": "$OL"}, ["p03"]),
    ({"name": "~AR"}, ["p03"]),
    ({"name": "~%_"}, ["p05"]),
    ({"name": "~_"}, ["p05"]),
    ({"name": "~"}, ALL[:5]),
    ({"age": "~3"}, []),
    ({"phoneNumber": "^'4477'"}, ["p01", "p02"]),
    ({"address.zip": "~4ap"}, ["p01"]),
    # in / not in
    ({"name[]": ["Alice", "bob"]}, ["p01", "p02"]),
    ({"age[]": ["30", "abc", "99"]}, ["p01", "p03"]),
    ({"age[]": ["'30'"]}, []),
    ({"vip[]": ["true", "false"]}, ["p01", "p02"]),
    ({"name[]": ["!Alice", "!bob"]}, ["p03", "p04", "p05", "p06"]),
    ({"age[]": ["!30", "!41"]}, ["p02", "p03", "p05", "p06"]),
    # exists / not exists (null counts as present)
    ({"email": ""}, ["p04"]),
    ({"email": "!"}, ["p01", "p02", "p03", "p05", "p06"]),
    ({"age": ""}, ["p01", "p02", "p03", "p04", "p05"]),
    ({"address.city": ""}, ["p01", "p02", "p04"]),
    ({"address.city": "!"}, ["p03", "p05", "p06"]),
    # nested names walk object keys only, never array indexes
    ({"address.city": "Leeds"}, ["p01"]),
    ({"address.city.nested": "obj"}, ["p04"]),
    ({"address.city.nested.deeper": ""}, []),
    ({"tags.0": ""}, ["p05"]),
    ({"tags.0": "a"}, []),
    ({"misc.2.three": ""}, []),
    ({"nick-name": "D"}, ["p04"]),
    # several conditions AND together
    ({"age": [">20", "<35"]}, ["p01", "p02"]),
    ({"address.city": "~l", "age": ">26"}, ["p01"]),
    # the id column
    ({"id": "p03"}, ["p03"]),
    ({"id": "!p03"}, ["p01", "p02", "p04", "p05", "p06"]),
    ({"id[]": ["p01", "p06", "zzz"]}, ["p01", "p06"]),
    ({"id[]": ["!p01", "!p02"]}, ["p03", "p04", "p05", "p06"]),
    ({"id": ">p04"}, ["p05", "p06"]),
    ({"id": "<=p02"}, ["p01", "p02"]),
    ({"id": "^P0"}, ALL),
    ({"id": "$5"}, ["p05"]),
    ({"id": ""}, ALL),
    ({"id": "!"}, []),
]


@pytest.mark.parametrize("params, expected", CASES, ids=[str(c[0]) for c in CASES])
async def test_operator(people, params, expected):
    assert await ids(people, params) == expected


async def test_results_are_full_documents_ordered_by_id(people):
    r = await people.get("/profiles")
    docs = r.json()
    assert [d["id"] for d in docs] == ALL
    assert docs[0]["address"] == PEOPLE["p01"]["address"] and "_createdOn" in docs[0]
    assert all(d["_linkedProfileIds"] == [] for d in docs)


async def test_timestamps(people):
    p01 = (await people.get("/profiles/p01")).json()
    created = p01["_createdOn"]
    assert await ids(people, {"_createdOn": ">2000-01-01"}) == ALL
    assert await ids(people, {"_createdOn": "<2000-01-01T00:00:00Z"}) == []
    assert "p01" in await ids(people, {"_createdOn": created})
    assert "p01" in await ids(people, {"_createdOn": f"<={created}"})
    assert "p01" in await ids(people, {"_createdOn": f">={created}"})
    assert "p01" not in await ids(people, {"_createdOn": f">{created}"})
    assert "p01" not in await ids(people, {"_createdOn": f"<{created}"})
    assert "p01" not in await ids(people, {"_createdOn": f"!{created}"})
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await ids(people, {"_updatedOn": f">{tomorrow}"}) == []
    await people.patch("/profiles/p03", json={"touched": True})
    p03 = (await people.get("/profiles/p03")).json()
    assert await ids(people, {"_updatedOn": f">={p03['_updatedOn']}"}) == ["p03"]
    assert await ids(people, {"_createdBy": p01["_createdBy"]}) == ALL
    assert await ids(people, {"_updatedBy": "^access:"}) == ALL


async def test_opt_in_fields(people):
    await people.put("/profiles/p02/optin", json={"channels": ["sms", "email"]})
    await people.delete("/profiles/p04/optin", params={"channel": "sms"})
    assert await ids(people, {"_optIns.sms": "true"}) == ["p02"]
    assert await ids(people, {"_optIns.sms": "false"}) == ["p04"]
    assert await ids(people, {"_optIns.sms": ""}) == ["p02", "p04"]
    assert await ids(people, {"_optIns.email": "!true"}) == ["p01", "p03", "p04", "p05", "p06"]


async def test_limit_and_skip(people):
    assert await ids(people, {"$limit": "2"}) == ["p01", "p02"]
    assert await ids(people, {"$limit": "2", "$skip": "2"}) == ["p03", "p04"]
    assert await ids(people, {"$skip": "5"}) == ["p06"]
    assert await ids(people, {"$skip": "50"}) == []
    assert await ids(people, {"$limit": "1000"}) == ALL


async def test_default_limit_is_100(space):
    r = await space.patch("/profiles/bulk", json=[{"id": f"b{i:03d}"} for i in range(105)])
    assert r.status_code == 200
    assert len(await ids(space, {})) == 100
    assert len(await ids(space, {"$limit": "1000"})) == 105


async def test_fields_projection(people):
    r = await people.get("/profiles", params={"$fields": "name, address.city,_createdOn,missing",
                                               "id[]": ["p01", "p03"]})
    docs = r.json()
    assert docs[0] == {"id": "p01", "name": "Alice", "address": {"city": "Leeds"},
                       "_createdOn": docs[0]["_createdOn"]}
    assert docs[1] == {"id": "p03", "name": "Carol", "_createdOn": docs[1]["_createdOn"]}
    r = await people.get("/profiles", params={"$fields": "address,address.city", "id": "p01"})
    assert r.json() == [{"id": "p01", "address": PEOPLE["p01"]["address"]}]


async def test_include_deleted(people):
    await people.delete("/profiles/p02")
    assert "p02" not in await ids(people, {})
    assert await ids(people, {"$includeDeleted": "true", "name": "bob"}) == ["p02"]


@pytest.mark.parametrize("params", [
    {"$limit": "0"}, {"$limit": "1001"}, {"$limit": "x"}, {"$skip": "-1"}, {"$includeDeleted": "maybe"},
    {"$foo": "1"}, {"$includeSystem": "true"}, {"$fields": "a b"}, {"$fields": "_secret"},
    {"a b": "1"}, {"a..b": "1"}, {".a": "1"}, {"a.": "1"}, {"": "1"}, {"x" * 101: "1"}, {"名前": "1"},
    {"_secret": "1"}, {"_optIns": "1"}, {"_optIns.s.m": "true"}, {"a'b": "1"},
    {"vip": ">true"}, {"vip": "<=false"}, {"name[]": ["a", "!b"]},
    {"n": "99999999999999999999"}, {"n": "1e400"}, {"n": "nul\x00"}, {"v": "x" * 5000},
    {"_createdOn": "yesterday"}, {"_createdOn": "~2024"}, {"_createdOn[]": ["2024-01-01"]},
    {"_updatedOn": ">9999-12-31T23:59:59.9999"},
    {f"f{i}": "1" for i in range(51)},
])
async def test_bad_queries_are_400(people, params):
    problem(await people.get("/profiles", params=params), 400)


async def test_large_in_list_and_many_conditions(people):
    values = [f"v{i}" for i in range(1000)] + ["Alice"]
    problem(await people.get("/profiles", params={"name[]": values}), 400)
    assert await ids(people, {"name[]": values[-1000:]}) == ["p01"]
    params = {f"f{i}": "!" for i in range(49)}
    params["name"] = "bob"
    assert await ids(people, params) == ["p02"]


async def test_schema_only_answers_the_profiles_schema(people):
    """`$schemaOnly=true` (the One API's profile schema retrieval): the JSON Schema of the profiles
    the query selects, every member name with the JSON types seen, nested objects and arrays too."""
    r = await people.get("/profiles", params={"$schemaOnly": "true"})
    assert r.status_code == 200, r.text
    schema = r.json()
    assert schema["type"] == "object" and schema["x-sampleSize"] == len(PEOPLE)
    props = schema["properties"]
    assert {"id", "name", "age", "address", "nick-name", "misc", "_createdOn"} <= set(props)
    assert props["id"]["type"] == "string"
    assert props["age"]["type"] == ["null", "number", "string"]
    assert props["vip"]["type"] == "boolean"
    assert props["address"]["type"] == ["object", "string"]
    assert props["address"]["properties"]["city"]["type"] == ["object", "string"]
    assert props["address"]["properties"]["city"]["properties"] == {"nested": {"type": "string"}}
    assert props["misc"]["items"]["type"] == ["integer", "object", "string"]
    narrowed = (await people.get("/profiles", params={"$schemaOnly": "true", "name": "Alice"})).json()
    assert narrowed["x-sampleSize"] == 1 and "email" not in narrowed["properties"]
    assert (await people.get("/profiles", params={"$schemaOnly": "maybe"})).status_code == 400
