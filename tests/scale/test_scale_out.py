"""Scale-out on PostgreSQL: two `onecast api` and three `onecast worker` processes share one
database; every message accepted by either API is sent exactly once at the provider (a custom
channel's receiver counts the POSTs per message id)."""
import collections
import os
import time

import httpx
import pytest

from tests.conftest import new_space
from tests.peers.custom_receiver import CustomReceiver
from tests.support.processes import start_onecast

pytestmark = pytest.mark.skipif(not os.environ.get("ONECAST_TEST_DATABASE_URL", "").startswith("postgres"),
                                reason="several processes share one database only on PostgreSQL")
SECRET = "whsec_c2NhbGUtb3V0LXNlY3JldC1mb3ItdGVzdHM="
MESSAGES = 240


@pytest.fixture
def cluster(database_url):
    env = {"ONECAST_WORKER_POLL_SECONDS": "0.02", "ONECAST_LOG_JSON": "true"}
    procs = []
    try:
        procs += [start_onecast("api", database_url, env=env) for _ in range(2)]
        procs += [start_onecast("worker", database_url, env=env) for _ in range(3)]
        yield [proc.base for proc in procs[:2]]
    finally:
        for proc in procs:
            proc.stop(30)


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
