"""The database side of SMPP: which SMSC ids a message got, receipts matched to messages
(whatever id form the SMSC uses) and moved forward, MO messages stored as inbound. The protocol
code calls in here through `DeliverSink`; nothing else of SMPP touches the database."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import delete, select

from onecast.channels.base import Receipt
from onecast.channels.sms_smpp import pdu as P
from onecast.channels.sms_smpp.models import SmppPart, SmppPendingReceipt
from onecast.channels.sms_smpp.receipts import (
    Concatenation,
    MobileOriginated,
    ReceiptInfo,
    id_forms,
    is_receipt,
    normalise_id,
    parse_receipt,
)
from onecast.kit.clock import utcnow
from onecast.kit.errors import Problem
from onecast.kit.phone import to_e164
from onecast.messages import provider_ids
from onecast.messages.inbound import receive_inbound
from onecast.messages.models import Message
from onecast.messages.schemas import InboundIn
from onecast.messages.status import apply_status, move_forward

log = structlog.get_logger("onecast.smpp")
ACTOR = "provider:sms_smpp"
PENDING_KEPT = timedelta(days=3)
# A receipt waits for its submission for a moment (two commits racing); the sweep looks only this
# far back, older ones just wait to be dropped (receipts of messages sent by another system).
PENDING_SWEPT = timedelta(minutes=10)


@dataclass(frozen=True)
class ChannelRef:
    space_id: str
    channel_ref: str  # channels.id
    channel_id: str  # the id `rules` name


def _aggregate(rows: list[SmppPart]) -> tuple[str | None, dict[str, Any]]:
    """A message is failed or expired as soon as one part is; delivered once every part is."""
    details: dict[str, Any] = {"smscMessageIds": [r.smsc_id for r in rows]}
    for row in rows:
        if row.status in ("failed", "expired"):
            return row.status, {**details, "reason": f"Smpp{row.stat}", "stat": row.stat, "err": row.error}
    if rows and len(rows) == rows[0].parts and all(r.status == "delivered" for r in rows):
        return "delivered", {**details, "stat": "DELIVRD", "err": rows[-1].error}
    return None, details


async def _pending_for(session, channel_ref: str, smsc_ids: list[str]) -> list[SmppPendingReceipt]:
    forms = {form for smsc_id in smsc_ids for form in id_forms(smsc_id)}
    rows = await session.execute(select(SmppPendingReceipt).where(
        SmppPendingReceipt.channel_ref == channel_ref, SmppPendingReceipt.smsc_id.in_(forms))
        .order_by(SmppPendingReceipt.id).with_for_update(skip_locked=True))  # the sweep may hold some
    return list(rows.scalars())


def _apply_to_part(rows: list[SmppPart], smsc_id: str, status: str, stat: str,
                   error: str | None) -> SmppPart | None:
    """The part the receipt is for (exact spelling first, then the other readings), updated."""
    for form in id_forms(smsc_id):
        for row in rows:
            if row.smsc_id == form:
                row.status, row.stat, row.error = status, stat, error
                return row
    return None


async def _forget(session, receipt: SmppPendingReceipt) -> None:
    await session.execute(delete(SmppPendingReceipt).where(SmppPendingReceipt.id == receipt.id))


async def record_submission(db, ref: ChannelRef, message_id: str, smsc_ids: list[str]) -> tuple[Receipt, ...]:
    """Remember the parts' SMSC ids; receipts that came before (kept as pending) are applied to
    them and returned, so the delivery worker records them right after `sent`."""
    async with db.transaction() as session:
        await session.execute(delete(SmppPart).where(SmppPart.message_id == message_id))  # an earlier try
        now = utcnow()
        rows = [SmppPart(channel_ref=ref.channel_ref, space_id=ref.space_id, message_id=message_id,
                         smsc_id=normalise_id(smsc_id), part=i + 1, parts=len(smsc_ids), created_on=now)
                for i, smsc_id in enumerate(smsc_ids)]
        session.add_all(rows)
        for pending in await _pending_for(session, ref.channel_ref, smsc_ids):
            if _apply_to_part(rows, pending.smsc_id, pending.status, pending.stat, pending.error) is not None:
                await _forget(session, pending)
        await session.flush()
        status, details = _aggregate(rows)
    return (Receipt(status, details),) if status else ()


async def _settle(session, message_id: str) -> None:
    """Move the message to what its parts' receipts say. A receipt can be matched before the
    worker recorded `sent` (the SMSC answers faster than our commit): the parts exist only
    once the SMSC accepted every one, so `sent` is recorded first."""
    message = await session.get(Message, message_id, with_for_update=True)
    if message is None:
        return
    rows = list((await session.execute(select(SmppPart).where(SmppPart.message_id == message_id)
                                       .order_by(SmppPart.part))).scalars())
    status, details = _aggregate(rows)
    if status is None:
        return
    if message.status in ("processing", "retrying"):
        entry = message.plan[message.plan_index] if message.plan else {}
        await provider_ids.assign(session, message, rows[0].smsc_id)
        message.segment_count = len(rows)
        apply_status(session, message, "sent", details={
            "providerMessageId": rows[0].smsc_id, "address": entry.get("address"), "segmentCount": len(rows),
            "smscMessageIds": details["smscMessageIds"]})
    try:
        move_forward(session, message, status, details=details)
    except Problem:  # a late receipt after a later status: forward only
        log.info("smpp_receipt_not_forward", message_id=message_id, status=status, current=message.status)


async def _store_receipt(session, ref: ChannelRef, info: ReceiptInfo) -> None:
    status = info.status
    if status is None:  # ENROUTE, ACCEPTD, UNKNOWN: nothing final to say
        return
    rows = list((await session.execute(select(SmppPart).where(
        SmppPart.channel_ref == ref.channel_ref, SmppPart.smsc_id.in_(id_forms(info.message_id)))
        .order_by(SmppPart.id.desc()))).scalars())
    part = _apply_to_part(rows, info.message_id, status, info.stat, info.error)
    if part is None:
        session.add(SmppPendingReceipt(channel_ref=ref.channel_ref, smsc_id=normalise_id(info.message_id),
                                       status=status, stat=info.stat, error=info.error,
                                       details={}, received_on=utcnow()))
        return
    await session.flush()
    await _settle(session, part.message_id)


async def handle_receipt(db, ref: ChannelRef, info: ReceiptInfo) -> None:
    async with db.transaction() as session:
        await _store_receipt(session, ref, info)


class ReceiptBatcher:
    """Receipts arriving together are stored in one transaction (one writer at a time on
    SQLite): while one batch commits, the next gathers. Each caller returns once its receipt
    is committed, or raises when its batch failed."""

    def __init__(self, db, ref: ChannelRef, max_batch: int = 200) -> None:
        self.db, self.ref, self.max_batch = db, ref, max_batch
        self._queue: list[tuple[ReceiptInfo, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task | None = None

    async def store(self, info: ReceiptInfo) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((info, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:self.max_batch], self._queue[self.max_batch:]
            try:
                async with self.db.transaction() as session:
                    for info, _ in batch:
                        await _store_receipt(session, self.ref, info)
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)


async def handle_mo(db, ref: ChannelRef, mo: MobileOriginated) -> None:
    number = to_e164(mo.source)
    sender = number.lstrip("+") if number else mo.source
    body = {"channel": ref.channel_id, "from": {"phoneNumber": sender}, "body": mo.text,
            "channelData": {"smpp": {"destination": mo.destination}}}
    if mo.destination:
        body["to"] = {"phoneNumber": mo.destination}
    async with db.transaction() as session:
        await receive_inbound(session, ref.space_id, ACTOR, InboundIn.model_validate(body))


async def sweep(db, limit: int = 500) -> int:
    """Apply pending receipts whose submission is now known (a receipt and its submission
    committed at the same moment on PostgreSQL, or arrived on another process's bind); drop
    those nobody claimed for days. Returns how many were applied."""
    applied = 0
    async with db.transaction() as session:
        await session.execute(delete(SmppPendingReceipt).where(SmppPendingReceipt.received_on < utcnow() - PENDING_KEPT))
        pending = list((await session.execute(select(SmppPendingReceipt).where(
            SmppPendingReceipt.received_on >= utcnow() - PENDING_SWEPT).order_by(SmppPendingReceipt.id)
            .limit(limit).with_for_update(skip_locked=True))).scalars())
        for receipt in pending:
            forms = id_forms(receipt.smsc_id)
            rows = list((await session.execute(select(SmppPart).where(
                SmppPart.channel_ref == receipt.channel_ref, SmppPart.smsc_id.in_(forms)))).scalars())
            part = _apply_to_part(rows, receipt.smsc_id, receipt.status, receipt.stat, receipt.error)
            if part is not None:
                await _forget(session, receipt)
                await session.flush()
                await _settle(session, part.message_id)
                applied += 1
    return applied


class DeliverSink:
    """What a bind does with a deliver_sm: receipts and MO messages are stored before the
    SMSC gets its deliver_sm_resp."""

    def __init__(self, db, ref: ChannelRef) -> None:
        self.db = db
        self.ref = ref
        self.concatenation = Concatenation()
        self.receipts = ReceiptBatcher(db, ref)

    async def __call__(self, pdu: P.Pdu) -> int:
        if is_receipt(pdu):
            await self.receipts.store(parse_receipt(pdu))
            return P.ESME_ROK
        mo = self.concatenation.add(pdu)
        if mo is None:
            return P.ESME_ROK
        try:
            await handle_mo(self.db, self.ref, mo)
        except ValidationError as exc:  # e.g. no sender: asking again would not help
            log.warning("smpp_mo_refused", channel=self.ref.channel_ref, error=str(exc)[:300])
            return P.ESME_RX_P_APPN
        return P.ESME_ROK
