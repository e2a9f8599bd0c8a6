"""Verify: send a one-time code by SMS through the messages service, then check it.

The code is kept only as a salted PBKDF2 hash on the request. The SMS carrying it is an ordinary
message, so the worker can read its text while it is being delivered; as soon as the message has
left the worker (sent, failed, expired...) its stored text is replaced by the same text with the
code masked (see `scrub`). A request is single use: verified once, locked after too many wrong
codes, expired after `validUntil`.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.config import Settings
from onecast.kit.auth import Principal
from onecast.kit.clock import as_utc, iso, utcnow
from onecast.kit.errors import Problem, invalid
from onecast.kit.ids import new_id
from onecast.messages import service as messages
from onecast.messages.models import Message
from onecast.messages.schemas import MessageIn
from onecast.phonevalidation import service as phones
from onecast.profiles.service import lock_space
from onecast.verify import codes
from onecast.verify.models import VerifyRequest
from onecast.verify.schemas import VerifyIn

MAX_VALIDITY = timedelta(minutes=30)
CODE = re.compile(r"\{\{\s*code\s*\}\}")
VALID_MINUTES = re.compile(r"\{\{\s*validMinutes\s*\}\}")
ALPHANUMERIC_FROM = re.compile(r"^[0-9a-zA-Z _.\-]+$")
MASK = "*"
TEXT_KEYS = {"body", "title", "data", "text"}


def check_from(value: str) -> None:
    """Originator rules of the reference (error codes of D:rest-verify-error-codes)."""
    if not value.strip():
        raise invalid("from", "is empty", "FromEmpty")
    if value.lstrip("+").isdigit():
        if len(value.lstrip("+")) > 15:
            raise invalid("from", "a numeric originator has at most 15 digits", "FromExceedsMaxNumericLength")
        if len(value.lstrip("+")) < 2:
            raise invalid("from", "an originator has at least 2 characters", "FromUnderMinTextLength")
        return
    if not ALPHANUMERIC_FROM.match(value):
        raise invalid("from", "an alphanumeric originator uses only 0-9 a-z A-Z space - _ .",
                      "FromContainsDisallowedCharacters")
    if len(value) > 11:
        raise invalid("from", "an alphanumeric originator has at most 11 characters", "FromExceedsMaxTextLength")
    if len(value) < 2:
        raise invalid("from", "an originator has at least 2 characters", "FromUnderMinTextLength")


def _valid_until(requested: datetime | None, now: datetime, settings: Settings) -> datetime:
    if requested is None:
        return now + timedelta(minutes=min(settings.verify_default_minutes, 30))
    valid_until = as_utc(requested)
    if valid_until <= now:
        raise invalid("validUntil", "is not in the future", "ValidUntilMinExceeded")
    if valid_until > now + MAX_VALIDITY:
        raise invalid("validUntil", "is more than 30 minutes ahead", "ValidUntilMaxExceeded")
    return valid_until


def _text(template: str, code: str, valid_until: datetime, now: datetime) -> str:
    minutes = max(1, round((valid_until - now).total_seconds() / 60))
    return CODE.sub(code, VALID_MINUTES.sub(str(minutes), template))


def mask_code(value: Any, code: str, mask: str, key: str | None = None) -> Any:
    """`value` (a message's JSON) with the code masked: everywhere in text fields, and elsewhere
    only where no digit touches it (so a phone number that happens to contain it stays intact)."""
    if isinstance(value, str):
        if key in TEXT_KEYS:
            return value.replace(code, mask)
        return re.sub(rf"(?<!\d){code}(?!\d)", mask, value)
    if isinstance(value, dict):
        return {k: mask_code(v, code, mask, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_code(v, code, mask, key) for v in value]
    return value


async def _throttle(session: AsyncSession, space_id: str, number: str, now: datetime, settings: Settings) -> None:
    """At most `verify_max_per_hour` codes per number and hour, and one per `verify_resend_seconds`.
    The space row lock makes the count and the insert one step on PostgreSQL too."""
    await lock_space(session, space_id)
    count, oldest, last = (await session.execute(
        select(func.count(), func.min(VerifyRequest.created_on), func.max(VerifyRequest.created_on)).where(
            VerifyRequest.space_id == space_id, VerifyRequest.phone_number == number,
            VerifyRequest.created_on > now - timedelta(hours=1)))).one()
    wait = 0.0
    if last is not None:
        wait = settings.verify_resend_seconds - (now - as_utc(last)).total_seconds()
    if count >= settings.verify_max_per_hour:
        wait = max(wait, (as_utc(oldest) + timedelta(hours=1) - now).total_seconds())
    if wait > 0:
        seconds = max(1, int(wait + 0.999))
        raise Problem(429, "Throttled", f"Too many codes sent to this number; retry in {seconds} s",
                      headers={"Retry-After": str(seconds)})


async def create(session: AsyncSession, principal: Principal, settings: Settings,
                 body: VerifyIn) -> tuple[VerifyRequest, str]:
    """Store the request and its SMS (with the outbox row) in the caller's transaction."""
    check_from(body.from_)
    if not CODE.search(body.body):
        raise invalid("body", "must contain {{code}}", "BodyMissingCode")
    checked = phones.validate(body.to, body.countryIsoCode) if body.to.strip() else None
    if checked is None or not checked.valid:
        raise invalid("to", "is not a valid phone number", "ToEmpty" if not body.to.strip() else "ToInvalid")
    now = utcnow()
    valid_until = _valid_until(body.validUntil, now, settings)
    number = checked.e164
    await _throttle(session, principal.space_id, number, now, settings)
    code, salt = codes.new_code(settings.verify_code_length), codes.new_salt()
    request_id = new_id()
    item = MessageIn.model_validate({
        "to": {"phoneNumber": number.lstrip("+")}, "rules": ["sms"],
        "body": _text(body.body, code, valid_until, now),
        "channelOptions": {"sms": {"from": body.from_}}, "expiresOn": valid_until,
        "metadata": {"verifyRequestId": request_id},
    })
    (message,) = await messages.send_many(session, principal, [item])
    mask = MASK * len(code)
    masked = {"body": mask_code(message.body, code, mask, "body"), "title": mask_code(message.title, code, mask, "title"),
              "request": mask_code(message.request, code, mask), "content": mask_code(message.content, code, mask)}
    request = VerifyRequest(
        id=request_id, space_id=principal.space_id, phone_number=number,
        code_salt=salt, code_hash=codes.hash_code(code, salt, settings.verify_hash_iterations),
        state="pending", attempts=0, valid_until=valid_until, message_id=message.id,
        masked=masked, scrubbed=False,
        created_on=now, created_by=principal.actor)
    session.add(request)
    await session.flush()
    return request, checked.status


def status_of(request: VerifyRequest, now: datetime) -> str:
    if request.state == "verified":
        return "CodeVerified"
    if request.state == "locked":
        return "CodeLocked"
    if as_utc(request.valid_until) <= now:
        return "CodeExpired"
    return "CodeNotVerified"


async def validate(session: AsyncSession, settings: Settings, space_id: str, request_id: str,
                   code: str) -> tuple[VerifyRequest, str] | None:
    """The outcome of one try; None when the request is unknown or already used (verified)."""
    request = (await session.execute(select(VerifyRequest).where(
        VerifyRequest.id == request_id, VerifyRequest.space_id == space_id).with_for_update())).scalar_one_or_none()
    if request is None or request.state == "verified":
        return None
    now = utcnow()
    await scrub(session, request)
    status = status_of(request, now)
    if status != "CodeNotVerified":
        return request, status
    request.attempts += 1
    if codes.matches(code.strip(), request.code_salt, request.code_hash):
        request.state, request.finished_on = "verified", now
        return request, "CodeVerified"
    if request.attempts >= settings.verify_max_attempts:
        request.state, request.finished_on = "locked", now
        return request, "CodeLocked"
    return request, "CodeNotVerified"


async def scrub(session: AsyncSession, request: VerifyRequest) -> bool:
    """Replace the code in the stored SMS once the worker is done with it; True when done."""
    if request.scrubbed:
        return True
    message = (await session.execute(select(Message).where(Message.id == request.message_id)
                                     .with_for_update())).scalar_one_or_none()
    if message is not None and message.status in messages.IN_FLIGHT:
        return False
    if message is not None and not message.redacted:
        masked = request.masked or {}
        message.body, message.title = masked.get("body"), masked.get("title")
        message.request, message.content = masked.get("request") or {}, masked.get("content") or {}
    request.scrubbed = True
    return True


async def scrub_delivered(db, limit: int = 200) -> int:
    """Scrub every request whose SMS has left the worker; the number scrubbed."""
    async with db.transaction() as session:
        rows = (await session.execute(
            select(VerifyRequest).join(Message, Message.id == VerifyRequest.message_id)
            .where(VerifyRequest.scrubbed.is_(False), Message.status.not_in(messages.IN_FLIGHT))
            .order_by(VerifyRequest.created_on).limit(limit).with_for_update(of=VerifyRequest))).scalars().all()
        done = 0
        for request in rows:
            done += await scrub(session, request)
        return done


async def any_unscrubbed(db) -> bool:
    """Whether a request's code is still in clear text (its SMS on its way)."""
    async with db.read() as session:
        return (await session.execute(select(VerifyRequest.id).where(VerifyRequest.scrubbed.is_(False))
                                      .limit(1))).first() is not None


def created_view(request: VerifyRequest, number_status: str) -> dict:
    return {"requestId": request.id, "phoneNumber": request.phone_number.lstrip("+"),
            "status": status_of(request, utcnow()), "numberStatus": number_status,
            "validUntil": iso(request.valid_until), "messageId": request.message_id}


def validate_view(request: VerifyRequest, status: str, settings: Settings) -> dict:
    return {"requestId": request.id, "phoneNumber": request.phone_number.lstrip("+"), "status": status,
            "numberStatus": "On", "attemptsLeft": max(0, settings.verify_max_attempts - request.attempts)
            if request.state == "pending" else 0,
            "created": iso(request.created_on), "verified": iso(request.finished_on)
            if request.state == "verified" else None}
