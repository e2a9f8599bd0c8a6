"""Message-IDs as they appear in headers: `<id@domain>`, possibly several in a row."""
from __future__ import annotations

import re

# Ids with NULs or lone surrogates (kit.text's rule) are never ours, and could not be looked up.
MSGID = re.compile(r"<([^<>\s\x00\ud800-\udfff]+)>")


def message_ids(header_value: str) -> list[str]:
    return MSGID.findall(header_value)
