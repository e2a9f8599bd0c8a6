"""The CLI and `onecast serve` end to end, as the README uses them."""
import json

import httpx
from typer.testing import CliRunner

from onecast.cli import app as cli
from tests.support.processes import bootstrapped_space, running_onecast, wait_until

runner = CliRunner()


def test_spaces_keys_and_send(database_url):
    env = {"ONECAST_DATABASE_URL": database_url}
    r = runner.invoke(cli, ["spaces", "create", "cli-space", "--json"], env=env)
    assert r.exit_code == 0, r.output
    created = json.loads(r.output.strip().splitlines()[-1])
    assert set(created) == {"apiSpaceId", "apiKey"} and created["apiKey"].startswith("onecast_")

    r = runner.invoke(cli, ["keys", "create", created["apiSpaceId"], "--json"], env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["apiKey"] != created["apiKey"]
    r = runner.invoke(cli, ["keys", "create", "no-such-space"], env=env)
    assert r.exit_code == 1

    r = runner.invoke(cli, ["send", "--space", created["apiSpaceId"], "--phone", "447700900900",
                            "--body", "from the shell"], env=env)
    assert r.exit_code == 0, r.output
    sent = json.loads(r.output[r.output.index("{"):])
    assert sent["status"] == "delivered" and sent["body"] == "from the shell"

    r = runner.invoke(cli, ["send", "--space", created["apiSpaceId"], "--phone", "1", "--body", "x"], env=env)
    assert r.exit_code == 2


def test_serve_bootstraps_prints_a_key_and_delivers(tmp_path):
    """What `make run` does on a fresh machine: migrate, create a space and key, serve API + worker."""
    url = f"sqlite:///{tmp_path}/fresh.db"
    with running_onecast("serve", url, log_dir=tmp_path, env={"COLUMNS": "400"}) as serve:
        space, key = bootstrapped_space(serve)
        base, headers = serve.base, {"Authorization": f"Bearer {key}"}
        r = httpx.post(f"{base}/apispaces/{space}/messages", headers=headers,
                       json={"to": {"phoneNumber": "447700900123"}, "body": "Hello", "rules": ["sms"]})
        assert r.status_code == 201, r.text
        mid = r.json()["messageId"]
        wait_until(lambda: httpx.get(f"{base}/apispaces/{space}/messages/{mid}", headers=headers).json()["status"]
                   == "delivered", "the message to be delivered")
    # a restart keeps everything: the same key still reads the delivered message
    port = int(base.rsplit(":", 1)[1])
    with running_onecast("serve", url, port=port, log_dir=tmp_path) as again:
        got = httpx.get(f"{again.base}/apispaces/{space}/messages/{mid}", headers=headers, timeout=10)
        assert got.status_code == 200 and got.json()["status"] == "delivered"
