"""Delivery status notifications (RFC 3464 `multipart/report; report-type=delivery-status`): a
bounce names the original Message-ID, so it can move our outbound message instead of being
stored as an inbound message."""
from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import HeaderParser

from onecast.inbound_email.mail_ids import message_ids
from onecast.kit.text import clean


@dataclass(frozen=True)
class Bounce:
    original_ids: tuple[str, ...]  # Message-IDs (without <>) of the mail being reported on
    action: str  # failed | delayed | delivered | relayed | expanded
    status: str | None  # e.g. 5.1.1
    diagnostic: str | None
    recipient: str | None


def _field(block: EmailMessage, name: str) -> str | None:
    value = block.get(name)
    return clean(" ".join(str(value).split())[:500]) if value is not None else None


def bounce_of(message: EmailMessage) -> Bounce | None:
    if message.get_content_type() != "multipart/report" or \
            str(message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    recipient_block: EmailMessage | None = None
    original: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            blocks = part.get_payload()
            recipient_block = next((b for b in blocks if b.get("Action")), None) if isinstance(blocks, list) else None
        elif kind == "text/rfc822-headers":
            headers = HeaderParser(policy=policy.default).parsestr(part.get_content())
            original += message_ids(str(headers.get("Message-ID") or ""))
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                original += message_ids(str(inner[0].get("Message-ID") or ""))
    if recipient_block is None:
        return None
    final = _field(recipient_block, "Final-Recipient")
    return Bounce(original_ids=tuple(dict.fromkeys(original)),
                  action=(_field(recipient_block, "Action") or "").lower(),
                  status=_field(recipient_block, "Status"), diagnostic=_field(recipient_block, "Diagnostic-Code"),
                  recipient=final.split(";", 1)[-1].strip() if final else None)
