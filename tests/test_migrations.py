"""The migration graph: one head, and databases left at the old per-domain heads move onto it."""
from __future__ import annotations

import io
import os
import tempfile

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from onecast.kit.migrate import alembic_config, upgrade
from onecast.observability.health import expected_heads

OLD_HEADS = ("0002_webhooks", "0003_smpp", "0004_email", "0005_messaging", "0006_push",
             "0007_templates", "0008_verify_rules", "0009_conversations", "0010_billing",
             "0011_profile_imports", "0012_retention", "0013_encrypt_channel_config",
             "0014_compat", "0015_console", "0016_space_push")


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def test_single_head() -> None:
    """A new revision must revise the current head; a second head means someone branched
    off an older revision again (fix: set its down_revision to the head, or add a merge)."""
    heads = _script().get_heads()
    assert len(heads) == 1, f"several Alembic heads {sorted(heads)}: make the new revision revise the head"
    assert expected_heads() == frozenset(heads)


def test_alembic_heads_command_shows_one() -> None:
    cfg = alembic_config("sqlite://")
    cfg.stdout = io.StringIO()
    command.heads(cfg)
    lines = [line for line in cfg.stdout.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1 and "(head)" in lines[0], lines


def test_merge_revises_every_old_head() -> None:
    merge = _script().get_revision("0017_merge")
    assert set(merge.down_revision) == set(OLD_HEADS)


def _versions(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}
    finally:
        engine.dispose()


def test_database_at_old_heads_upgrades_to_the_merge() -> None:
    """A database migrated before the merge (upgrade "heads" recorded fifteen rows) ends with one."""
    url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='onecast-mig-'), 'old.db')}"
    for head in OLD_HEADS:  # one branch after another, as the old "heads" target left them
        command.upgrade(alembic_config(url), head)
    assert _versions(url) == set(OLD_HEADS)
    head = {_script().get_current_head()}  # the merge, or a later revision on top of it
    upgrade(url)
    assert _versions(url) == head
    upgrade(url)  # idempotent
    assert _versions(url) == head


def test_downgrade_from_merge_returns_to_old_heads() -> None:
    url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='onecast-mig-'), 'down.db')}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0016_space_push")
    assert _versions(url) == set(OLD_HEADS)
