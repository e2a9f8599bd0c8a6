"""Message-IDs as they appear in headers: `<id@domain>`, possibly several in a row."""
from __future__ import annotations

import re

MSGID = re.compile(r"<([^<>\s]+)>")


def message_ids(header_value: str) -> list[str]:
    return MSGID.findall(header_value)
