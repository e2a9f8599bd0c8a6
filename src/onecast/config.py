"""Settings from the environment (ONECAST_*), one object."""
from __future__ import annotations

import os
from dataclasses import dataclass


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url_for(raw: str) -> str:
    """Map the user-facing URL to the async driver SQLAlchemy needs."""
    if raw.startswith("sqlite:///") or raw == "sqlite://":
        return "sqlite+aiosqlite" + raw[len("sqlite"):]
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+asyncpg://" + raw[len(prefix):]
    return raw


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///./onecast.db"
    host: str = "127.0.0.1"
    port: int = 8080
    worker_concurrency: int = 16
    worker_batch: int = 64
    worker_poll_seconds: float = 0.05
    lease_seconds: float = 30.0
    max_attempts: int = 6
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    batch_max_items: int = 5000
    batch_max_bytes: int = 10 * 1024 * 1024
    body_max_bytes: int = 1024 * 1024
    log_json: bool = True

    @property
    def async_database_url(self) -> str:
        return database_url_for(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        g = lambda name, default: env.get(f"ONECAST_{name}", default)  # noqa: E731
        return cls(
            database_url=g("DATABASE_URL", cls.database_url),
            host=g("HOST", cls.host),
            port=int(g("PORT", cls.port)),
            worker_concurrency=int(g("WORKER_CONCURRENCY", cls.worker_concurrency)),
            worker_batch=int(g("WORKER_BATCH", cls.worker_batch)),
            worker_poll_seconds=float(g("WORKER_POLL_SECONDS", cls.worker_poll_seconds)),
            lease_seconds=float(g("LEASE_SECONDS", cls.lease_seconds)),
            max_attempts=int(g("MAX_ATTEMPTS", cls.max_attempts)),
            retry_base_seconds=float(g("RETRY_BASE_SECONDS", cls.retry_base_seconds)),
            retry_max_seconds=float(g("RETRY_MAX_SECONDS", cls.retry_max_seconds)),
            batch_max_items=int(g("BATCH_MAX_ITEMS", cls.batch_max_items)),
            batch_max_bytes=int(g("BATCH_MAX_BYTES", cls.batch_max_bytes)),
            body_max_bytes=int(g("BODY_MAX_BYTES", cls.body_max_bytes)),
            log_json=_bool(env.get("ONECAST_LOG_JSON"), True),
        )
