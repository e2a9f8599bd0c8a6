"""Push devices on profiles: register (upsert by device id), list, remove, summarise, and the
targets a native push send goes to. A token lives on one profile only: registering it again
elsewhere moves it (the app's user changed), so pushes never reach the previous user."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.devices.models import PushDevice
from onecast.devices.schemas import DeviceIn
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import Problem, invalid, not_found
from onecast.kit.events import record_event
from onecast.kit.ids import hash_secret, new_id
from onecast.kit.ssrf import AddressGuard, refuse_internal_urls
from onecast.kit.text import text_problem
from onecast.profiles import service as profiles

PLATFORMS = ("fcm", "apns", "webPush")
MAX_DEVICES_PER_PROFILE = 100  # a send fans out to all of them
INFO_FIELDS = ("platform", "platformVersion", "sdkType", "sdkVersion")


def registration_of(device: PushDevice) -> dict[str, Any]:
    """The device's push registration in the shape it was given."""
    if device.platform == "fcm":
        return {"fcm": {"package": device.app, "registrationId": device.token}}
    if device.platform == "apns":
        return {"apns": {"bundleId": device.app, "environment": device.environment, "token": device.token}}
    return {"webPush": {"endpoint": device.token, "keys": dict(device.keys)}}


def device_view(device: PushDevice) -> dict[str, Any]:
    return {"id": device.device_id, "profileId": device.profile_id, "push": registration_of(device),
            **{k: v for k, v in (device.info or {}).items() if k in INFO_FIELDS},
            "_createdOn": iso(device.created_on), "_updatedOn": iso(device.updated_on)}


def _columns(body: DeviceIn) -> dict[str, Any]:
    push = body.push
    if push.fcm is not None:
        return {"platform": "fcm", "token": push.fcm.registrationId, "app": push.fcm.package,
                "environment": None, "keys": {}}
    if push.apns is not None:
        return {"platform": "apns", "token": push.apns.token.lower(), "app": push.apns.bundleId,
                "environment": push.apns.environment, "keys": {}}
    web = push.webPush
    return {"platform": "webPush", "token": web.endpoint, "app": None, "environment": None,
            "keys": web.keys.model_dump()}


def _check_device_id(device_id: str) -> None:
    problem = text_problem(device_id)
    if problem:
        raise invalid("deviceId", problem)


def _event(session: AsyncSession, device: PushDevice, name: str, **extra: Any) -> None:
    record_event(session, device.space_id, name, device.id,
                 {"profileId": device.profile_id, "deviceId": device.device_id, "platform": device.platform,
                  **extra})


async def _device(session: AsyncSession, space_id: str, profile_id: str, device_id: str, *,
                  lock: bool = False) -> PushDevice | None:
    stmt = select(PushDevice).where(PushDevice.space_id == space_id, PushDevice.profile_id == profile_id,
                                    PushDevice.device_id == device_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def register_device(session: AsyncSession, space_id: str, profile_id: str, device_id: str,
                          body: DeviceIn, actor: str, guard: AddressGuard | None = None) -> tuple[PushDevice, bool]:
    """Create or replace the device's registration; the profile is created when missing (as a
    send does). Returns the device and whether it was created."""
    _check_device_id(device_id)
    if body.push.webPush is not None:  # the server will POST to the subscription's endpoint
        refuse_internal_urls(guard or AddressGuard(), {"endpoint": body.push.webPush.endpoint}, "push.webPush.")
    await profiles.upsert_for_send(session, space_id, profile_id, {}, actor)
    columns = _columns(body)
    token_hash = hash_secret(columns["token"])
    await _release_token(session, space_id, columns["platform"], token_hash, profile_id, device_id)
    info = body.model_dump(include=set(INFO_FIELDS), exclude_none=True)
    now = utcnow()
    device = await _device(session, space_id, profile_id, device_id, lock=True)
    created = device is None
    if created and await _count(session, space_id, profile_id) >= MAX_DEVICES_PER_PROFILE:
        raise Problem(409, "TooManyDevices", f"a profile may have at most {MAX_DEVICES_PER_PROFILE} push devices; "
                                             "remove unused ones first")
    if created:
        device = PushDevice(id=new_id(), space_id=space_id, profile_id=profile_id, device_id=device_id,
                            created_on=now, created_by=actor)
        session.add(device)
    for name, value in columns.items():
        setattr(device, name, value)
    device.token_hash, device.info, device.updated_on = token_hash, info, now
    await session.flush()
    _event(session, device, "device.registered")
    return device, created


async def _count(session: AsyncSession, space_id: str, profile_id: str) -> int:
    return (await session.execute(select(func.count()).select_from(PushDevice).where(
        PushDevice.space_id == space_id, PushDevice.profile_id == profile_id))).scalar_one()


async def _release_token(session: AsyncSession, space_id: str, platform: str, token_hash: str,
                         profile_id: str, device_id: str) -> None:
    rows = await session.execute(select(PushDevice).where(
        PushDevice.space_id == space_id, PushDevice.platform == platform, PushDevice.token_hash == token_hash))
    for other in rows.scalars():
        if (other.profile_id, other.device_id) != (profile_id, device_id):
            _event(session, other, "device.removed", reason="TokenRegisteredElsewhere")
            await session.delete(other)
    await session.flush()


async def list_devices(session: AsyncSession, space_id: str, profile_id: str) -> list[PushDevice]:
    rows = await session.execute(select(PushDevice).where(PushDevice.space_id == space_id,
                                                          PushDevice.profile_id == profile_id)
                                 .order_by(PushDevice.created_on, PushDevice.id))
    return list(rows.scalars())


async def require_device(session: AsyncSession, space_id: str, profile_id: str, device_id: str, *,
                         lock: bool = False) -> PushDevice:
    _check_device_id(device_id)
    device = await _device(session, space_id, profile_id, device_id, lock=lock)
    if device is None:
        raise not_found("Device")
    return device


async def remove_device(session: AsyncSession, device: PushDevice, reason: str = "Removed") -> None:
    _event(session, device, "device.removed", reason=reason)
    await session.delete(device)


async def remove_dead(session: AsyncSession, space_id: str, dead: Iterable[tuple[str, str, str]]) -> int:
    """Remove devices the push service reported as gone, given as (row id, token hash, reason).
    A device re-registered meanwhile with a new token is kept: only the token that failed is dead."""
    removed = 0
    for row_id, token_hash, reason in dead:
        device = await session.get(PushDevice, row_id, with_for_update=True)
        if device is None or device.space_id != space_id or device.token_hash != token_hash:
            continue
        await remove_device(session, device, reason)
        removed += 1
    return removed


async def push_targets(session: AsyncSession, space_id: str, profile_id: str) -> list[PushDevice]:
    return await list_devices(session, space_id, profile_id)


async def summaries(session: AsyncSession, space_id: str, profile_ids: list[str]) -> list[dict[str, Any]]:
    """`POST /profiles/devices/push/validation`: per profile, how many devices and for which apps."""
    ids = list(dict.fromkeys(profile_ids))
    rows = await session.execute(select(PushDevice).where(PushDevice.space_id == space_id,
                                                          PushDevice.profile_id.in_(ids))
                                 .order_by(PushDevice.created_on, PushDevice.id))
    by_profile: dict[str, list[PushDevice]] = {i: [] for i in ids}
    for device in rows.scalars():
        by_profile[device.profile_id].append(device)
    return [_summary(profile_id, devices) for profile_id, devices in by_profile.items()]


def _summary(profile_id: str, devices: list[PushDevice]) -> dict[str, Any]:
    from urllib.parse import urlsplit

    def unique(values: Iterable[str]) -> list[str]:
        return list(dict.fromkeys(values))

    return {"id": profile_id, "pushDevicesCount": len(devices),
            "fcm": unique(d.app for d in devices if d.platform == "fcm"),
            "apns": unique(f"{d.app}.{d.environment}" for d in devices if d.platform == "apns"),
            "webPush": unique(f"{urlsplit(d.token).scheme}://{urlsplit(d.token).netloc}"
                              for d in devices if d.platform == "webPush")}
