"""Storing the space's push credentials, the views the API shows of them, and the `push`
provider config they make when they serve `nativePush`."""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import not_found
from onecast.kit.ids import new_id
from onecast.spacepush import credentials
from onecast.spacepush.models import SpacePushCredential

FCM, APNS_TOKEN, APNS_CERT = "fcm", "apnsToken", "apnsCert"
KEY_PREFIX = "spacepush:"  # provider-pool key of the implicit nativePush channel: spacepush:<space id>


def _stmt(space_id: str, kind: str, app: str = "", environment: str = ""):
    return select(SpacePushCredential).where(
        SpacePushCredential.space_id == space_id, SpacePushCredential.kind == kind,
        SpacePushCredential.app == app, SpacePushCredential.environment == environment)


async def get(session: AsyncSession, space_id: str, kind: str, app: str = "", environment: str = "",
              *, lock: bool = False) -> SpacePushCredential:
    stmt = _stmt(space_id, kind, app, environment)
    row = (await session.execute(stmt.with_for_update() if lock else stmt)).scalar_one_or_none()
    if row is None:
        raise not_found({FCM: "FCM package", APNS_TOKEN: "APNs token key", APNS_CERT: "APNs certificate"}[kind])
    return row


async def _put(session: AsyncSession, space_id: str, kind: str, app: str, environment: str,
               secret: dict[str, Any], info: dict[str, Any]) -> SpacePushCredential:
    row = (await session.execute(_stmt(space_id, kind, app, environment).with_for_update())).scalar_one_or_none()
    now = utcnow()
    if row is None:
        row = SpacePushCredential(id=new_id(), space_id=space_id, kind=kind, app=app, environment=environment,
                                  created_on=now)
        session.add(row)
    row.secret, row.info, row.updated_on = secret, info, now
    await session.flush()
    return row


async def put_fcm(session: AsyncSession, space_id: str, package: str, body: dict[str, Any]) -> SpacePushCredential:
    secret, info = credentials.service_account(body["serviceAccount"], body.get("projectId"))
    return await _put(session, space_id, FCM, package, "", secret, info)


async def put_apns_token(session: AsyncSession, space_id: str, body: dict[str, Any]) -> SpacePushCredential:
    secret, info = credentials.apns_token_key(body["keyId"], body["teamId"], body["privateKey"])
    return await _put(session, space_id, APNS_TOKEN, "", "", secret, info)


async def put_apns_cert(session: AsyncSession, space_id: str, body: dict[str, Any]) -> SpacePushCredential:
    bundle_id, secret, info = credentials.apns_certificate(body)
    return await _put(session, space_id, APNS_CERT, bundle_id, body["environment"], secret, info)


async def remove(session: AsyncSession, space_id: str, kind: str, app: str = "", environment: str = "") -> None:
    await session.delete(await get(session, space_id, kind, app, environment, lock=True))


async def _all(session: AsyncSession, space_id: str) -> list[SpacePushCredential]:
    rows = await session.execute(select(SpacePushCredential).where(SpacePushCredential.space_id == space_id)
                                 .order_by(SpacePushCredential.kind, SpacePushCredential.app,
                                           SpacePushCredential.environment))
    return list(rows.scalars())


def fcm_view(row: SpacePushCredential) -> dict[str, Any]:
    return {"package": row.app, "projectId": row.info.get("projectId"), "clientEmail": row.info.get("clientEmail"),
            "privateKeyId": row.info.get("privateKeyId"), "updatedOn": iso(row.updated_on)}


def apns_token_view(row: SpacePushCredential) -> dict[str, Any]:
    return {"keyId": row.info["keyId"], "teamId": row.info["teamId"],
            "fingerprintSha256": row.info["fingerprintSha256"], "updatedOn": iso(row.updated_on)}


def apns_key_view(row: SpacePushCredential) -> dict[str, Any]:
    return {"keyId": row.info["keyId"], "teamId": row.info["teamId"], "publicKey": row.info["publicKey"],
            "fingerprintSha256": row.info["fingerprintSha256"]}


def apns_cert_view(row: SpacePushCredential) -> dict[str, Any]:
    return {"bundleId": row.app, "environment": row.environment,
            **{k: row.info[k] for k in ("subject", "issuer", "serialNumber", "notBefore", "expiresOn",
                                       "fingerprintSha256")},
            "updatedOn": iso(row.updated_on)}


def apns_cert_public(row: SpacePushCredential) -> dict[str, Any]:
    """The certificate chain is public; its private key never leaves the database."""
    return {**apns_cert_view(row), "certificate": row.secret["certificate"]}


async def view(session: AsyncSession, space_id: str) -> dict[str, Any]:
    rows = await _all(session, space_id)
    token = next((r for r in rows if r.kind == APNS_TOKEN), None)
    return {"apiSpaceId": space_id, "fcm": [fcm_view(r) for r in rows if r.kind == FCM],
            "apns": {"token": apns_token_view(token) if token else None,
                     "certificates": [apns_cert_view(r) for r in rows if r.kind == APNS_CERT]}}


# --- serving nativePush ---------------------------------------------------------------------

async def implicit_channel(session: AsyncSession, space_id: str, channels: list[Any]) -> Any | None:
    """A (transient) `push` channel for `nativePush` when the space has push credentials and no
    push channel of its own; its revision changes whenever a credential does."""
    if any(c.type == "nativePush" or c.channel_id == "nativePush" for c in channels):
        return None
    rows = (await session.execute(select(SpacePushCredential.id, SpacePushCredential.updated_on)
                                  .where(SpacePushCredential.space_id == space_id))).all()
    if not rows:
        return None
    from onecast.channels.models import Channel

    digest = hashlib.sha256("|".join(sorted(f"{r.id}@{iso(r.updated_on)}" for r in rows)).encode()).hexdigest()
    return Channel(id=KEY_PREFIX + space_id, space_id=space_id, channel_id="nativePush", type="nativePush",
                   provider="push", name="nativePush (API space push credentials)", config={}, enabled=True,
                   revision=int(digest[:12], 16))


def serves(entry: dict[str, Any]) -> bool:
    return str(entry["key"][0]).startswith(KEY_PREFIX)


async def provider_config(session: AsyncSession, entry: dict[str, Any], settings: Any) -> dict[str, Any]:
    """The `push` provider config of the space's credentials: the device's package / bundle id
    picks the FCM service account or APNs certificate; the token key serves every bundle id."""
    space_id = str(entry["key"][0])[len(KEY_PREFIX):]
    fcm_base = {k: v for k, v in (("baseUrl", getattr(settings, "push_fcm_base_url", "")),
                                  ("caFile", getattr(settings, "push_ca_file", ""))) if v}
    apns_base = {k: v for k, v in (("baseUrl", getattr(settings, "push_apns_base_url", "")),
                                   ("caFile", getattr(settings, "push_ca_file", ""))) if v}
    config: dict[str, Any] = {"fcmApps": [], "apnsApps": []}
    for row in await _all(session, space_id):
        if row.kind == FCM:
            config["fcmApps"].append({"package": row.app, **row.secret, **fcm_base})
        elif row.kind == APNS_TOKEN:
            config["apns"] = {**row.secret, **apns_base}
        elif row.kind == APNS_CERT:
            config["apnsApps"].append({"bundleId": row.app, "environment": row.environment, **row.secret,
                                       **apns_base})
    return config
