"""The sandbox provider's settings cache: concurrent sends share one read."""
import asyncio

from sqlalchemy import event

from onecast.channels.base import OutboundMessage
from onecast.channels.sandbox.provider import SandboxProvider


async def test_concurrent_sends_share_one_settings_read(app, space):
    db = app.state.db
    provider = SandboxProvider(db)
    reads = []
    engine = db.read_engine.sync_engine
    listener = lambda _conn: reads.append(1)  # noqa: E731
    event.listen(engine, "begin", listener)
    try:
        results = await asyncio.gather(*(provider.send(OutboundMessage(
            message_id=f"m-{i}", space_id=space.space_id, channel="sms", type="sms", address=f"44770090{i:04d}",
            body="hi", title=None, custom_body=None, options={}, parts=[], metadata={}, attempt=1,
            expires_on=None)) for i in range(16)))
    finally:
        event.remove(engine, "begin", listener)
    assert all(r.ok and r.record is not None for r in results)
    assert len(reads) == 1
