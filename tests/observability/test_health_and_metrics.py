"""/healthz, /readyz and /metrics answer what is true of the process and its database."""
import dataclasses
import re

import httpx
import pytest

from onecast.app import create_app


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    label_text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(label_text) + r"\}" if labels else "") + r" ([0-9.e+-]+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_healthz_and_readyz_on_a_migrated_database(anon):
    assert (await anon.get("/healthz")).json() == {"status": "ok"}
    r = await anon.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"ready": True, "checks": {"database": "ok", "migrations": "ok"}}


async def _probe(settings, database_url: str, path: str) -> httpx.Response:
    app = create_app(dataclasses.replace(settings, database_url=database_url))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client):
        return await client.get(path)


async def test_readyz_is_503_on_an_unmigrated_database(settings, tmp_path):
    r = await _probe(settings, f"sqlite:///{tmp_path}/empty.db", "/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == "ok"
    assert r.json()["checks"]["migrations"].startswith("not applied: ")


async def test_readyz_is_503_when_the_database_is_unreachable(settings, tmp_path):
    r = await _probe(settings, f"sqlite:///{tmp_path}/no/such/dir/x.db", "/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"].startswith("unavailable")
    assert (await _probe(settings, f"sqlite:///{tmp_path}/no/such/dir/x.db", "/healthz")).status_code == 200


async def test_metrics_count_committed_work_only(anon, space, deliver):
    before = (await anon.get("/metrics")).text
    r = await space.post("/messages", json={"to": {"phoneNumber": "+447700900123"}, "body": "hi", "rules": ["sms"]})
    assert r.status_code == 201
    # A batch with one bad item is refused whole: nothing is stored, so nothing is counted.
    bad = await space.post("/messages/batch", json=[{"to": {"phoneNumber": "+447700900123"}, "body": "a", "rules": ["sms"]},
                                                    {"to": {"phoneNumber": "nope"}, "body": "b", "rules": ["sms"]}])
    assert bad.status_code == 400
    queued = (await anon.get("/metrics")).text
    assert metric(queued, "onecast_messages_accepted_total") == metric(before, "onecast_messages_accepted_total") + 1
    assert metric(queued, "onecast_queue_depth", state="due") >= 1
    await deliver(space)
    after = (await anon.get("/metrics")).text
    sent = metric(after, "onecast_message_status_total", status="sent", direction="outbound")
    assert sent == metric(before, "onecast_message_status_total", status="sent", direction="outbound") + 1
    assert metric(after, "onecast_accept_to_sent_seconds_count") >= 1
    assert metric(after, "onecast_http_request_seconds_count", method="POST",
                  route="/apispaces/{apiSpaceId}/messages", status="201") >= 1


@pytest.mark.parametrize("given,echoed", [("req-42.a:b", True), ("bad id\r\nX-Evil: 1", False), ("x" * 200, False)])
async def test_request_id_is_echoed_only_when_sane(anon, given, echoed):
    r = await anon.get("/healthz", headers={"X-Request-Id": given} if "\r" not in given else {})
    if "\r" in given:  # httpx refuses to send CR/LF in a header; a raw client is no different for us
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
        return
    assert (r.headers["x-request-id"] == given) is echoed
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,128}", r.headers["x-request-id"])
