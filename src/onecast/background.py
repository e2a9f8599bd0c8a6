"""Long-running services and periodic chores that run inside a worker process (not in a
space-limited one-shot worker). One entry per line.

SERVICES: "module:function" with `async def run(db, settings, stop: asyncio.Event) -> None`;
it returns when `stop` is set.
CHORES: "module:function" with `async def chore(db, settings) -> None`; run every few minutes.
"""
SERVICES: list[str] = [
    "onecast.kit.wake:listen",
    "onecast.profiles.imports.tasks:run",
    "onecast.inbound_email.listener:run",
    "onecast.channels.sms_smpp.service:run",
    "onecast.webhooks.dispatcher:run",
    "onecast.verify.tasks:run",
]

CHORES: list[str] = [
    "onecast.kit.idempotency:purge_expired_chore",
    "onecast.content.tasks:purge_expired_chore",
    "onecast.retention.service:chore",
    "onecast.webhooks.retention:purge_delivered_chore",
    "onecast.realtime.service:purge_chore",
    "onecast.console.tasks:purge_chore",
]
