"""Settings from the environment (ONECAST_*), one object."""
from __future__ import annotations

import dataclasses
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
    # Domains add their settings below, one line each, grouped under a comment naming the domain.
    # verify
    verify_code_length: int = 6
    verify_max_attempts: int = 5
    verify_default_minutes: int = 10
    verify_resend_seconds: int = 30
    verify_max_per_hour: int = 5
    verify_hash_iterations: int = 20_000
    verify_scrub_seconds: float = 1.0

    @property
    def async_database_url(self) -> str:
        return database_url_for(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Every field reads ONECAST_<FIELD NAME IN CAPITALS>, cast to the field's type."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"ONECAST_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            kind = f.type if isinstance(f.type, str) else f.type.__name__
            values[f.name] = _CASTS.get(kind, str)(raw)
        return cls(**values)


_CASTS = {"int": int, "float": float, "bool": lambda raw: _bool(raw, False), "str": str}
