"""The request examples of README.md and docs/*.md, as the documentation shows them: fenced
`sh`/`bash` blocks that call curl, and `http` blocks (`METHOD /path` then one or more JSON bodies)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```", re.S | re.M)
REQUEST_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)$")
STATUS_COMMENT = re.compile(r"^#\s*(\d{3})\b")


@dataclass(frozen=True)
class Block:
    file: str  # relative to the checkout
    line: int  # of the opening fence
    lang: str
    text: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.text.splitlines() if line.strip()), "")

    @property
    def is_curl(self) -> bool:
        return self.lang in ("sh", "bash", "shell") and re.search(r"\bcurl\b", self.text) is not None

    @property
    def is_http(self) -> bool:
        return REQUEST_LINE.match(self.first_line) is not None


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks() -> list[Block]:
    found = []
    for path in documents():
        text = path.read_text()
        for match in FENCE.finditer(text):
            indent = len(match.group("indent"))
            body = "\n".join(line[indent:] for line in match.group("body").splitlines())
            found.append(
                Block(str(path.relative_to(ROOT)), text.count("\n", 0, match.start()) + 1, match.group("lang"), body)
            )
    return found


def http_requests(block: Block) -> tuple[str, str, list[object]]:
    """(method, path, bodies): every JSON document after the request line is one request."""
    lines = block.text.strip().splitlines()
    method, path = REQUEST_LINE.match(lines[0].strip()).groups()
    rest, bodies, decoder = "\n".join(lines[1:]).strip(), [], json.JSONDecoder()
    while rest:
        body, end = decoder.raw_decode(rest)
        bodies.append(body)
        rest = rest[end:].strip()
    return method, path, bodies or [None]


def curl_expectations(block: Block) -> list[int | None]:
    """For each curl call in the block, in order: the status its `# NNN ...` comment documents
    (on the lines right after it), or None (any 2xx)."""
    logical, current = [], ""
    for line in block.text.splitlines():
        current += line.rstrip("\\").rstrip() + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    expected: list[int | None] = []
    for line in logical:
        if re.search(r"\bcurl\b", line.split("#")[0]):
            expected.append(None)
        elif (status := STATUS_COMMENT.match(line)) and expected and expected[-1] is None:
            expected[-1] = int(status.group(1))
    return expected
