"""The `email_smtp` provider: sends over SMTP (aiosmtplib) through a small connection pool.
A 4xx reply is transient (retried with backoff), a 5xx reply permanent (next channel in `rules`)."""
from __future__ import annotations

import ssl
from typing import Any

import aiosmtplib

from onecast.channels.base import OutboundMessage, SendResult
from onecast.channels.email_smtp.attachments import AttachmentError, load_attachments
from onecast.channels.email_smtp.compose import ComposeError, compose, split_content
from onecast.channels.email_smtp.config import ConfigError, SmtpConfig, validate_config  # noqa: F401
from onecast.channels.email_smtp.pool import SmtpPool
from onecast.kit.ssrf import AddressGuard


def _tls_error(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _reply_result(code: int, text: str, stage: str) -> SendResult:
    details = {"smtpCode": code, "smtpMessage": text[:500], "stage": stage}
    if 400 <= code < 500:
        return SendResult.transient("SmtpTemporaryFailure", f"{code} {text}"[:500], **details)
    if code in (530, 534, 535, 538):
        return SendResult.failed("SmtpAuthFailed", f"{code} {text}"[:500], **details)
    return SendResult.failed("SmtpRejected", f"{code} {text}"[:500], **details)


def classify(exc: Exception) -> SendResult:
    """An aiosmtplib error as a send result."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        refusal = exc.recipients[0]
        return _reply_result(refusal.code, refusal.message, "RCPT")
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not isinstance(exc, aiosmtplib.SMTPConnectError):
        stage = {aiosmtplib.SMTPSenderRefused: "MAIL", aiosmtplib.SMTPDataError: "DATA",
                 aiosmtplib.SMTPAuthenticationError: "AUTH", aiosmtplib.SMTPHeloError: "EHLO"}.get(type(exc), "SMTP")
        return _reply_result(exc.code, exc.message, stage)
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return SendResult.failed("SmtpNotSupported", str(exc)[:500])
    tls = _tls_error(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        return SendResult.failed("SmtpTlsFailed", f"the server's certificate was refused: {tls.verify_message}")
    return SendResult.transient("SmtpUnavailable", repr(exc)[:500])


class EmailSmtpProvider:
    name = "email_smtp"

    def __init__(self, config: SmtpConfig, guard: AddressGuard | None = None) -> None:
        self.config = config
        self.pool = SmtpPool(config)  # the SMTP host is the operator's relay: not checked
        self.guard = guard or AddressGuard()

    async def send(self, message: OutboundMessage) -> SendResult:
        text, html, parts = split_content(message)
        try:
            attachments = await load_attachments(parts, self.config.max_attachment_bytes, self.guard)
            email = compose(message, self.config, text, html, attachments)
        except ComposeError as exc:
            return SendResult.failed(exc.code, str(exc))
        except AttachmentError as exc:
            result = SendResult.failed if exc.permanent else SendResult.transient
            return result(exc.code, str(exc))
        try:
            answer = await self.pool.send(email, self.config.from_address, [message.address])
        except (aiosmtplib.SMTPException, OSError) as exc:
            return classify(exc)
        return SendResult(ok=True, provider_message_id=email["Message-ID"],
                          details={"smtpResponse": answer[:500]})

    async def close(self) -> None:
        await self.pool.close()


class MisconfiguredProvider:
    """Stands in for a channel whose config cannot work: every send fails permanently, so the
    message falls back to the next channel at once."""

    name = "email_smtp"

    def __init__(self, error: ConfigError) -> None:
        self.error = error

    async def send(self, message: OutboundMessage) -> SendResult:
        return SendResult.failed("ChannelMisconfigured", f"config.{self.error.field}: {self.error}")

    async def close(self) -> None:
        return None


def create(config: dict[str, Any], db: Any, guard: AddressGuard | None = None) -> EmailSmtpProvider | MisconfiguredProvider:
    try:
        return EmailSmtpProvider(SmtpConfig.parse(config), guard)
    except ConfigError as exc:
        return MisconfiguredProvider(exc)
