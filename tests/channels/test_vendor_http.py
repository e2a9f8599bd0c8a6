"""The pieces the HTTP providers share: the retry-or-fail decision and media."""
import httpx
import pytest

from onecast.channels.vendor_http import http_failure, media_of


@pytest.mark.parametrize("status, permanent", [(429, False), (503, False), (500, False), (400, True), (404, True)])
def test_http_failures(status, permanent):
    response = httpx.Response(status, headers={"retry-after": "3"})
    result = http_failure(response, "X", "boom")
    assert result.permanent is permanent and result.details["retryAfter"] == "3"


def test_media_of_needs_a_source():
    with pytest.raises(ValueError):
        media_of({"type": "image/png", "data": "not base64 !!"}, "image")
    assert media_of({"type": "image/png", "data": {"id": "9"}}, "image").media_id == "9"
