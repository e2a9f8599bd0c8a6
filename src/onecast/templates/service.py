"""Templates: save (parse, list variables, refuse bad Liquid), read, update, delete, and render
one for a send."""
from __future__ import annotations

import functools
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.config import Settings
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.etag import etag_for
from onecast.kit.events import record_event
from onecast.templates.engine import Limits, Sandbox, off_loop
from onecast.templates.models import Template, TemplateApproval
from onecast.templates.schemas import TemplateIn, TemplateUpdate


def sandbox(settings: Settings) -> Sandbox:
    """The sandbox with the limits of `settings` (ONECAST_TEMPLATE_*)."""
    return _sandbox(Limits(source_bytes=settings.template_max_bytes, output_bytes=settings.template_output_bytes,
                           loop_iterations=settings.template_loop_limit,
                           render_seconds=settings.template_render_seconds))


@functools.lru_cache(maxsize=8)
def _sandbox(limits: Limits) -> Sandbox:  # one per set of limits: building the Liquid environments costs
    return Sandbox(limits)

TEXT_PART = re.compile(r"^text/")


def etag(template: Template) -> str:
    return etag_for(f"template:{template.id}", template.revision)


def derive_id(body: TemplateIn) -> str:
    if body.id:
        return body.id
    derived = re.sub(r"[^A-Za-z0-9_-]", "", body.name)[:100]
    if not derived:
        raise invalid("id", "give an id: the name has no letters, digits, '-' or '_' to make one from")
    return derived


def _sources(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Every Liquid text of a template document with the field it came from."""
    found: list[tuple[str, str]] = []
    for i, part in enumerate(document.get("messageParts") or []):
        if TEXT_PART.match(part.get("type", "")) and isinstance(part.get("data"), str):
            found.append((f"messageParts[{i}].data", part["data"]))
    if document.get("title"):
        found.append(("title", document["title"]))
    for channel, body in (document.get("channels") or {}).items():
        for key in ("body", "title", "htmlBody"):
            if body.get(key):
                found.append((f"channels.{channel}.{key}", body[key]))
        for i, param in enumerate(body.get("params") or []):
            found.append((f"channels.{channel}.params[{i}]", param))
    return found


def _document(body: TemplateIn | TemplateUpdate) -> dict[str, Any]:
    dumped = body.model_dump(mode="json", exclude_none=True,
                             exclude={"id", "name", "description", "missingVariables", "approved"})
    return {k: v for k, v in dumped.items() if v not in ([], {})}


def _check_sources(box: Sandbox, sources: list[tuple[str, str]], strict: bool) -> list[str]:
    variables: set[str] = set()
    for field, source in sources:
        template = box.parse(source, field, strict=strict)
        variables.update(box.variables(template, field))
        box.try_limits(box.parse(source, field) if strict else template, field)
    return sorted(variables)


async def check_document(settings: Settings, document: dict[str, Any], strict: bool) -> list[str]:
    """Parse every text and try it with empty variables (400 on the first error or broken
    limit, naming its field); the variables they read."""
    if not document.get("code") and any("params" in b for b in (document.get("channels") or {}).values()):
        raise invalid("code", "WhatsApp template parameters need the provider's template name in `code`")
    return await off_loop(_check_sources, sandbox(settings), _sources(document), strict)


def _approvals(body: TemplateIn | TemplateUpdate, space_id: str, template_id: str) -> list[TemplateApproval]:
    now = utcnow()
    return [TemplateApproval(space_id=space_id, template_id=template_id, channel_id=a.channelId, status=a.status,
                             provider_template_id=a.templateId, reason=a.reason, updated_on=now)
            for a in body.approved or []]


def approval_view(a: TemplateApproval) -> dict[str, Any]:
    view = {"channelId": a.channel_id, "status": a.status, "templateId": a.provider_template_id,
            "updatedOn": iso(a.updated_on)}
    if a.reason:
        view["reason"] = a.reason
    return view


def template_view(template: Template, approvals: list[TemplateApproval]) -> dict[str, Any]:
    doc = template.document or {}
    view: dict[str, Any] = {"id": template.id, "name": template.name}
    if template.description is not None:
        view["description"] = template.description
    view["messageParts"] = doc.get("messageParts") or []
    for key in ("title", "channels", "code", "lang", "category"):
        if key in doc:
            view[key] = doc[key]
    view.update({
        "approved": [approval_view(a) for a in approvals], "variables": template.variables or [],
        "missingVariables": template.missing_variables,
        "_createdOn": iso(template.created_on), "_createdBy": template.created_by,
        "_updatedOn": iso(template.updated_on), "_updatedBy": template.updated_by,
    })
    if template.deleted_on is not None:
        view["_deleted"] = True
    return view


async def approvals_of(session: AsyncSession, space_id: str, template_ids: list[str]) -> dict[str, list]:
    found: dict[str, list[TemplateApproval]] = {tid: [] for tid in template_ids}
    if not template_ids:
        return found
    rows = await session.execute(select(TemplateApproval).where(
        TemplateApproval.space_id == space_id, TemplateApproval.template_id.in_(template_ids))
        .order_by(TemplateApproval.channel_id))
    for approval in rows.scalars():
        found[approval.template_id].append(approval)
    return found


async def view(session: AsyncSession, template: Template) -> dict[str, Any]:
    approvals = await approvals_of(session, template.space_id, [template.id])
    return template_view(template, approvals[template.id])


async def get_template(session: AsyncSession, space_id: str, template_id: str, *, include_deleted: bool = False,
                       lock: bool = False) -> Template:
    stmt = select(Template).where(Template.space_id == space_id, Template.id == template_id)
    if not include_deleted:
        stmt = stmt.where(Template.deleted_on.is_(None))
    if lock:
        stmt = stmt.with_for_update()
    template = (await session.execute(stmt)).scalar_one_or_none()
    if template is None:
        raise not_found("Template")
    return template


async def list_templates(session: AsyncSession, space_id: str, *, include_deleted: bool, limit: int,
                         after: str | None, channel_id: str | None, channel_status: str | None
                         ) -> tuple[list[dict[str, Any]], str | None]:
    stmt = select(Template).where(Template.space_id == space_id)
    if not include_deleted:
        stmt = stmt.where(Template.deleted_on.is_(None))
    if after:
        stmt = stmt.where(Template.id > after)
    if channel_id or channel_status:
        cond = [TemplateApproval.space_id == Template.space_id, TemplateApproval.template_id == Template.id]
        if channel_id:
            cond.append(TemplateApproval.channel_id == channel_id)
        if channel_status:
            cond.append(TemplateApproval.status == channel_status)
        stmt = stmt.where(exists().where(and_(*cond)))
    rows = list((await session.execute(stmt.order_by(Template.id).limit(limit + 1))).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    approvals = await approvals_of(session, space_id, [t.id for t in rows])
    return [template_view(t, approvals[t.id]) for t in rows], (rows[-1].id if more else None)


def _payload(template: Template) -> dict[str, Any]:
    return {"id": template.id, "name": template.name, "revision": template.revision}


async def create_template(session: AsyncSession, settings: Settings, space_id: str, body: TemplateIn,
                          actor: str) -> Template:
    template_id = derive_id(body)
    document = _document(body)
    variables = await check_document(settings, document, body.missingVariables == "reject")
    now = utcnow()
    existing = (await session.execute(select(Template).where(
        Template.space_id == space_id, Template.id == template_id).with_for_update())).scalar_one_or_none()
    if existing is not None and existing.deleted_on is None:
        raise Problem(409, "TemplateExists", f"A template with id {template_id!r} already exists")
    if existing is not None:  # a deleted template's id is free again
        await _replace(session, existing, body, document, variables, actor)
        existing.deleted_on = None
        existing.created_on, existing.created_by = now, actor
        record_event(session, space_id, "template.create", template_id, _payload(existing), existing.revision)
        return existing
    template = Template(space_id=space_id, id=template_id, name=body.name, description=body.description,
                        document=document, variables=variables, missing_variables=body.missingVariables,
                        revision=1, created_on=now, created_by=actor, updated_on=now, updated_by=actor)
    session.add(template)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise Problem(409, "TemplateExists", f"A template with id {template_id!r} already exists") from None
    session.add_all(_approvals(body, space_id, template_id))
    await session.flush()
    record_event(session, space_id, "template.create", template_id, _payload(template), 1)
    return template


async def _replace(session: AsyncSession, template: Template, body: TemplateUpdate | TemplateIn,
                   document: dict[str, Any], variables: list[str], actor: str) -> None:
    template.name, template.description = body.name, body.description
    template.document, template.variables = document, variables
    template.missing_variables = body.missingVariables
    template.revision += 1
    template.updated_on, template.updated_by = utcnow(), actor
    if body.approved is not None:
        old = await session.execute(select(TemplateApproval).where(
            TemplateApproval.space_id == template.space_id, TemplateApproval.template_id == template.id))
        for approval in old.scalars():
            await session.delete(approval)
        await session.flush()
        session.add_all(_approvals(body, template.space_id, template.id))
        await session.flush()


async def update_template(session: AsyncSession, settings: Settings, template: Template, body: TemplateUpdate,
                          actor: str) -> None:
    """Replace the template; `approved` absent keeps the approvals it has."""
    document = _document(body)
    variables = await check_document(settings, document, body.missingVariables == "reject")
    await _replace(session, template, body, document, variables, actor)
    record_event(session, template.space_id, "template.update", template.id, _payload(template),
                 template.revision)


async def delete_template(session: AsyncSession, template: Template, actor: str) -> None:
    template.deleted_on = utcnow()
    template.updated_by = actor
    template.revision += 1
    record_event(session, template.space_id, "template.delete", template.id,
                 {"id": template.id, "date": iso(template.deleted_on), "by": actor}, template.revision)


# --- rendering for a send ---------------------------------------------------------------------

_CACHE: OrderedDict[tuple, Any] = OrderedDict()
_CACHE_SIZE = 512
_CACHE_LOCK = threading.Lock()  # parses run on the template threads


@dataclass(frozen=True)
class Revision:
    """What rendering needs of a template row, read on the event loop (an ORM row is not for
    another thread: an expired attribute would load from the database there)."""
    space_id: str
    id: str
    revision: int
    strict: bool

    @classmethod
    def of(cls, template: Template) -> Revision:
        return cls(template.space_id, template.id, template.revision, template.missing_variables == "reject")


def compiled(box: Sandbox, template: Revision, field: str, source: str) -> Any:
    """Parsed Liquid, cached by template revision: a batch of 5000 parses each text once."""
    key = (box.limits, template.space_id, template.id, template.revision, field)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == source:
            _CACHE.move_to_end(key)
            return hit[1]
    parsed = box.parse(source, field, strict=template.strict)
    with _CACHE_LOCK:
        _CACHE[key] = (source, parsed)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return parsed


def _render_each(box: Sandbox, template: Revision, texts: dict[str, str], values: dict[str, Any],
                 took: list[float]) -> dict[str, str]:
    started = time.monotonic()
    try:
        return {field: box.render(compiled(box, template, field, source), values, f"template {template.id}: {field}")
                for field, source in texts.items()}
    finally:
        took.append(time.monotonic() - started)


_SPENT = "template_render_seconds"  # session.info key: render time of this transaction so far


async def render_texts(session: AsyncSession, settings: Settings, template: Template, texts: dict[str, str],
                       values: dict[str, Any]) -> dict[str, str]:
    """Every text (field -> Liquid) of one send rendered on the template threads. The renders
    of one transaction (a batch) share `template_batch_render_seconds`: a batch of templates each
    just under the render deadline cannot hold the transaction (and SQLite's write lock) for long."""
    budget = settings.template_batch_render_seconds
    if session.info.get(_SPENT, 0.0) >= budget:
        raise Problem(400, "TemplateRenderLimit", f"template {template.id}: the templates of this request took "
                                                  f"more than {budget:g} s to render (batch render time limit)",
                      title="Template could not be rendered")
    took: list[float] = []
    try:
        return await off_loop(_render_each, sandbox(settings), Revision.of(template), texts, values, took)
    finally:
        session.info[_SPENT] = session.info.get(_SPENT, 0.0) + sum(took)
