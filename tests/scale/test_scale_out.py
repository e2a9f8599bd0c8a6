"""Scale-out on PostgreSQL: two `onecast api` and three `onecast worker` processes share one
database; every message accepted by either API is sent exactly once at the provider (a custom
channel's receiver counts the POSTs per message id)."""
import collections
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from tests.conftest import new_space
from tests.peers.custom_receiver import CustomReceiver

pytestmark = pytest.mark.skipif(not os.environ.get("ONECAST_TEST_DATABASE_URL", "").startswith("postgres"),
                                reason="several processes share one database only on PostgreSQL")
SECRET = "whsec_c2NhbGUtb3V0LXNlY3JldC1mb3ItdGVzdHM="
MESSAGES = 240


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], database_url: str) -> subprocess.Popen:
    env = {**os.environ, "ONECAST_DATABASE_URL": database_url, "ONECAST_WORKER_POLL_SECONDS": "0.02",
           "ONECAST_LOG_JSON": "true"}
    return subprocess.Popen([sys.executable, "-m", "onecast.cli", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} never became ready")


@pytest.fixture
def cluster(database_url):
    ports = [_free_port(), _free_port()]
    procs = [_start(["api", "--port", str(port)], database_url) for port in ports]
    procs += [_start(["worker"], database_url) for _ in range(3)]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            _wait_ready(base)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


async def test_two_apis_and_three_workers_send_each_message_once(app, anon, cluster):
    receiver = CustomReceiver(SECRET).start()
    try:
        space = await new_space(app, anon, "scale-out")
        headers = {"Authorization": f"Bearer {space.key}"}
        api_a, api_b = cluster
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(f"{api_a}/apispaces/{space.space_id}/channels", headers=headers, json={
                "id": "crm", "type": "custom", "provider": "custom_http",
                "config": {"url": receiver.url + "/hook", "secret": SECRET}})
            assert r.status_code == 201, r.text
            accepted = []
            batch = [{"to": {"profileId": f"p{i}"}, "body": f"batch {i}", "rules": ["crm"]} for i in range(MESSAGES // 2)]
            r = await client.post(f"{api_a}/apispaces/{space.space_id}/messages/batch", headers=headers, json=batch)
            assert r.status_code == 202, r.text
            accepted += [item["messageId"] for item in r.json()]
            for i in range(MESSAGES // 2):
                r = await client.post(f"{api_b}/apispaces/{space.space_id}/messages", headers=headers,
                                      json={"to": {"profileId": f"q{i}"}, "body": f"single {i}", "rules": ["crm"]})
                assert r.status_code == 201, r.text
                accepted.append(r.json()["messageId"])
            deadline = time.monotonic() + 120
            statuses = {}
            while time.monotonic() < deadline:
                # Either API answers for any message: they share the database.
                pending = [m for m in accepted if statuses.get(m) not in ("sent", "delivered", "failed")]
                for message_id in pending[:50]:
                    base = api_a if hash(message_id) % 2 else api_b
                    statuses[message_id] = (await client.get(f"{base}/apispaces/{space.space_id}/messages/{message_id}",
                                                             headers=headers)).json()["status"]
                if not pending:
                    break
            assert collections.Counter(statuses.values()) == {"sent": MESSAGES}
        posts = collections.Counter(request.headers["webhook-id"] for request in receiver.accepted)
        assert len(posts) == MESSAGES and set(posts) == set(accepted)
        assert max(posts.values()) == 1, [m for m, n in posts.items() if n > 1]
    finally:
        receiver.stop()
