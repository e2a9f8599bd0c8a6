"""The pieces the HTTP providers share: per-channel pacing and the retry-or-fail decision."""
import httpx
import pytest

from onecast.channels import vendor_http
from onecast.channels.vendor_http import RateLimiter, http_failure, media_of


async def test_rate_limiter_spaces_sends_by_the_configured_rate(monkeypatch):
    slept = []

    async def fake_sleep(seconds):
        slept.append(round(seconds, 6))

    monkeypatch.setattr(vendor_http.asyncio, "sleep", fake_sleep)
    monkeypatch.setattr(vendor_http.time, "monotonic", lambda: 1000.0)
    limiter = RateLimiter(4)
    for _ in range(4):
        await limiter.wait()
    assert slept == [0.25, 0.5, 0.75]
    slept.clear()
    unlimited = RateLimiter(None)
    await unlimited.wait()
    assert slept == []


def test_provider_reads_rate_from_channel_config():
    from onecast.channels.telegram.provider import create

    assert create({"botToken": "t", "ratePerSecond": 20}, None).limiter.interval == pytest.approx(0.05)
    assert create({"botToken": "t", "ratePerSecond": "nonsense"}, None).limiter.interval == 0.0


@pytest.mark.parametrize("status, permanent", [(429, False), (503, False), (500, False), (400, True), (404, True)])
def test_http_failures(status, permanent):
    response = httpx.Response(status, headers={"retry-after": "3"})
    result = http_failure(response, "X", "boom")
    assert result.permanent is permanent and result.details["retryAfter"] == "3"


def test_media_of_needs_a_source():
    with pytest.raises(ValueError):
        media_of({"type": "image/png", "data": "not base64 !!"}, "image")
    assert media_of({"type": "image/png", "data": {"id": "9"}}, "image").media_id == "9"
