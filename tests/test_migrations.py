"""The migration graph: one head, one line of revisions after the old merge, and databases left
at the old per-domain heads move onto it."""
from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command, util
from alembic.script import ScriptDirectory

from onecast.kit.migrate import MIGRATIONS, alembic_config, upgrade
from onecast.observability.health import expected_heads

OLD_HEADS = ("0002_webhooks", "0003_smpp", "0004_email", "0005_messaging", "0006_push",
             "0007_templates", "0008_verify_rules", "0009_conversations", "0010_billing",
             "0011_profile_imports", "0012_retention", "0013_encrypt_channel_config",
             "0014_compat", "0015_console", "0016_space_push")


MERGE = "0017_merge"  # where the fifteen per-domain branches met; from here on the history is one line


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def branching_after_merge(script: ScriptDirectory) -> list[str]:
    """What breaks the one line: a revision after the merge with other than one parent or with
    several children, or a revision that is neither from before the merge nor after it."""
    problems = []
    before = {"0001", *OLD_HEADS}
    after = {rev.revision for rev in script.walk_revisions(base=MERGE, head="heads")}
    for revision in script.walk_revisions():
        name, parents = revision.revision, util.to_tuple(revision.down_revision, default=())
        if name not in before | after:
            problems.append(f"{name} branches off {parents}, before {MERGE}")
        elif name in after - {MERGE} and len(parents) != 1:
            problems.append(f"{name} has parents {parents}")
        if name in after and len(revision.nextrev) > 1:
            problems.append(f"{name} has several children {sorted(revision.nextrev)}")
    return problems


def test_single_head() -> None:
    """A new revision must revise the current head; a second head means someone branched
    off an older revision again (fix: set its down_revision to the head, or add a merge)."""
    heads = _script().get_heads()
    assert len(heads) == 1, f"several Alembic heads {sorted(heads)}: make the new revision revise the head"
    assert expected_heads() == frozenset(heads)


def test_history_is_one_line_after_the_merge() -> None:
    """Every revision after the merge revises the one before it: no new branch, no new merge."""
    assert branching_after_merge(_script()) == []


@pytest.mark.parametrize(("parents", "problem"), [
    ('"0018_idempotency_principal"', "0018_idempotency_principal has several children"),
    ('"0001"', "9999_new branches off ('0001',), before 0017_merge"),
    ('("0020_console_sessions", "0019_appuser_access")', "9999_new has parents"),
])
def test_a_branching_revision_is_caught(tmp_path: Path, parents: str, problem: str) -> None:
    """The check above fails for a revision that branches off an older one, or merges two."""
    shutil.copytree(MIGRATIONS, tmp_path / "migrations")
    (tmp_path / "migrations" / "versions" / "9999_new.py").write_text(
        f'revision = "9999_new"\ndown_revision = {parents}\n\n\ndef upgrade():\n    pass\n\n\n'
        "def downgrade():\n    pass\n")
    problems = branching_after_merge(ScriptDirectory(str(tmp_path / "migrations")))
    assert any(p.startswith(problem) for p in problems), problems


def test_alembic_heads_command_shows_one() -> None:
    cfg = alembic_config("sqlite://")
    cfg.stdout = io.StringIO()
    command.heads(cfg)
    lines = [line for line in cfg.stdout.getvalue().splitlines() if line.strip()]
    assert len(lines) == 1 and "(head)" in lines[0], lines


def test_merge_revises_every_old_head() -> None:
    merge = _script().get_revision(MERGE)
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
    upgrade(url)
    assert _versions(url) == set(expected_heads())  # through the merge to the one head
    upgrade(url)  # idempotent
    assert _versions(url) == set(expected_heads())


def test_downgrade_from_merge_returns_to_old_heads() -> None:
    url = f"sqlite:///{os.path.join(tempfile.mkdtemp(prefix='onecast-mig-'), 'down.db')}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0016_space_push")
    assert _versions(url) == set(OLD_HEADS)
