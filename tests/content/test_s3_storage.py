"""The S3 backend through the boto3 client interface (no live S3 here): direct presigned POSTs
to the bucket, and reads redirected to presigned GET URLs."""
import sys

import pytest

from onecast.content.storage import S3Storage
from tests.content.test_content import path_of, png


class NoSuchKey(Exception):
    pass


class FakeS3Client:
    """The boto3 S3 client calls S3Storage makes, with boto3's argument names and return shapes."""

    class exceptions:
        NoSuchKey = NoSuchKey

    def __init__(self):
        self.objects = {}
        self.posts = []

    def put_object(self, *, Bucket, Key, Body, ContentType):
        self.objects[(Bucket, Key)] = (Body, ContentType)

    def get_object(self, *, Bucket, Key):
        if (Bucket, Key) not in self.objects:
            raise NoSuchKey(Key)
        import io
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)][0])}

    def delete_object(self, *, Bucket, Key):
        self.objects.pop((Bucket, Key), None)

    def generate_presigned_post(self, *, Bucket, Key, Fields, Conditions, ExpiresIn):
        self.posts.append({"Bucket": Bucket, "Key": Key, "Fields": Fields, "Conditions": Conditions})
        return {"url": f"https://{Bucket}.s3.example", "fields": {**Fields, "key": Key, "policy": "p",
                                                                   "x-amz-signature": "s"}}

    def generate_presigned_url(self, method, *, Params, ExpiresIn):
        return f"https://{Params['Bucket']}.s3.example/{Params['Key']}?X-Amz-Expires={ExpiresIn}"


@pytest.fixture
def s3(app):
    previous = getattr(app.state, "content_storage", None)
    client = FakeS3Client()
    app.state.content_storage = S3Storage("media", client=client)
    yield client
    app.state.content_storage = previous


async def test_upload_and_read_through_s3(space, anon, s3):
    r = await space.post("/content", files={"file": ("a.png", png(), "image/png")})
    assert r.status_code == 200, r.text
    key = (("media", f"{space.space_id}/{r.json()['id']}"))
    assert s3.objects[key] == (png(), "image/png")
    media = await anon.get(path_of(r.json()["url"]), follow_redirects=False)
    assert media.status_code == 302 and media.headers["location"].startswith(f"https://media.s3.example/{key[1]}")
    assert (await space.delete(f"/content/{r.json()['id']}")).status_code == 200
    assert key not in s3.objects


async def test_presigned_upload_goes_straight_to_the_bucket(space, s3):
    r = await space.post("/channels/mms/presigned-upload", json={"contentType": "image/png"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["uploadUrl"] == "https://media.s3.example" and body["uploadMethod"] == "POST"
    assert body["uploadFormData"]["Content-Type"] == "image/png" and body["uploadFormData"]["key"]
    # the bucket enforces the type and the MMS size limit
    assert s3.posts[0]["Conditions"] == [{"Content-Type": "image/png"}, ["content-length-range", 1, 500 * 1024]]


def test_s3_without_boto3_names_the_extra(monkeypatch):
    """boto3 is an optional extra: without it, choosing S3 fails with the install hint, not a bare ImportError."""
    monkeypatch.setitem(sys.modules, "boto3", None)  # what `import boto3` sees when it is not installed
    with pytest.raises(RuntimeError, match=r"pip install 'onecast\[s3\]'"):
        S3Storage("media")
