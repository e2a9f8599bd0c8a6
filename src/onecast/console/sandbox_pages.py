"""The sandbox as a device simulator: a phone, a mailbox or a chat per address, showing what the
sandbox provider 'sent' there, with the recipient's reply (inbound) and receipts."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.channels.sandbox import service as sandbox
from onecast.channels.sandbox.schemas import SandboxSettingsIn
from onecast.channels.service import enabled_channels, resolve
from onecast.console.access import visible_space
from onecast.console.forms import back, fields, flash, problem_text
from onecast.console.render import page
from onecast.console.routing import ConsoleRoute
from onecast.console.session import Viewer, current_viewer, writer
from onecast.kit.errors import Problem, invalid
from onecast.kit.state import get_db
from onecast.messages import inbound as inbounds
from onecast.messages import service as messages
from onecast.messages.models import Message
from onecast.messages.schemas import InboundIn

router = APIRouter(route_class=ConsoleRoute)
Reader = Annotated[Viewer, Depends(current_viewer)]
Writer = Annotated[Viewer, Depends(writer)]
SpaceId = Annotated[str, Path(max_length=64)]
RECEIPTS = ("delivered", "read", "failed")
PHONE_TYPES = {"sms", "mms", "rcs", "whatsApp"}


def device_kind(channel_type: str | None) -> str:
    if channel_type in PHONE_TYPES:
        return "phone"
    return "mailbox" if channel_type == "email" else "chat"


async def _threads(session: AsyncSession, space_id: str, address: str | None = None) -> list[dict[str, Any]]:
    """One thread per address: deliveries and that address's inbound messages, oldest first."""
    deliveries = await sandbox.list_deliveries(session, space_id, address=address, limit=500)
    ids = [d.message_id for d in deliveries]
    sent = {m.id: m for m in (await session.execute(select(Message).where(Message.id.in_(ids)))).scalars()} if ids else {}
    inbound = list((await session.execute(select(Message).where(
        Message.space_id == space_id, Message.direction == "inbound", Message.deleted_on.is_(None))
        .order_by(Message.created_on.desc()).limit(500))).scalars())
    threads: dict[str, dict[str, Any]] = {}
    for d in deliveries:
        thread = threads.setdefault(d.address, {"address": d.address, "channel": d.channel,
                                                "kind": device_kind(d.payload.get("type")), "items": []})
        thread["items"].append({"out": True, "at": d.created_on, "delivery": d, "message": sent.get(d.message_id)})
    by_digits = {addr.lstrip("+"): thread for addr, thread in threads.items()}
    for m in inbound:
        sender = {k: str(v) for k, v in ((m.request or {}).get("from") or {}).items()}
        thread = next((by_digits[v.lstrip("+")] for v in sender.values() if v.lstrip("+") in by_digits), None)
        if thread is None and sender and (address is None or address.lstrip("+") in
                                          {v.lstrip("+") for v in sender.values()}):
            field, value = next(iter(sender.items()))  # someone who wrote in first: a device of their own
            kind = {"phoneNumber": "phone", "email": "mailbox"}.get(field, "chat")
            thread = threads[value] = by_digits[value.lstrip("+")] = {
                "address": value, "channel": m.channel, "kind": kind, "items": []}
        if thread is not None:
            thread["items"].append({"out": False, "at": m.created_on, "message": m})
    for thread in threads.values():
        thread["items"].sort(key=lambda item: item["at"])
    return sorted(threads.values(), key=lambda t: t["items"][-1]["at"], reverse=True)


@router.get("/spaces/{space_id}/sandbox", response_class=HTMLResponse)
async def sandbox_page(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        threads = await _threads(session, space_id)
        settings = await sandbox.get_settings(session, space_id)
    return page(request, "sandbox.html", viewer=viewer, space=space, threads=threads, settings=settings,
                receipts=RECEIPTS, **flash(request))


async def _thread_response(request: Request, viewer: Viewer, space_id: str, address: str) -> HTMLResponse:
    async with get_db(request).read() as session:
        space = await visible_space(session, viewer, space_id)
        threads = await _threads(session, space_id, address)
    return page(request, "sandbox_thread.html", viewer=viewer, space=space,
                thread=threads[0] if threads else None, receipts=RECEIPTS)


@router.get("/spaces/{space_id}/sandbox/thread", response_class=HTMLResponse)
async def thread_fragment(request: Request, viewer: Reader, space_id: SpaceId) -> HTMLResponse:
    return await _thread_response(request, viewer, space_id, request.query_params.get("address", "")[:320])


async def _done(request: Request, viewer: Viewer, space_id: str, address: str, notice: str) -> Response:
    """htmx swaps in the updated thread; a plain form post goes back to the page."""
    if request.headers.get("HX-Request"):
        return await _thread_response(request, viewer, space_id, address)
    return await back(request, f"/console/spaces/{space_id}/sandbox", notice=notice)


@router.post("/spaces/{space_id}/sandbox/receipts/{message_id}")
async def mark(request: Request, viewer: Writer, space_id: SpaceId,
               message_id: Annotated[str, Path(max_length=64)]) -> Response:
    """The simulated device reports delivered, read or failed (statuses only move forward)."""
    form = await fields(request)
    status = form.get("status", "")
    try:
        if status not in RECEIPTS:
            raise invalid("status", f"must be one of {', '.join(RECEIPTS)}")
        details = {"sandbox": True, "by": "console", **({"reason": "Marked failed in the simulator"}
                                                          if status == "failed" else {})}
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            current = await messages.get_message(session, space_id, message_id)
            await messages.post_status(session, viewer.principal(space_id, space.account_id), message_id, status,
                                       current.channel or "sandbox", details, None)
    except Problem as exc:
        return await back(request, f"/console/spaces/{space_id}/sandbox", error=problem_text(exc))
    return await _done(request, viewer, space_id, form.get("address", ""), f"Marked {status}")


@router.post("/spaces/{space_id}/sandbox/reply")
async def reply(request: Request, viewer: Writer, space_id: SpaceId) -> Response:
    """The person at an address writes back: an inbound message on that channel."""
    form = await fields(request)
    address, channel_id = form.get("address", ""), form.get("channel", "")
    try:
        if not form.get("body"):  # fields() strips: a reply of spaces is no reply
            raise invalid("body", "write something before sending")
        async with get_db(request).transaction() as session:
            space = await visible_space(session, viewer, space_id)
            channel = resolve(channel_id, await enabled_channels(session, space_id))
            if channel is None:
                raise invalid("channel", f"there is no channel {channel_id!r} in this API space", "UnknownChannel")
            inbound = InboundIn.model_validate({"channel": channel_id, "body": form.get("body") or "",
                                                "from": inbounds.inbound_from_address(channel.type, address)})
            await inbounds.receive_inbound(session, space_id, viewer.principal(space_id, space.account_id).actor,
                                           inbound)
    except (Problem, ValidationError) as exc:
        return await back(request, f"/console/spaces/{space_id}/sandbox", error=problem_text(exc))
    return await _done(request, viewer, space_id, address, "Reply received")


@router.post("/spaces/{space_id}/sandbox/settings")
async def settings(request: Request, viewer: Writer, space_id: SpaceId) -> Response:
    form = await fields(request)
    here = f"/console/spaces/{space_id}/sandbox"
    try:
        async with get_db(request).transaction() as session:
            await visible_space(session, viewer, space_id)
            current = await sandbox.get_settings(session, space_id)
            changed = SandboxSettingsIn.model_validate({**current, "receipt": form.get("receipt"),
                                                        "autoReply": form.get("autoReply") or None})
            await sandbox.put_settings(session, space_id, changed.model_dump())
    except (Problem, ValidationError) as exc:
        return await back(request, here, error=problem_text(exc))
    return await back(request, here, notice="Simulator settings saved (they apply within a second)")
