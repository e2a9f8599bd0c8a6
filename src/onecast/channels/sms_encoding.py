"""GSM 03.38 / 3GPP 23.040 character counting for SMS segments."""
from __future__ import annotations

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table characters take two septets (escape + char).
GSM7_EXTENDED = set("^{}\\[~]|€\f")

MAX_SMS_CHARS = 2000


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def gsm7_length(text: str) -> int:
    return sum(2 if c in GSM7_EXTENDED else 1 for c in text)


def ucs2_length(text: str) -> int:
    # Characters outside the BMP need a surrogate pair: two UCS-2 code units.
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def segment_count(text: str) -> tuple[str, int]:
    """(encoding, number of segments) for a message body."""
    if is_gsm7(text):
        length, single, part = gsm7_length(text), 160, 153
        encoding = "gsm7"
    else:
        length, single, part = ucs2_length(text), 70, 67
        encoding = "ucs2"
    if length <= single:
        return encoding, 1
    return encoding, -(-length // part)
