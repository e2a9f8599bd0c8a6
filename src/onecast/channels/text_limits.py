"""How long a text message a vendor takes (counted in UTF-16 code units, as the vendors' limits
are), and splitting an over-long text where the vendor's convention is several messages.

WhatsApp `text.body` and Telegram `sendMessage.text` take 4096, Messenger `message.text` 2000.
Telegram and Messenger conversations read a long answer as consecutive messages, so a longer text
is split there; a WhatsApp text is one message (splitting would break templates' and replies'
correlation), so a longer one is refused at accept time."""

from __future__ import annotations

TEXT_LIMITS = {"whatsApp": 4096, "telegram": 4096, "fbMessenger": 2000}
SPLIT = frozenset({"telegram", "fbMessenger"})


def units(text: str) -> int:
    """UTF-16 code units: a character beyond the BMP (most emoji) counts twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` units, cut after the last line break or space of each piece when
    there is one in its second half, else at the limit."""
    pieces = []
    while units(text) > limit:
        end = _fitting(text, limit)
        cut = max(text.rfind("\n", 0, end), text.rfind(" ", 0, end))
        cut = cut + 1 if cut >= end // 2 else end
        pieces.append(text[:cut].rstrip() or text[:cut])
        text = text[cut:].lstrip() if text[:cut].strip() else text[cut:]
    if text or not pieces:
        pieces.append(text)
    return pieces


def too_long(channel_type: str, text: str | None) -> int | None:
    """The limit `text` is over on a channel that does not split, else None."""
    limit = TEXT_LIMITS.get(channel_type)
    if limit is None or channel_type in SPLIT or not text or units(text) <= limit:
        return None
    return limit
