"""Webhooks: endpoints, their deliveries (the event sent and each attempt's response), replay and
secret rotation (the old secret keeps signing for the grace period)."""
from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import select

from onecast.console.access import visible_space
from onecast.console.forms import back, flash, problem_text
from onecast.console.render import page
from onecast.console.routing import ConsoleRoute
from onecast.console.session import Viewer, current_viewer, writer
from onecast.kit.clock import utcnow
from onecast.kit.errors import Problem, invalid
from onecast.kit.models import Event
from onecast.kit.state import get_db, get_settings
from onecast.webhooks import health
from onecast.webhooks import service as webhooks
from onecast.webhooks.catalogue import event_types
from onecast.webhooks.schemas import WebhookIn
from onecast.webhooks.signing import new_secret

router = APIRouter(route_class=ConsoleRoute)
Reader = Annotated[Viewer, Depends(current_viewer)]
Writer = Annotated[Viewer, Depends(writer)]
SpaceId = Annotated[str, Path(max_length=64)]
HookId = Annotated[str, Path(max_length=64)]
PAGE = 25
DELIVERY_STATES = ("pending", "delivered", "dead")


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
        healths = await health.health(session, hooks)
    return page(request, "webhooks.html", viewer=viewer, space=space, hooks=hooks, health=healths,
                event_types=sorted(event_types()), **flash(request))


@router.post("/spaces/{space_id}/webhooks")
async def create_webhook(request: Request, viewer: Writer, space_id: SpaceId) -> Response:
    form = await request.form()
    here = f"/console/spaces/{space_id}/webhooks"
    try:
        if not form.getlist("events"):
            raise invalid("events", "choose at least one event type: a webhook with none would never be called")
        body = WebhookIn.model_validate({"name": str(form.get("name") or "").strip(),
                                         "url": str(form.get("url") or "").strip(),
                                         "subscriptions": [{"type": str(t)} for t in form.getlist("events")]})
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            hook = await webhooks.create(session, get_settings(request), space_id, body,
                                         viewer.principal(space_id, space.account_id).actor)
    except (Problem, ValidationError) as exc:
        return await back(request, here, error=problem_text(exc))
    return await back(request, f"{here}/{hook.id}", notice="Webhook created")


@router.get("/spaces/{space_id}/webhooks/{hook_id}", response_class=HTMLResponse)
async def webhook_page(request: Request, viewer: Reader, space_id: SpaceId, hook_id: HookId,
                       status: Annotated[str | None, Query(max_length=20)] = None,
                       before: Annotated[int | None, Query(ge=1)] = None,
                       part: Annotated[Literal["deliveries"] | None, Query()] = None) -> HTMLResponse:
    """The endpoint, its health and its deliveries (newest first, 25 a page, by status)."""
    status = status if status in DELIVERY_STATES else None  # "any status" sends an empty one
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        hook = await webhooks.get(session, space_id, hook_id)
        log, older = await webhooks.deliveries(session, hook, status=status, limit=PAGE, cursor=before)
        ids = [d["eventId"] for d in log]
        events = {e.id: e for e in (await session.execute(select(Event).where(Event.id.in_(ids)))).scalars()} \
            if ids else {}
        previous = webhooks.live_secrets(hook, utcnow())
        state = (await health.health(session, [hook]))[hook.id]
    template = "webhook_deliveries.html" if part and request.headers.get("HX-Request") else "webhook.html"
    return page(request, template, viewer=viewer, space=space, hook=hook, deliveries=log, events=events,
                previous=previous, health=state, status=status, before=before, older=older,
                delivery_states=DELIVERY_STATES, **flash(request))


@router.get("/spaces/{space_id}/webhooks/{hook_id}/secret", response_class=HTMLResponse)
async def reveal_secret(request: Request, viewer: Reader, space_id: SpaceId, hook_id: HookId) -> HTMLResponse:
    """The signing secret, only when asked for (it is not in the page, nor in its screenshots)."""
    async with get_db(request).read() as session:
        await visible_space(session, viewer, space_id)
        hook = await webhooks.get(session, space_id, hook_id)
    return HTMLResponse(Markup('<code class="secret" id="secret">{}</code>').format(hook.secret))


@router.post("/spaces/{space_id}/webhooks/{hook_id}/test")
async def send_test(request: Request, viewer: Writer, space_id: SpaceId, hook_id: HookId) -> Response:
    async with get_db(request).transaction() as session:
        space = await visible_space(session, viewer, space_id)
        hook = await webhooks.get(session, space_id, hook_id)
        health.send_test_event(session, hook, viewer.principal(space_id, space.account_id).actor)
    return await back(request, f"/console/spaces/{space_id}/webhooks/{hook_id}",
                      notice=f"Test event sent ({health.TEST_EVENT}); its delivery shows below")


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
        return await back(request, here, error=problem_text(exc))
    return await back(request, here, notice=notice)


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
        return await back(request, here, error="Hours must be a number")
    try:
        async with get_db(request).transaction() as session:
            await visible_space(session, viewer, space_id)
            hook = await webhooks.get(session, space_id, hook_id)
            ids = await webhooks.replay(session, get_settings(request), hook, event_id=event_id,
                                        start=None if event_id else utcnow() - timedelta(hours=hours), end=None)
    except Problem as exc:
        return await back(request, here, error=problem_text(exc))
    return await back(request, here, notice=f"Replaying {len(ids)} event{'s' if len(ids) != 1 else ''}")


@router.post("/spaces/{space_id}/webhooks/{hook_id}/delete")
async def delete_webhook(request: Request, viewer: Writer, space_id: SpaceId, hook_id: HookId) -> Response:
    async with get_db(request).transaction() as session:
        space = await visible_space(session, viewer, space_id)
        hook = await webhooks.get(session, space_id, hook_id, lock=True)
        await webhooks.delete(session, hook, viewer.principal(space_id, space.account_id).actor)
    return await back(request, f"/console/spaces/{space_id}/webhooks", notice="Webhook deleted")
