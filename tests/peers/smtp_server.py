"""A real SMTP server (aiosmtpd, on its own thread) that records what it receives and can be
told to refuse recipients with a given reply, N times or always. Optional STARTTLS or implicit
TLS with a certificate made for the test, and AUTH with a user table."""
from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.peers.tls import SelfSigned


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    tls: bool
    login: str | None
    peer: tuple
    ehlo: str | None = None  # the name the client gave in EHLO/HELO


@dataclass
class Refusal:
    reply: str
    times: int | None  # None: always


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    refusals: dict[str, Refusal] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, address: str, reply: str, times: int | None = None) -> None:
        self.refusals[address.lower()] = Refusal(reply, times)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        with self.lock:
            refusal = self.refusals.get(address.lower())
            if refusal is not None and (refusal.times is None or refusal.times > 0):
                if refusal.times is not None:
                    refusal.times -= 1
                return refusal.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        tls = session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None
        login = session.auth_data if session.authenticated else None
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw,
                                          BytesParser(policy=policy.default).parsebytes(raw), tls, login,
                                          tuple(session.peer), session.host_name))
        return "250 2.0.0 Ok: queued as TEST"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpPeer:
    def __init__(self, *, cert: SelfSigned | None = None, mode: str = "plain",
                 users: dict[str, str] | None = None, port: int | None = None) -> None:
        """mode: plain | starttls (required before MAIL) | tls (implicit TLS on connect)."""
        self.handler = RecordingHandler()
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.users = users
        context = None
        if cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert.cert_file, cert.key_file)
        kwargs: dict = {}
        if mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif mode == "tls":
            kwargs.update(ssl_context=context)
        if users is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=mode != "plain")
        self._kwargs = kwargs
        self.controller: Controller | None = None

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: LoginPassword) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self.users is not None and \
            self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode() if ok else None)

    def start(self) -> SmtpPeer:
        self.controller = Controller(self.handler, hostname=self.host, port=self.port,
                                     server_hostname="peer.test", **self._kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def restart(self) -> None:
        """Stop (dropping every connection) and listen again on the same port."""
        self.stop()
        self.start()

    @property
    def received(self) -> list[Received]:
        return self.handler.received
