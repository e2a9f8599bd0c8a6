"""A received e-mail, read with the standard library: sender, subject, text, HTML, attachments
and the message ids it answers (In-Reply-To / References). Its text keeps kit.text's rule: NULs
are dropped and undecodable bytes (lone surrogates) become U+FFFD, as a sender cannot be asked
to fix them."""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from onecast.inbound_email.bounces import Bounce, bounce_of
from onecast.inbound_email.mail_ids import message_ids
from onecast.kit.text import clean


@dataclass(frozen=True)
class ReceivedPart:
    content_type: str
    filename: str | None
    content: bytes

    def as_message_part(self) -> dict[str, object]:
        part: dict[str, object] = {"type": self.content_type, "size": len(self.content),
                                   "data": base64.b64encode(self.content).decode("ascii")}
        if self.filename:
            part["name"] = " ".join(self.filename.split())[:255]
        return part


@dataclass(frozen=True)
class ReceivedMail:
    from_address: str | None
    subject: str | None
    message_id: str | None
    text: str | None
    html: str | None
    references: tuple[str, ...] = ()  # ids (without <>) from In-Reply-To then References
    attachments: tuple[ReceivedPart, ...] = field(default_factory=tuple)
    bounce: Bounce | None = None  # set when the mail is a delivery status notification

    @property
    def readable_text(self) -> str:
        """The text part, else the HTML part as text."""
        if self.text is not None:
            return self.text
        return html_to_text(self.html) if self.html else ""


class _TextOfHtml(HTMLParser):
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BREAKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1
        elif tag in self.BREAKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.chunks).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a malformed header is ignored, not fatal
        return None
    return str(value).strip() if value is not None else None


def _from_address(message: EmailMessage) -> str | None:
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", None)
        if addresses:
            first: Address = addresses[0]
            return first.addr_spec or None
    except (ValueError, IndexError, TypeError):
        pass
    raw = message.get_all("From", failobj=[])
    found = [address for _name, address in getaddresses([str(v) for v in raw]) if "@" in address]
    return found[0] if found else None


def _content(part: EmailMessage) -> str | bytes:
    try:
        return part.get_content()
    except (LookupError, ValueError):  # unknown charset: keep what can be read
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace") if part.get_content_maintype() == "text" else payload


def _lines(content: str | bytes | None) -> str | None:
    """Text with plain newlines (the wire has CRLF)."""
    return content.replace("\r\n", "\n") if isinstance(content, str) else None


def _bounce(message: EmailMessage) -> Bounce | None:
    try:
        return bounce_of(message)
    except (LookupError, ValueError, TypeError, AttributeError, IndexError):  # a garbled report is plain mail
        return None


def parse_mail(raw: bytes) -> ReceivedMail:
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)  # type: ignore[assignment]
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    text = _content(text_part) if text_part is not None else None
    html = _content(html_part) if html_part is not None else None
    attachments = []
    for part in message.iter_attachments():
        if part is text_part or part is html_part:
            continue
        content = part.get_payload(decode=True) or b""
        attachments.append(ReceivedPart(part.get_content_type(), clean(part.get_filename()), content))
    ids = message_ids(" ".join(filter(None, (_header(message, "In-Reply-To"), _header(message, "References")))))
    return ReceivedMail(
        from_address=clean(_from_address(message)), subject=clean(_header(message, "Subject")),
        message_id=clean(_header(message, "Message-ID")),
        text=clean(_lines(text)), html=clean(_lines(html)),
        references=tuple(dict.fromkeys(ids)), attachments=tuple(attachments), bounce=_bounce(message))
