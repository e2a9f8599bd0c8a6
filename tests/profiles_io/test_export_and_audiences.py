"""Profile export (json, ndjson, csv) and audiences (saved queries)."""
import csv
import io
import json


async def seed(space):
    for body in ({"id": "a1", "name": "Ann", "country": "UK", "age": 31, "address": {"city": "Leeds"}},
                 {"id": "b2", "name": "Bob", "country": "UK", "age": 25},
                 {"id": "c3", "name": "Cy", "country": "FR", "age": 40, "tags": ["x"]}):
        assert (await space.post("/profiles", json=body)).status_code == 201


async def test_export_json_ndjson_and_csv(space):
    await seed(space)
    r = await space.post("/profiles/export", json={"query": "country=UK", "format": "json"})
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    assert [p["id"] for p in r.json()] == ["a1", "b2"]
    r = await space.post("/profiles/export", json={"query": "age=>=30", "format": "ndjson", "fields": ["name"]})
    assert [json.loads(line) for line in r.text.splitlines()] == [{"id": "a1", "name": "Ann"}, {"id": "c3", "name": "Cy"}]
    r = await space.post("/profiles/export", json={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == ["a1", "b2", "c3"]
    assert rows[0]["address.city"] == "Leeds" and rows[2]["tags"] == '["x"]' and rows[1]["age"] == "25"
    assert "_createdOn" not in rows[0]
    r = await space.post("/profiles/export", json={"format": "csv", "fields": ["name", "country"], "query": "id=c3"})
    assert r.text.splitlines() == ["id,name,country", "c3,Cy,FR"]


async def test_export_refuses_bad_queries(space):
    assert (await space.post("/profiles/export", json={"query": "$where=1"})).status_code == 400
    assert (await space.post("/profiles/export", json={"fields": ["bad field!"]})).status_code == 400
    assert (await space.post("/profiles/export", json={"format": "xlsx"})).status_code == 400


async def test_export_streams_more_than_a_page(space):
    r = await space.patch("/profiles/bulk", json=[{"id": f"p{i:04d}", "n": i} for i in range(1000)])
    assert r.status_code == 200
    await space.patch("/profiles/bulk", json=[{"id": f"q{i:04d}", "n": i} for i in range(200)])
    r = await space.post("/profiles/export", json={"format": "ndjson", "fields": ["n"]})
    assert len(r.text.splitlines()) == 1200


async def test_audience_crud_and_members(space, other_space):
    await seed(space)
    r = await space.post("/audiences", json={"id": "uk", "name": "UK", "query": "country=UK"})
    assert r.status_code == 201 and r.headers["etag"]
    etag = r.headers["etag"]
    assert (await space.post("/audiences", json={"id": "uk", "name": "dup", "query": ""})).status_code == 409
    members = await space.get("/audiences/uk/profiles")
    assert [p["id"] for p in members.json()] == ["a1", "b2"] and members.headers["x-total-count"] == "2"
    await space.post("/profiles", json={"id": "d4", "country": "UK"})
    assert (await space.get("/audiences/uk/profiles")).headers["x-total-count"] == "3"  # computed when asked
    r = await space.put("/audiences/uk", json={"name": "Older UK", "query": "country=UK&age=>30"},
                        headers={"If-Match": '"0-stale"'})
    assert r.status_code == 412
    r = await space.put("/audiences/uk", json={"name": "Older UK", "query": "country=UK&age=>30"},
                        headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["name"] == "Older UK"
    assert [p["id"] for p in (await space.get("/audiences/uk/profiles")).json()] == ["a1"]
    assert [a["id"] for a in (await space.get("/audiences")).json()] == ["uk"]
    assert (await other_space.get("/audiences/uk")).status_code == 404
    assert (await other_space.get("/audiences")).json() == []
    assert (await space.delete("/audiences/uk")).status_code == 204
    assert (await space.get("/audiences/uk")).status_code == 404


async def test_bad_audience_queries_store_nothing(space):
    for query in ("age=>abc&age[]=1&$limit=3", "a=%ZZ&&", "bad field=1"):
        r = await space.post("/audiences", json={"name": "x", "query": query})
        assert r.status_code == 400, (query, r.text)
    assert (await space.get("/audiences")).json() == []
