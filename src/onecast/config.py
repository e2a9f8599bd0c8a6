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
    worker_poll_seconds: float = 0.05  # the shortest wait for a job that is due but not claimable yet
    # Commits wake the worker and the webhook dispatcher (kit.wake); this is their safety-net poll,
    # and how soon a job committed by another process is seen on SQLite (no LISTEN/NOTIFY there)
    worker_idle_poll_seconds: float = 2.0
    lease_seconds: float = 30.0
    max_attempts: int = 10  # retries span >= 8.5 min with the 2 s base: a provider outage of minutes fails nothing
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    batch_max_items: int = 5000
    batch_max_bytes: int = 10 * 1024 * 1024
    body_max_bytes: int = 1024 * 1024
    log_json: bool = True
    # Domains add their settings below, one line each, grouped under a comment naming the domain.
    # templates, content, links
    template_max_bytes: int = 64 * 1024
    template_output_bytes: int = 100_000
    template_loop_limit: int = 10_000
    template_render_seconds: float = 0.25
    template_batch_render_seconds: float = 10.0
    links_base_url: str = ""
    content_storage: str = "local"
    content_dir: str = "./onecast-content"
    content_base_url: str = ""
    content_max_bytes: int = 16 * 1024 * 1024
    content_retention_days: int = 30
    content_upload_seconds: int = 900
    content_s3_bucket: str = ""
    content_s3_endpoint_url: str = ""
    content_s3_region: str = ""
    # limits and observability
    key_rate_per_second: float = 0.0
    key_rate_burst: float = 0.0
    channel_rate_per_second: float = 0.0
    metrics_port: int = 0
    import_max_bytes: int = 100 * 1024 * 1024
    # secrets at rest
    secret_keys: str = ""
    secret_key_file: str = ""
    # inbound_email: the SMTP listener of the worker process (off by default)
    inbound_smtp_enabled: bool = False
    inbound_smtp_host: str = "127.0.0.1"
    inbound_smtp_port: int = 2525
    inbound_smtp_hostname: str = ""
    inbound_smtp_max_bytes: int = 10 * 1024 * 1024
    inbound_smtp_tls_cert: str = ""
    inbound_smtp_tls_key: str = ""
    # console
    console_secret: str = ""  # signs console sessions; empty: derived from the secret key
    console_session_hours: int = 12
    # sms_smpp: how often the bind keeper looks for added, changed or removed SMPP channels
    smpp_refresh_seconds: float = 5.0
    # proof (reliability): a pending Idempotency-Key older than this belongs to a request that died
    idempotency_takeover_seconds: float = 60.0
    # webhooks
    webhook_timeout_seconds: float = 10.0
    webhook_retry_schedule: str = "5,300,1800,7200,18000,36000,36000"
    webhook_retry_jitter: float = 0.2
    webhook_disable_after_seconds: float = 5 * 86400.0
    webhook_allowed_networks: str = ""
    webhook_concurrency: int = 32
    webhook_endpoint_concurrency: int = 4
    webhook_poll_seconds: float = 0.1
    webhook_secret_grace_seconds: float = 86400.0
    webhook_replay_max: int = 10000
    webhook_keep_delivered_seconds: float = 30 * 86400.0
    # verify
    verify_code_length: int = 6
    verify_max_attempts: int = 5
    verify_default_minutes: int = 10
    verify_resend_seconds: int = 30
    verify_max_per_hour: int = 5
    verify_hash_iterations: int = 20_000
    verify_scrub_seconds: float = 1.0
    # spacepush: where the API space push credentials send (empty: Google's and Apple's hosts), and a
    # CA bundle to trust instead of the system's (a push proxy)
    push_fcm_base_url: str = ""
    push_apns_base_url: str = ""
    push_ca_file: str = ""
    # outbound (kit.ssrf): networks that customer-given URLs may reach although not public (CIDRs)
    outbound_allowed_networks: str = ""
    # realtime: how often an open socket checks its session again, closing it when the session
    # expired or ended unnoticed (an end normally closes it at once, in every server process)
    socket_recheck_seconds: float = 5.0

    @property
    def async_database_url(self) -> str:
        return database_url_for(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return self.async_database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
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
