"""The inbound SMTP listener (aiosmtpd), a background service of the worker process. Off unless
ONECAST_INBOUND_SMTP_ENABLED is set. Recipients are checked at RCPT TO (see routing), and a
mail is answered 250 only after what it became is committed."""
from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import structlog
from aiosmtpd.smtp import SMTP, Envelope, Session

from onecast.config import Settings
from onecast.inbound_email.mail import parse_mail
from onecast.inbound_email.receive import Refused, accept
from onecast.inbound_email.routing import Refusal, route_for

log = structlog.get_logger("onecast.inbound_email")
MAX_RECIPIENTS = 100  # per mail, as RFC 5321 asks servers to accept at least


class InboundHandler:
    def __init__(self, db: Any) -> None:
        self.db = db

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            async with self.db.read() as db_session:
                route = await route_for(db_session, envelope.mail_from or "", address)
        except Exception as exc:
            log.error("inbound_smtp_route_failed", error=repr(exc))
            return "451 4.3.0 Temporary failure, try again later"
        if route is None:
            return "550 5.1.1 No such mailbox here"
        if isinstance(route, Refusal):
            return route.reply
        envelope.rcpt_tos.append(address)
        routes = getattr(envelope, "onecast_routes", [])
        routes.append(route)
        envelope.onecast_routes = routes  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode("utf-8", errors="replace")
        try:
            mail = parse_mail(raw)
            await accept(self.db, getattr(envelope, "onecast_routes", []), mail, envelope.mail_from or "")
        except Refused as refused:
            log.info("inbound_smtp_refused", sender=envelope.mail_from, reply=refused.reply)
            return refused.reply
        except Exception as exc:  # the database is away: the sending server tries again later
            log.error("inbound_smtp_failed", sender=envelope.mail_from, error=repr(exc))
            return "451 4.3.0 Temporary failure, try again later"
        log.info("inbound_smtp_accepted", sender=envelope.mail_from, recipients=len(envelope.rcpt_tos))
        return "250 2.0.0 OK"


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.inbound_smtp_tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.inbound_smtp_tls_cert, settings.inbound_smtp_tls_key or None)
    return context


async def start_listener(db: Any, settings: Settings) -> asyncio.Server:
    """Bind and serve on this event loop; returns once the port is open."""
    handler = InboundHandler(db)
    hostname = settings.inbound_smtp_hostname or socket.gethostname()
    tls = _tls_context(settings)

    def protocol() -> SMTP:
        return SMTP(handler, hostname=hostname, ident="Onecast", tls_context=tls,
                    data_size_limit=settings.inbound_smtp_max_bytes, enable_SMTPUTF8=True)

    server = await asyncio.get_running_loop().create_server(
        protocol, host=settings.inbound_smtp_host, port=settings.inbound_smtp_port)
    log.info("inbound_smtp_listening", host=settings.inbound_smtp_host, port=settings.inbound_smtp_port)
    return server


async def run(db: Any, settings: Settings, stop: asyncio.Event) -> None:
    """The SERVICES entry: listen until the worker stops."""
    if not settings.inbound_smtp_enabled:
        return
    try:
        server = await start_listener(db, settings)
    except OSError as exc:  # e.g. the port is taken (another worker listens): say so now, not at shutdown
        log.error("inbound_smtp_bind_failed", host=settings.inbound_smtp_host, port=settings.inbound_smtp_port,
                  error=repr(exc))
        return
    try:
        await stop.wait()
    finally:
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), 5)
        except TimeoutError:
            pass
