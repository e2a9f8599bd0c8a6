"""Readiness: the database answers and its schema is the one this code expects."""
from __future__ import annotations

from functools import lru_cache

from alembic.script import ScriptDirectory
from sqlalchemy import text

from onecast.kit.migrate import alembic_config


@lru_cache(maxsize=1)
def expected_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def readiness(db) -> dict[str, object]:
    """{"ready": bool, "checks": {...}}; never raises for a database that is down."""
    checks: dict[str, object] = {}
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means not ready, with the reason for the operator
        return {"ready": False, "checks": {"database": f"unavailable: {type(exc).__name__}",
                                           "migrations": "unknown"}}
    checks["database"] = "ok"
    try:
        async with db.read() as session:
            applied = {row[0] for row in await session.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception:  # no alembic_version table: never migrated
        applied = set()
    missing = sorted(expected_heads() - applied)
    checks["migrations"] = "ok" if not missing else f"not applied: {', '.join(missing)} (run `onecast migrate`)"
    return {"ready": all(v == "ok" for v in checks.values()), "checks": checks}
