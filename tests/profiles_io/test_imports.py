"""Profile import jobs end to end: create, upload, duplicates, start, worker applies, details."""
import json

import pytest

from onecast.profiles.imports.tasks import process_imports

CSV = ("id,name,email,address.city,age\n"
       "ann,Ann,ann@example.com,Leeds,31\n"
       "bob,Bob,,York,\n"
       ",Nobody,x@example.com,,\n"
       "ann,Ann Again,ann2@example.com,,\n"
       "zed,Zed,zed@example.com,Bath,40,extra\n")


async def new_job(space, **body):
    r = await space.post("/profiles/import", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "created"
    return r.json()["id"]


async def upload(space, job_id, content: bytes | str, content_type="text/csv"):
    return await space.put(f"/profiles/import/{job_id}/upload", content=content,
                           headers={"Content-Type": content_type})


async def run_imports(app):
    return await process_imports(app.state.db, "test-imports")


async def test_csv_import_end_to_end(app, space):
    await space.post("/profiles", json={"id": "bob", "phoneNumber": "+447700900123"})
    job = await new_job(space, format="csv", mode="upsert", name="crm")
    r = await upload(space, job, CSV)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "uploaded"
    assert (r.json()["total"], r.json()["invalid"]) == (5, 2)

    dup = (await space.get(f"/profiles/import/{job}/duplicates")).json()
    assert dup["inFile"] == {"count": 1, "items": [{"id": "ann", "lines": [2, 5]}]}
    assert dup["existing"]["items"] == ["bob"] and dup["existing"]["action"] == "updated"

    r = await space.put(f"/profiles/import/{job}/start")
    assert r.status_code == 200 and r.json()["status"] == "running"
    assert (await space.put(f"/profiles/import/{job}/start")).status_code == 409
    assert await run_imports(app) == 1

    status = (await space.get(f"/profiles/imports/{job}")).json()
    assert status["status"] == "completed" and status["progress"] == 1.0
    assert (status["created"], status["updated"], status["failed"], status["processed"]) == (1, 2, 2, 3)

    ann = (await space.get("/profiles/ann")).json()
    assert ann["name"] == "Ann Again" and ann["email"] == "ann2@example.com"
    assert ann["address"] == {"city": "Leeds"} and ann["age"] == "31"  # CSV cells are text
    bob = (await space.get("/profiles/bob")).json()
    assert bob["phoneNumber"] == "+447700900123" and bob["address"] == {"city": "York"} and "email" not in bob
    assert ann["_createdBy"] == f"import:{job}"

    failed = (await space.get(f"/profiles/imports/{job}/details", params={"status": "failed"})).json()
    assert [(d["line"], d["status"]) for d in failed] == [(4, "failed"), (6, "failed")]
    assert "id" in failed[0]["error"] and "more cells" in failed[1]["error"]
    history = (await space.get("/profiles/imports")).json()
    assert [j["id"] for j in history] == [job]


async def test_create_mode_skips_existing_profiles(app, space):
    await space.post("/profiles", json={"id": "keep", "name": "Original"})
    job = await new_job(space, format="json", mode="create")
    body = json.dumps([{"id": "keep", "name": "Changed"}, {"id": "fresh", "tags": ["a", "b"], "n": 3}])
    assert (await upload(space, job, body, "application/json")).status_code == 200
    await space.put(f"/profiles/import/{job}/start")
    await run_imports(app)
    status = (await space.get(f"/profiles/imports/{job}")).json()
    assert (status["created"], status["skipped"]) == (1, 1)
    assert (await space.get("/profiles/keep")).json()["name"] == "Original"
    assert (await space.get("/profiles/fresh")).json()["tags"] == ["a", "b"]


async def test_json_lines_and_a_custom_id_field(app, space):
    job = await new_job(space, format="json", idField="ref")
    lines = '{"ref": "p1", "name": "One"}\n\n{"ref": "p2"}\nnot json\n[1]\n'
    r = await upload(space, job, lines, "application/x-ndjson")
    assert (r.json()["total"], r.json()["invalid"]) == (4, 2)
    await space.put(f"/profiles/import/{job}/start")
    await run_imports(app)
    assert (await space.get("/profiles/p1")).json()["ref"] == "p1"
    details = (await space.get(f"/profiles/imports/{job}/details")).json()
    assert [d["status"] for d in details] == ["created", "created", "failed", "failed"]


async def test_a_large_import_is_applied_in_chunks(app, space):
    job = await new_job(space)
    rows = "id,n\n" + "".join(f"p{i:05d},{i}\n" for i in range(1500))
    assert (await upload(space, job, rows)).json()["total"] == 1500
    await space.put(f"/profiles/import/{job}/start")
    await run_imports(app)
    status = (await space.get(f"/profiles/imports/{job}")).json()
    assert status["created"] == 1500 and status["status"] == "completed"
    r = await space.get("/profiles", params={"id": "p01499"})
    assert r.json()[0]["n"] == "1499"


@pytest.mark.parametrize("fmt,content", [("csv", b"\xff\xfe\x00bad"), ("csv", ""), ("json", "[{"),
                                         ("csv", "id,id\n1,2\n")])
async def test_unreadable_files_are_refused_and_leave_nothing(app, space, fmt, content):
    job = await new_job(space, format=fmt)
    r = await upload(space, job, content)
    assert r.status_code == 400
    assert r.json()["code"] == "InvalidImportFile"
    status = (await space.get(f"/profiles/imports/{job}")).json()
    assert status["status"] == "created" and status["total"] == 0 and status["error"]
    assert (await space.put(f"/profiles/import/{job}/start")).status_code == 409
    assert (await space.get(f"/profiles/imports/{job}/details")).json() == []


async def test_lifecycle_rules_and_tenancy(app, space, other_space):
    job = await new_job(space)
    assert (await space.get(f"/profiles/import/{job}/duplicates")).status_code == 409
    assert (await other_space.get(f"/profiles/imports/{job}")).status_code == 404
    assert (await upload(other_space, job, "id\nx\n")).status_code == 404
    await upload(space, job, "id\nx\n")
    assert (await space.delete(f"/profiles/imports/{job}")).status_code == 204
    assert (await space.get(f"/profiles/imports/{job}")).status_code == 404
    assert (await space.post("/profiles/import", json={"format": "xml"})).status_code == 400
    assert (await space.post("/profiles/import", json={"idField": "_createdOn"})).status_code == 400


@pytest.mark.parametrize(("content", "expected"), [
    ("name,email\nAnn,a@example.com\n", "no 'id' column"),  # issue 20 #9: was completed, 0/0
    ('id,name\np1,Ann\np2,"Bob\np3,Cy\n', "CSV syntax error at line 3: a quoted cell"),
    ('id,"name\np1,Ann\n', "CSV syntax error at line 1"),
])
async def test_a_csv_without_the_id_column_or_with_an_open_quote_is_refused_saying_why(space, content, expected):
    job = await new_job(space)
    r = await upload(space, job, content)
    assert r.status_code == 400 and r.json()["code"] == "InvalidImportFile", r.text
    assert expected in r.json()["detail"], r.json()["detail"]
    assert (await space.get(f"/profiles/imports/{job}")).json()["status"] == "created"


async def test_a_dotted_id_field_is_a_column_of_that_name(app, space):
    job = await new_job(space, idField="crm.id")
    assert (await upload(space, job, "crm.id,name\nc-1,Ann\n")).json()["total"] == 1
