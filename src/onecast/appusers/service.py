"""App-user auth config, login challenges and sessions."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from onecast.appusers import tokens
from onecast.appusers.models import AppSession, AuthChallenge, SpaceAuthConfig
from onecast.kit.clock import iso, utcnow
from onecast.kit.errors import not_found, unauthorized
from onecast.kit.events import record_event
from onecast.kit.idempotency import forget, principal_scope
from onecast.kit.ids import new_id
from onecast.profiles import service as profiles
from onecast.realtime.notify import close_sockets
from onecast.spaces.models import ApiSpace

CHALLENGE_LIFETIME = timedelta(minutes=5)
SESSION_LIFETIME = timedelta(days=1)


def config_view(config: SpaceAuthConfig | None) -> dict:
    if config is None:
        return {"issuer": None, "audience": None, "sharedSecret": None, "idClaim": "sub"}
    return {"issuer": config.issuer, "audience": config.audience, "sharedSecret": config.shared_secret,
            "idClaim": config.id_claim}


async def get_config(session: AsyncSession, space_id: str, *, create: bool = False) -> SpaceAuthConfig | None:
    config = await session.get(SpaceAuthConfig, space_id)
    if config is None and create:
        config = SpaceAuthConfig(space_id=space_id, id_claim="sub", session_secret=secrets.token_urlsafe(32),
                                 revision=1, updated_on=utcnow())
        session.add(config)
        await session.flush()
    return config


async def put_config(session: AsyncSession, space_id: str, issuer: str | None, audience: str | None,
                     shared_secret: str | None, id_claim: str) -> SpaceAuthConfig:
    config = await get_config(session, space_id, create=True)
    config.issuer, config.audience, config.shared_secret = issuer, audience, shared_secret
    config.id_claim = id_claim
    config.revision += 1
    config.updated_on = utcnow()
    return config


async def start_challenge(session: AsyncSession, space_id: str) -> AuthChallenge:
    await get_config(session, space_id, create=True)
    challenge = AuthChallenge(id=new_id(), space_id=space_id, nonce=secrets.token_urlsafe(24),
                              expires_on=utcnow() + CHALLENGE_LIFETIME)
    session.add(challenge)
    return challenge


def challenge_view(challenge: AuthChallenge) -> dict:
    return {"authenticationId": challenge.id, "provider": "jsonWebToken", "nonce": challenge.nonce,
            "expiresOn": iso(challenge.expires_on)}


async def anonymous_token(session: AsyncSession, space_id: str, user_id: str, nonce: str) -> str:
    config = await get_config(session, space_id, create=True)
    return tokens.issue_anonymous_token(config, user_id, nonce, CHALLENGE_LIFETIME)


def session_view(app_session: AppSession) -> dict:
    return {"id": app_session.id, "profileId": app_session.profile_id, "deviceId": app_session.device_id,
            "platform": app_session.platform, "platformVersion": app_session.platform_version,
            "sdkType": app_session.sdk_type, "sdkVersion": app_session.sdk_version,
            "sourceIp": app_session.source_ip, "isActive": is_live(app_session),
            "createdOn": iso(app_session.created_on), "startedOn": iso(app_session.created_on),
            "expiresOn": iso(app_session.expires_on), "nonce": app_session.nonce,
            "provider": app_session.provider,
            "state": "SessionStarted" if is_live(app_session) else "SessionEnded"}


def is_live(app_session: AppSession) -> bool:
    return app_session.is_active and app_session.expires_on > utcnow()


async def live_session_of_account(session: AsyncSession,
                                  session_id: str | None) -> tuple[AppSession, str] | None:
    """The session and its space's account if its token still works: not ended, not expired,
    its space not deleted."""
    row = (await session.execute(select(AppSession, ApiSpace.account_id)
                                 .join(ApiSpace, ApiSpace.id == AppSession.space_id)
                                 .where(AppSession.id == session_id, ApiSpace.deleted_on.is_(None)))).first()
    return (row[0], row[1]) if row is not None and is_live(row[0]) else None


async def live_session(session: AsyncSession, session_id: str | None) -> AppSession | None:
    live = await live_session_of_account(session, session_id)
    return live[0] if live else None


async def start_session(session: AsyncSession, space_id: str, authentication_id: str, token: str,
                        device: dict, source_ip: str | None) -> tuple[AppSession, str]:
    challenge = await session.get(AuthChallenge, authentication_id, with_for_update=True)
    now = utcnow()
    if challenge is None or challenge.space_id != space_id or challenge.used_on is not None \
            or challenge.expires_on <= now:
        raise unauthorized("Unknown, used or expired authenticationId")
    config = await get_config(session, space_id, create=True)
    profile_id, nonce = tokens.verify_login_token(config, token)
    if not secrets.compare_digest(nonce, challenge.nonce):
        raise unauthorized("The token's nonce is not the challenge's nonce")
    challenge.used_on = now
    await profiles.upsert_for_send(session, space_id, profile_id, {}, f"session:{profile_id}")
    app_session = AppSession(id=new_id(), space_id=space_id, profile_id=profile_id, source_ip=source_ip,
                             provider="jsonWebToken", nonce=nonce, is_active=True, created_on=now,
                             expires_on=now + SESSION_LIFETIME, **device)
    session.add(app_session)
    await session.flush()
    record_event(session, space_id, "session.start", app_session.id, session_view(app_session))
    return app_session, tokens.issue_session_token(config, app_session.id, profile_id, app_session.expires_on)


async def agent_session_token(session: AsyncSession, space_id: str, profile_id: str, provider: str,
                              key_id: str | None = None, device_id: str | None = None) -> str:
    """A session token for a profile the platform itself vouches for (a console agent): its live
    session of that provider (and device: one console login) is reused, else one is started
    (write transaction). `key_id`: the API key the agent logged in with; revoking it ends the
    session."""
    config = await get_config(session, space_id, create=True)
    now = utcnow()
    app_session = (await session.execute(select(AppSession).where(
        AppSession.space_id == space_id, AppSession.profile_id == profile_id, AppSession.provider == provider,
        AppSession.key_id.is_(None) if key_id is None else AppSession.key_id == key_id,
        AppSession.device_id.is_(None) if device_id is None else AppSession.device_id == device_id,
        AppSession.is_active.is_(True), AppSession.expires_on > now + timedelta(hours=1))
        .order_by(AppSession.expires_on.desc()).limit(1))).scalar_one_or_none()
    if app_session is None:
        # No profile is made for the agent: a console user is staff of the installation, not a
        # contact of the customer's space.
        app_session = AppSession(id=new_id(), space_id=space_id, profile_id=profile_id, provider=provider,
                                 device_id=device_id, nonce=secrets.token_urlsafe(12), is_active=True,
                                 created_on=now, expires_on=now + SESSION_LIFETIME, key_id=key_id)
        session.add(app_session)
        await session.flush()
        record_event(session, space_id, "session.start", app_session.id, session_view(app_session))
    return tokens.issue_session_token(config, app_session.id, profile_id, app_session.expires_on)


async def get_session(session: AsyncSession, space_id: str, session_id: str, *, lock: bool = False) -> AppSession:
    stmt = select(AppSession).where(AppSession.id == session_id, AppSession.space_id == space_id)
    if lock:
        stmt = stmt.with_for_update()
    app_session = (await session.execute(stmt)).scalar_one_or_none()
    if app_session is None:
        raise not_found("Session")
    return app_session


def session_scope(account_id: str, space_id: str, session_id: str) -> str:
    """Whose Idempotency-Keys the requests made with a session token use."""
    return principal_scope(account_id, space_id, f"session:{session_id}")


def _end(session: AsyncSession, app_session: AppSession) -> None:
    app_session.is_active = False
    app_session.ended_on = utcnow()
    record_event(session, app_session.space_id, "session.end", app_session.id, session_view(app_session))


async def end_session(session: AsyncSession, space_id: str, session_id: str) -> None:
    """Its token stops working and its sockets close (in every server process)."""
    app_session = await get_session(session, space_id, session_id, lock=True)
    if app_session.is_active:
        _end(session, app_session)
        close_sockets(session, space_id, [app_session.id])
    space = await session.get(ApiSpace, space_id)
    if space is not None:
        await forget(session, session_scope(space.account_id, space_id, session_id))


async def end_key_sessions(session: AsyncSession, space_id: str, key_id: str) -> None:
    """The sessions minted for an API key (console agents logged in with it), when it is revoked."""
    rows = (await session.execute(select(AppSession).where(
        AppSession.space_id == space_id, AppSession.key_id == key_id, AppSession.is_active.is_(True))
        .with_for_update())).scalars().all()
    for app_session in rows:
        _end(session, app_session)
    if rows:
        close_sockets(session, space_id, [s.id for s in rows])


async def end_space_sessions(session: AsyncSession, space_id: str) -> None:
    """Every session of a deleted space, in one statement (no session.end events: the space and
    its webhooks are gone); its sockets close. Tokens check the space too, so a session started
    while this commits does not work either."""
    await session.execute(update(AppSession).where(AppSession.space_id == space_id, AppSession.is_active.is_(True))
                          .values(is_active=False, ended_on=utcnow()))
    close_sockets(session, space_id, None)


async def end_agent_sessions(session: AsyncSession, provider: str, profile_id: str,
                             device_id: str | None = None) -> int:
    """End, in every space, the live sessions `agent_session_token` gave an agent (all of them, or
    those of one device: a console login). Its logout, password change or disabling ends them."""
    stmt = select(AppSession).where(AppSession.profile_id == profile_id, AppSession.provider == provider,
                                    AppSession.is_active.is_(True))
    if device_id is not None:
        stmt = stmt.where(AppSession.device_id == device_id)
    ended = list((await session.execute(stmt.with_for_update())).scalars())
    by_space: dict[str, list[str]] = {}
    for app_session in ended:
        _end(session, app_session)
        by_space.setdefault(app_session.space_id, []).append(app_session.id)
    for space_id, session_ids in by_space.items():  # the inbox sockets those logins opened close too
        close_sockets(session, space_id, session_ids)
    return len(ended)
