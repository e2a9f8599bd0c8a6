"""Stream the profiles matching a query, page by page (keyset on id, a short read each), so an
export of any size uses little memory and holds no long transaction."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select

from onecast.kit.csv_cells import neutralise
from onecast.profiles.documents import project
from onecast.profiles.models import Profile
from onecast.profiles.query import Condition
from onecast.profiles.query_sql import compile_conditions
from onecast.profiles.service import linked_ids, profile_document

PAGE = 1000


async def matching(db, space_id: str, conditions: list[Condition], *,
                   include_deleted: bool) -> AsyncIterator[dict[str, Any]]:
    last_id = ""
    while True:
        async with db.read() as session:
            dialect = session.get_bind().dialect.name
            stmt = select(Profile).where(Profile.space_id == space_id, Profile.id > last_id,
                                         *compile_conditions(conditions, dialect))
            if not include_deleted:
                stmt = stmt.where(Profile.deleted_on.is_(None))
            page = list((await session.execute(stmt.order_by(Profile.id).limit(PAGE))).scalars())
            links = await linked_ids(session, space_id, [p.id for p in page])
        for profile in page:
            yield profile_document(profile, links[profile.id])
        if len(page) < PAGE:
            return
        last_id = page[-1].id


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return neutralise(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _flatten(doc: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict) and value and not key.startswith("_"):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


async def columns(docs: AsyncIterator[dict[str, Any]]) -> list[str]:
    """Every (dotted) field that occurs, `id` first: the CSV header when no fields were asked for."""
    seen: dict[str, None] = {"id": None}
    async for doc in docs:
        seen.update(dict.fromkeys(k for k in _flatten(doc) if not k.startswith("_")))
    return list(seen)


async def render(fmt: str, docs: AsyncIterator[dict[str, Any]], fields: list[str] | None,
                 header: list[str] | None) -> AsyncIterator[bytes]:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([neutralise(name) for name in header])
        async for doc in docs:
            flat = _flatten(doc)
            writer.writerow([_cell(flat.get(name)) for name in header])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()
        return
    first = True
    if fmt == "json":
        yield b"["
    async for doc in docs:
        line = json.dumps(project(doc, fields) if fields else doc, ensure_ascii=False)
        if fmt == "json":
            yield (line if first else "," + line).encode()
        else:
            yield (line + "\n").encode()
        first = False
    if fmt == "json":
        yield b"]"
