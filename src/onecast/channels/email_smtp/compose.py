"""From a rendered One API message to a MIME e-mail: subject from `title`, text from `body`,
HTML from `channelOptions.email.htmlBody` (multipart/alternative with the text), attachments
from the other `messageParts`, and a Message-ID derived from the message id."""
from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from onecast.channels.base import OutboundMessage
from onecast.channels.email_smtp.attachments import Attachment
from onecast.channels.email_smtp.config import ConfigError, SmtpConfig, has_line_break, parse_address


class ComposeError(Exception):
    """The message itself cannot become an e-mail (sending it again cannot help)."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def message_id_for(message_id: str, domain: str) -> str:
    """Stable across retries, so a receiver can drop a duplicate; replies quote it in In-Reply-To."""
    return f"<{message_id}@{domain}>"


def _is_body_part(part: dict[str, Any], kind: str) -> bool:
    return part.get("type", "").split(";")[0].strip().lower() == kind and isinstance(part.get("data"), str) \
        and not part.get("url")


def split_content(message: OutboundMessage) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(text, html, attachment parts). Without `body`, the first text/plain part is the text and
    the first text/html part the HTML; every other part is attached."""
    text, html = message.body, message.options.get("htmlBody")
    attachments = []
    for part in message.parts:
        if text is None and _is_body_part(part, "text/plain"):
            text = part["data"]
        elif html is None and _is_body_part(part, "text/html"):
            html = part["data"]
        else:
            attachments.append(part)
    return text, html, attachments


def _one_line(value: str | None, field: str) -> str | None:
    if value is not None and has_line_break(value):
        raise ComposeError("HeaderInjection", f"{field} contains a line break, which would add e-mail headers")
    return value


def _transfer_encoding(text: str) -> str | None:
    """7-bit safe on the wire: a server without 8BITMIME must not get raw UTF-8."""
    return None if text.isascii() else "quoted-printable"


def compose(message: OutboundMessage, config: SmtpConfig, text: str | None, html: str | None,
            attachments: list[Attachment]) -> EmailMessage:
    try:
        recipient = parse_address(message.address, "to")
    except ConfigError as exc:
        code = "HeaderInjection" if has_line_break(message.address) else "AddressInvalid"
        raise ComposeError(code, f"the recipient {message.address!r} is not one plain e-mail address") from exc
    subject = _one_line(message.title, "title")
    from_name = _one_line(message.options.get("fromName"), "channelOptions.email.fromName") or config.from_name

    email = EmailMessage(policy=policy.SMTP)
    email["From"] = Address(display_name=from_name or "", addr_spec=config.from_address)
    email["To"] = recipient
    if subject:
        email["Subject"] = subject
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message_id_for(message.message_id, config.message_id_domain)
    if config.reply_to:
        email["Reply-To"] = config.reply_to
    if html is not None and text is not None:
        email.set_content(text, cte=_transfer_encoding(text))
        email.add_alternative(html, subtype="html", cte=_transfer_encoding(html))
    elif html is not None:
        email.set_content(html, subtype="html", cte=_transfer_encoding(html))
    else:
        email.set_content(text or "", cte=_transfer_encoding(text or ""))
    for attachment in attachments:
        email.add_attachment(attachment.content, maintype=attachment.maintype, subtype=attachment.subtype,
                             filename=attachment.filename)
    return email
