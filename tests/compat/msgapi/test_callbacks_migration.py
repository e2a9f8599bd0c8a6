"""Migration 0022: a seed 003 callback configured before it becomes a `msgapi` webhook with the
same app id and verify token, and the events its cursor had not delivered become pending deliveries."""

import json
import os
import tempfile

import sqlalchemy as sa
from alembic import command

from onecast.kit.migrate import alembic_config, upgrade
from onecast.kit.secrets import decrypt_text


def test_callback_rows_become_webhooks_with_their_waiting_events() -> None:
    url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='onecast-mig-'), 'cb.db')}"
    command.upgrade(alembic_config(url), "0020_console_sessions")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO compat_msgapi_webhooks VALUES "
                    "('space-1', 'app-1', 'https://customer.example/api/v1/message/receive', "
                    "'tok-1', 1, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            for seq, name in ((1, "message.inbound"), (2, "message.sent"), (3, "profile.updated")):
                conn.execute(
                    sa.text(
                        "INSERT INTO events (seq, id, space_id, name, entity_id, revision, payload, timestamp) VALUES "
                        "(:seq, :id, 'space-1', :name, 'm-1', 1, '{}', '2026-01-01 00:00:00')"
                    ),
                    {"seq": seq, "id": f"e-{seq}", "name": name},
                )
        upgrade(url)
        with engine.connect() as conn:
            hook = conn.execute(sa.text("SELECT id, space_id, url, payload_format, format_options FROM webhooks")).one()
            pending = conn.execute(sa.text("SELECT event_id, status FROM webhook_deliveries")).all()
            tables = sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    assert hook[:4] == ("app-1", "space-1", "https://customer.example/api/v1/message/receive", "msgapi")
    assert "tok-1" not in hook[4]  # the verify token is encrypted at rest
    assert json.loads(decrypt_text(hook[4])) == {"appId": "app-1", "verifyToken": "tok-1"}
    assert pending == [("e-2", "pending")]  # after the cursor (seq 1), and only what the format reports
    assert "compat_msgapi_webhooks" not in tables
