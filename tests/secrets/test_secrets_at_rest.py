"""Channel credentials are encrypted in the database, readable through the API, and rotatable."""
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from onecast.cli import app as cli
from onecast.kit import secrets
from onecast.kit.secrets import decrypt_text, encrypt_text

runner = CliRunner()


@pytest.fixture(autouse=True)
def keep_keyring():
    """The keyring is process-wide: give the app's back after tests that change it."""
    saved = secrets._keyring, secrets._settings
    yield
    secrets._keyring, secrets._settings = saved
CHANNEL = {"id": "crm_sms", "type": "sms", "provider": "sandbox",
           "config": {"password": "hunter2-very-secret", "host": "smsc.example"}}


async def stored_config(app, space_id: str) -> str:
    async with app.state.db.read() as session:
        return (await session.execute(text("SELECT config FROM channels WHERE space_id = :s"),
                                      {"s": space_id})).scalar_one()


async def test_channel_config_is_encrypted_in_the_database(app, space):
    assert (await space.post("/channels", json=CHANNEL)).status_code == 201
    raw = await stored_config(app, space.space_id)
    assert raw.startswith("enc:v1:") and "hunter2" not in raw and "smsc.example" not in raw
    assert (await space.get("/channels/crm_sms")).json()["config"] == CHANNEL["config"]
    # Sending through it still works: the worker reads the decrypted config.
    r = await space.post("/messages", json={"to": {"phoneNumber": "+447700900123"}, "body": "x", "rules": ["crm_sms"]})
    assert r.status_code == 201


def test_rotation_keeps_values_readable_with_the_new_key_only():
    old, new = secrets.generate_key(), secrets.generate_key()
    secrets.configure([old])
    stored = encrypt_text("s3cret")
    secrets.configure([new, old])
    rotated = secrets.rotate_text(stored)
    secrets.configure([new])
    assert decrypt_text(rotated) == "s3cret"
    assert secrets.rotate_text("legacy plaintext").startswith("enc:v1:")
    with pytest.raises(secrets.SecretKeyMissing):
        decrypt_text(stored)  # the old token needs the old key


def test_cli_rotate_with_a_key_file(tmp_path):
    from onecast.kit.migrate import upgrade

    url = f"sqlite:///{tmp_path}/rot.db"
    upgrade(url)
    env = {"ONECAST_DATABASE_URL": url, "ONECAST_SECRET_KEYS": "", "ONECAST_SECRET_KEY_FILE": ""}
    r = runner.invoke(cli, ["spaces", "create", "rot", "--json"], env=env)
    space = json.loads(r.output.strip().splitlines()[-1])
    key_file = tmp_path / "onecast-secret.key"
    assert not key_file.exists()  # made when a secret is first stored, not before
    import asyncio

    from onecast.channels.models import Channel
    from onecast.config import Settings
    from onecast.kit.db import Database

    async def add_and_read(read_only: bool = False):
        secrets.configure_from(Settings(database_url=url))
        db = Database(url.replace("sqlite://", "sqlite+aiosqlite://"))
        try:
            if not read_only:
                async with db.transaction() as session:
                    session.add(Channel(id="c1", space_id=space["apiSpaceId"], channel_id="x", type="sms",
                                        provider="sandbox", config={"token": "abc"}))
            async with db.read() as session:
                raw = (await session.execute(text("SELECT config FROM channels WHERE id='c1'"))).scalar_one()
                value = (await session.get(Channel, "c1")).config
            return raw, value
        finally:
            await db.dispose()

    before_raw, _ = asyncio.run(add_and_read())
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    r = runner.invoke(cli, ["secrets", "rotate", "--new-key"], env=env)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["channels.config"] == 1
    assert len(secrets.read_key_file(key_file, create=False)) == 2
    after_raw, value = asyncio.run(add_and_read(read_only=True))
    assert after_raw != before_raw and value == {"token": "abc"}
    # Only the new (first) key is needed now.
    secrets.configure(secrets.read_key_file(key_file, create=False)[:1])
    assert json.loads(decrypt_text(after_raw)) == {"token": "abc"}
    assert runner.invoke(cli, ["secrets", "generate-key"]).output.strip().endswith("=")


async def test_webhook_secrets_are_encrypted_in_the_database(app, space):
    r = await space.post("/webhooks", json={"name": "crm", "url": "https://crm.example.com/hook",
                                            "secret": "whsec_c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw=="})
    assert r.status_code == 201, r.text
    async with app.state.db.read() as session:
        raw = (await session.execute(text("SELECT secret, previous_secrets FROM webhooks WHERE space_id = :s"),
                                     {"s": space.space_id})).one()
    assert all(value.startswith("enc:v1:") for value in raw) and "c2VjcmV0" not in raw[0]
    assert (await space.get(f"/webhooks/{r.json()['id']}")).json()["secret"].startswith("whsec_c2VjcmV0")
