"""GSM 03.38 / 3GPP 23.040: character counting, encoding and splitting of SMS text, and the
rules for senders. Shared by planning (counting, validation) and the SMPP provider (bytes)."""
from __future__ import annotations

import re
import unicodedata

# The GSM 7-bit default alphabet in code order: index = septet value.
GSM7_TABLE = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
# 0x1B is the escape to the extension table, not a character: a text holding ESC is not GSM-7.
GSM7_BASIC = set(GSM7_TABLE) - {"\x1b"}
# Extension table characters take two septets (escape + char).
GSM7_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
                  "]": 0x3E, "|": 0x40, "€": 0x65}
GSM7_EXTENDED = set(GSM7_EXTENSION)
_GSM7_CODE = {c: i for i, c in enumerate(GSM7_TABLE)}
_GSM7_EXT_CHAR = {v: k for k, v in GSM7_EXTENSION.items()}
ESCAPE = 0x1B

MAX_SMS_CHARS = 2000
SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}

# Common characters outside GSM-7 and their closest GSM spelling (unicodeConversion).
GSM_LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2026": "...",
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200b": "", "\u2022": "*",
    "\u00b7": ".", "\u2122": "TM", "\u00a9": "(c)", "\u00ae": "(R)", "\t": " ",
}


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text)


def gsm7_length(text: str) -> int:
    return sum(2 if c in GSM7_EXTENDED else 1 for c in text)


def ucs2_length(text: str) -> int:
    # Characters outside the BMP need a surrogate pair: two UCS-2 code units.
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def encoding_of(text: str) -> str:
    return "gsm7" if is_gsm7(text) else "ucs2"


def segment_count(text: str) -> tuple[str, int]:
    """(encoding, number of segments) for a message body: the number of parts `split_units`
    makes, which may be more than length / part size because a part never ends inside an
    escape sequence or a surrogate pair."""
    encoding = encoding_of(text)
    units = [2 if c in GSM7_EXTENDED else 1 for c in text] if encoding == "gsm7" else \
        [2 if ord(c) > 0xFFFF else 1 for c in text]
    if sum(units) <= SINGLE[encoding]:
        return encoding, 1
    parts, used = 1, 0
    for size in units:
        if used + size > PART[encoding]:
            parts, used = parts + 1, 0
        used += size
    return encoding, parts


def to_gsm(text: str, replacements: list[dict[str, str]] | None = None, *, lookalikes: bool = True) -> str:
    """Custom replacements first, then (with `lookalikes`) the usual typographic characters and
    accented letters reduced to their GSM-7 spelling. Characters with no GSM spelling stay."""
    for pair in replacements or []:
        if pair.get("from"):
            text = text.replace(pair["from"], pair.get("to", ""))
    if not lookalikes:
        return text
    out = []
    for char in text:
        if char in GSM7_BASIC or char in GSM7_EXTENDED:
            out.append(char)
        elif char in GSM_LOOKALIKES:
            out.append(GSM_LOOKALIKES[char])
        else:
            base = unicodedata.normalize("NFKD", char)
            stripped = "".join(c for c in base if not unicodedata.combining(c))
            out.append(stripped if stripped and is_gsm7(stripped) else char)
    return "".join(out)


def encode_gsm7(text: str) -> bytes:
    """Unpacked GSM 7-bit (one septet per octet), as SMPP's data_coding 0 carries it."""
    out = bytearray()
    for char in text:
        if char in _GSM7_CODE:
            out.append(_GSM7_CODE[char])
        else:
            out += bytes((ESCAPE, GSM7_EXTENSION[char]))
    return bytes(out)


def decode_gsm7(data: bytes) -> str:
    out, escaped = [], False
    for octet in data:
        if escaped:
            out.append(_GSM7_EXT_CHAR.get(octet, " "))
            escaped = False
        elif octet == ESCAPE:
            escaped = True
        else:
            out.append(GSM7_TABLE[octet & 0x7F])
    return "".join(out)


def encode_text(text: str, encoding: str) -> bytes:
    return encode_gsm7(text) if encoding == "gsm7" else text.encode("utf-16-be")


def split_units(text: str, encoding: str) -> list[bytes]:
    """The encoded parts of a message: one when it fits a single SMS, else parts of at most
    153 septets / 67 UCS-2 units that never cut an escape sequence or a surrogate pair."""
    units = [encode_text(c, encoding) for c in text]
    unit_size = 1 if encoding == "gsm7" else 2
    total = sum(len(u) for u in units) // unit_size
    if total <= SINGLE[encoding]:
        return [b"".join(units)]
    limit = PART[encoding] * unit_size
    parts, current = [], bytearray()
    for unit in units:
        if len(current) + len(unit) > limit:
            parts.append(bytes(current))
            current = bytearray()
        current += unit
    if current:
        parts.append(bytes(current))
    return parts


_ALPHANUMERIC_SENDER = re.compile(r"^[A-Za-z0-9 .&\-_]{2,11}$")
_NUMERIC_SENDER = re.compile(r"^\+?[0-9]{2,15}$")


def sender_error(sender: str) -> str | None:
    """Why `sender` cannot be an SMS originator, or None: numeric senders have 2-15 digits,
    alphanumeric ones 2-11 characters (letters, digits, space . & - _)."""
    if _NUMERIC_SENDER.match(sender):
        return None
    if sender.lstrip("+").isdigit():
        return "a numeric sender has 2 to 15 digits"
    if not _ALPHANUMERIC_SENDER.match(sender) or not any(c.isalpha() for c in sender):
        return "an alphanumeric sender has 2 to 11 letters, digits, spaces or . & - _, with a letter"
    return None
