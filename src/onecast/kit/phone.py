"""Phone numbers: the One API writes them as international digits without '+'."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers


# Parsing costs tens of microseconds and the same numbers come again and again (every send to
# a recipient, its receipts, its billing); the answer depends on the text alone.
@lru_cache(maxsize=65536)
def to_e164(raw: str) -> str | None:
    """E.164 ('+447123123123') or None when the number cannot be a phone number."""
    text = raw.strip()
    if not text.startswith("+"):
        text = "+" + text.lstrip("0")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
