"""Phone numbers: the One API writes them as international digits without '+'."""
from __future__ import annotations

import phonenumbers


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
