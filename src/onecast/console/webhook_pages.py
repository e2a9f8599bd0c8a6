"""Webhooks: endpoints, their deliveries (the event sent and each attempt's response), replay and
secret rotation (the old secret keeps signing for the grace period)."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from onecast.console.access import visible_space
from onecast.console.forms import back, flash, problem_text
from onecast.console.render import page
from onecast.console.session import Viewer, current_viewer, writer
from onecast.kit.clock import utcnow
from onecast.kit.errors import Problem
from onecast.kit.models import Event
from onecast.kit.routing import CheckedRoute
from onecast.kit.state import get_db, get_settings
from onecast.webhooks import service as webhooks
from onecast.webhooks.catalogue import event_types
from onecast.webhooks.schemas import WebhookIn
from onecast.webhooks.signing import new_secret

router = APIRouter(route_class=CheckedRoute)
Reader = Annotated[Viewer, Depends(current_viewer)]
Writer = Annotated[Viewer, Depends(writer)]
SpaceId = Annotated[str, Path(max_length=64)]
HookId = Annotated[str, Path(max_length=64)]


def _body(hook, **changes: object) -> WebhookIn:
    """The hook as it is, with some fields changed (the service replaces the whole configuration)."""
    current = {"name": hook.name, "url": hook.url, "subscriptions": hook.subscriptions, "batch": hook.batch,
               "maxBatchSize": hook.max_batch_size, "batchTimeout": hook.batch_timeout, "enabled": hook.enabled}
    return WebhookIn.model_validate({**current, **changes})


@router.get("/spaces/{space_id}/webhooks", response_class=HTMLResponse)
async def webhooks_page(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        hooks = await webhooks.list_hooks(session, space_id, include_deleted=False, limit=200, skip=0)
    return page(request, "webhooks.html", viewer=viewer, space=space, hooks=hooks,
                event_types=sorted(event_types()), **flash(request))


@router.post("/spaces/{space_id}/webhooks")
async def create_webhook(request: Request, viewer: Writer, space_id: SpaceId) -> Response:
    form = await request.form()
    here = f"/console/spaces/{space_id}/webhooks"
    try:
        body = WebhookIn.model_validate({"name": str(form.get("name") or "").strip(),
                                         "url": str(form.get("url") or "").strip(),
                                         "subscriptions": [{"type": str(t)} for t in form.getlist("events")]})
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            hook = await webhooks.create(session, get_settings(request), space_id, body,
                                         viewer.principal(space_id, space.account_id).actor)
    except (Problem, ValidationError) as exc:
        return back(here, error=problem_text(exc))
    return back(f"{here}/{hook.id}", notice="Webhook created")


@router.get("/spaces/{space_id}/webhooks/{hook_id}", response_class=HTMLResponse)
async def webhook_page(request: Request, viewer: Reader, space_id: SpaceId, hook_id: HookId) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        hook = await webhooks.get(session, space_id, hook_id)
        log, _cursor = await webhooks.deliveries(session, hook, status=request.query_params.get("status") or None,
                                                 limit=50, cursor=None)
        ids = [d["eventId"] for d in log]
        events = {e.id: e for e in (await session.execute(select(Event).where(Event.id.in_(ids)))).scalars()} \
            if ids else {}
        previous = webhooks.live_secrets(hook, utcnow())
    return page(request, "webhook.html", viewer=viewer, space=space, hook=hook, deliveries=log, events=events,
                previous=previous, **flash(request))


async def _change(request: Request, viewer: Viewer, space_id: str, hook_id: str, notice: str,
                  **changes: object) -> Response:
    here = f"/console/spaces/{space_id}/webhooks/{hook_id}"
    try:
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            hook = await webhooks.get(session, space_id, hook_id, lock=True)
            await webhooks.update(session, get_settings(request), hook, _body(hook, **changes),
                                  viewer.principal(space_id, space.account_id).actor)
    except (Problem, ValidationError) as exc:
        return back(here, error=problem_text(exc))
    return back(here, notice=notice)


@router.post("/spaces/{space_id}/webhooks/{hook_id}/rotate")
async def rotate_secret(request: Request, viewer: Writer, space_id: SpaceId, hook_id: HookId) -> Response:
    return await _change(request, viewer, space_id, hook_id,
                         "New secret; the previous one keeps signing during the grace period", secret=new_secret())


@router.post("/spaces/{space_id}/webhooks/{hook_id}/enabled")
async def set_enabled(request: Request, viewer: Writer, space_id: SpaceId, hook_id: HookId) -> Response:
    enabled = (await request.form()).get("enabled") == "true"
    return await _change(request, viewer, space_id, hook_id, "Enabled" if enabled else "Disabled", enabled=enabled)


@router.post("/spaces/{space_id}/webhooks/{hook_id}/replay")
async def replay(request: Request, viewer: Writer, space_id: SpaceId, hook_id: HookId) -> Response:
    """One event again (event_id), or every subscribed event of the last N hours."""
    form = await request.form()
    here = f"/console/spaces/{space_id}/webhooks/{hook_id}"
    event_id = str(form.get("event_id") or "") or None
    try:
        hours = float(str(form.get("hours") or "24"))
    except ValueError:
        return back(here, error="Hours must be a number")
    try:
        async with get_db(request).transaction() as session:
            await visible_space(session, viewer, space_id)
            hook = await webhooks.get(session, space_id, hook_id)
            ids = await webhooks.replay(session, get_settings(request), hook, event_id=event_id,
                                        start=None if event_id else utcnow() - timedelta(hours=hours), end=None)
    except Problem as exc:
        return back(here, error=problem_text(exc))
    return back(here, notice=f"Replaying {len(ids)} event{'s' if len(ids) != 1 else ''}")


@router.post("/spaces/{space_id}/webhooks/{hook_id}/delete")
async def delete_webhook(request: Request, viewer: Writer, space_id: SpaceId, hook_id: HookId) -> Response:
    async with get_db(request).transaction() as session:
        space = await visible_space(session, viewer, space_id)
        hook = await webhooks.get(session, space_id, hook_id, lock=True)
        await webhooks.delete(session, hook, viewer.principal(space_id, space.account_id).actor)
    return back(f"/console/spaces/{space_id}/webhooks", notice="Webhook deleted")
