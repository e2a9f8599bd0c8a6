"""Content: uploads (multipart, JSON base64), per-channel size and type limits, public media URLs,
presigned uploads, deletion and retention."""
import base64
import struct
import zlib
from datetime import timedelta

from sqlalchemy import func, select, update

from onecast.content import service
from onecast.content.models import ContentFile
from onecast.kit.clock import utcnow
from tests.content.conftest import stored_files


def png(extra: int = 0) -> bytes:
    """A real 1x1 PNG, padded with an ancillary chunk to the size wanted."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    pad = chunk(b"tEXt", b"c\x00" + b"x" * extra) if extra else b""
    return b"\x89PNG\r\n\x1a\n" + header + pad + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


async def count_rows(app):
    async with app.state.db.read() as session:
        return (await session.execute(select(func.count()).select_from(ContentFile))).scalar_one()


def path_of(url: str) -> str:
    return url.split("onecast.test", 1)[1]


async def test_multipart_upload_read_public_url_and_delete(app, space, other_space, anon, storage_dir):
    data = png()
    r = await space.post("/content", params={"folder": "logos"},
                         files={"file": ("logo.png", data, "image/png")})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["name"] == "logo.png" and doc["type"] == "image/png" and doc["size"] == len(data)
    assert doc["folder"] == "logos" and doc["_createdBy"].startswith("access:")
    assert len(stored_files(storage_dir)) == 1

    got = await space.get(f"/content/{doc['id']}")
    assert got.status_code == 200 and got.content == data and got.headers["content-type"] == "image/png"
    public = await anon.get(path_of(doc["url"]))
    assert public.status_code == 200 and public.content == data
    assert (await other_space.get(f"/content/{doc['id']}")).status_code == 404
    assert (await other_space.delete(f"/content/{doc['id']}")).status_code == 404

    deleted = await space.delete(f"/content/{doc['id']}")
    assert deleted.status_code == 200 and deleted.json()["id"] == doc["id"]
    assert (await space.get(f"/content/{doc['id']}")).status_code == 404
    assert (await anon.get(path_of(doc["url"]))).status_code == 404
    assert stored_files(storage_dir) == []


async def test_json_base64_upload(space, storage_dir):
    r = await space.post("/content", json={"name": "a.jpg", "type": "image/jpeg",
                                           "data": base64.b64encode(JPEG).decode()})
    assert r.status_code == 200, r.text
    assert (await space.get(f"/content/{r.json()['id']}")).content == JPEG
    bad = await space.post("/content", json={"name": "a.jpg", "type": "image/jpeg", "data": "not base64!"})
    assert bad.status_code == 400 and bad.json()["validationFailures"][0]["field"] == "data"


async def test_bad_uploads_are_refused_and_nothing_is_stored(app, space, storage_dir):
    before = await count_rows(app)
    cases = [
        ({"files": {"file": ("x.jpg", png(), "image/jpeg")}}, "MediaTypeMismatch"),
        ({"files": {"file": ("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}}, "MediaTypeMismatch"),
        ({"files": {"file": ("x.html", b"<script>", "text/html")}}, "MediaTypeNotAllowed"),
        ({"files": {"file": ("x.png", png(), "image/png")}, "params": {"channel": "sms"}}, "ChannelHasNoMedia"),
        ({"files": {"file": ("x.pdf", b"%PDF-1.4\n", "application/pdf")}, "params": {"channel": "mms"}},
         "MediaTypeNotAllowed"),
        ({"files": {"file": ("big.png", png(600 * 1024), "image/png")}, "params": {"channel": "mms"}},
         "MediaTooLarge"),
        ({"files": {"file": ("x.png", png(), "image/png")}, "params": {"channel": "nochannel"}}, "UnknownChannel"),
        ({"files": {"file": ("empty.png", b"", "image/png")}}, "EmptyFile"),
        ({"files": {"other": ("x.png", png(), "image/png")}}, "ValidationFailed"),
    ]
    for kwargs, code in cases:
        r = await space.post("/content", **kwargs)
        assert r.status_code == 400, (code, r.text)
        assert r.json()["code"] == code, r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
    # within the MMS limit (seed 002: 500 KB) the same image is fine
    ok = await space.post("/content", params={"channel": "mms"},
                          files={"file": ("ok.png", png(400 * 1024), "image/png")})
    assert ok.status_code == 200 and ok.json()["channel"] == "mms"
    assert await count_rows(app) == before + 1 and len(stored_files(storage_dir)) == 1


async def test_oversized_body_is_413(space, storage_dir, settings):
    size = settings.content_max_bytes * 4 // 3 + 70_000
    r = await space.post("/content", content=b"\x00" * size, headers={"Content-Type": "image/png"})
    assert r.status_code == 413 and r.json()["code"] == "PayloadTooLarge"
    assert stored_files(storage_dir) == []


async def test_presigned_upload(app, space, anon, storage_dir):
    r = await space.post("/presigned-upload", json={"contentType": "image/png"})
    assert r.status_code == 200, r.text
    presigned = r.json()
    assert set(presigned) == {"mediaUrl", "uploadUrl", "uploadMethod", "uploadFormData"}
    assert presigned["uploadMethod"] == "POST"
    assert (await anon.get(path_of(presigned["mediaUrl"]))).status_code == 404  # nothing uploaded yet

    upload = path_of(presigned["uploadUrl"])
    wrong = await anon.post(upload, data={"token": "guess"}, files={"file": ("a.png", png(), "image/png")})
    assert wrong.status_code == 403
    mismatch = await anon.post(upload, data=presigned["uploadFormData"], files={"file": ("a.png", JPEG, "image/png")})
    assert mismatch.status_code == 400 and mismatch.json()["code"] == "MediaTypeMismatch"
    assert stored_files(storage_dir) == []

    ok = await anon.post(upload, data=presigned["uploadFormData"], files={"file": ("a.png", png(), "image/png")})
    assert ok.status_code == 204, ok.text
    media = await anon.get(path_of(presigned["mediaUrl"]))
    assert media.status_code == 200 and media.content == png()
    again = await anon.post(upload, data=presigned["uploadFormData"], files={"file": ("a.png", png(), "image/png")})
    assert again.status_code == 403

    # the channel-scoped variant applies that channel's limits
    r = await space.post("/channels/mms/presigned-upload", json={"contentType": "application/pdf"})
    assert r.status_code == 400 and r.json()["code"] == "MediaTypeNotAllowed"
    r = await space.post("/channels/mms/presigned-upload", json={"contentType": "image/png"})
    big = await anon.post(path_of(r.json()["uploadUrl"]), data=r.json()["uploadFormData"],
                          files={"file": ("b.png", png(600 * 1024), "image/png")})
    assert big.status_code == 400 and big.json()["code"] == "MediaTooLarge"


async def test_expired_presigned_upload(app, space, anon, storage_dir):
    r = (await space.post("/presigned-upload", json={"contentType": "image/png"})).json()
    async with app.state.db.transaction() as session:
        await session.execute(update(ContentFile).where(ContentFile.space_id == space.space_id)
                              .values(upload_expires_on=utcnow() - timedelta(seconds=1)))
    late = await anon.post(path_of(r["uploadUrl"]), data=r["uploadFormData"],
                           files={"file": ("a.png", png(), "image/png")})
    assert late.status_code == 403 and late.json()["code"] == "UploadExpired"


async def test_retention_per_space(app, space, other_space, storage_dir):
    assert (await space.get("/content/retention")).json() == {"days": 30}
    assert (await space.put("/content/retention", json={"days": 0})).status_code == 400
    assert (await space.put("/content/retention", json={"days": 2})).json() == {"days": 2}
    mine = (await space.post("/content", files={"file": ("a.png", png(), "image/png")})).json()
    theirs = (await other_space.post("/content", files={"file": ("b.png", png(), "image/png")})).json()
    async with app.state.db.transaction() as session:
        await session.execute(update(ContentFile).where(ContentFile.id.in_([mine["id"], theirs["id"]]))
                              .values(created_on=utcnow() - timedelta(days=3)))
    removed = await service.purge_expired(app.state.db, app.state.content_storage, 30)
    assert removed >= 1
    assert (await space.get(f"/content/{mine['id']}")).status_code == 404
    assert (await other_space.get(f"/content/{theirs['id']}")).status_code == 200  # default 30 days
    assert len(stored_files(storage_dir)) == 1
