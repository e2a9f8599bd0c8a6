"""The service API other domains call: get_profile, upsert_for_send, profile_document, is_opted_in."""
from __future__ import annotations

import pytest

from onecast.kit.errors import Problem
from onecast.profiles import service
from onecast.profiles.models import Profile
from tests.profiles.helpers import create, events


async def _send(app, space, pid: str, fields: dict) -> Profile:
    async with app.state.db.transaction() as session:
        return await service.upsert_for_send(session, space.space_id, pid, fields, "access:sender")


async def test_upsert_for_send_creates_then_updates_only_on_change(app, space):
    profile = await _send(app, space, "bob", {"phoneNumber": "447700900123"})
    assert profile.data == {"phoneNumber": "447700900123"} and profile.revision == 1
    doc = (await space.get("/profiles/bob")).json()
    assert doc["phoneNumber"] == "447700900123" and doc["_createdBy"] == "access:sender"

    again = await _send(app, space, "bob", {"phoneNumber": "447700900123"})
    assert again.revision == 1
    assert [e.name for e in await events(app, space.space_id, "bob")] == ["profile.create"]

    changed = await _send(app, space, "bob", {"phoneNumber": "447700900999", "email": "b@example.com"})
    assert changed.revision == 2
    assert changed.data == {"phoneNumber": "447700900999", "email": "b@example.com"}
    recorded = await events(app, space.space_id, "bob")
    assert [e.name for e in recorded] == ["profile.create", "profile.update"]
    assert recorded[1].payload["phoneNumber"] == "447700900999"


async def test_upsert_for_send_keeps_other_fields_and_treats_types_strictly(app, space):
    await create(space, "p", keep="yes", n=1)
    profile = await _send(app, space, "p", {"n": 1.0})
    assert profile.data == {"keep": "yes", "n": 1.0} and profile.revision == 2
    assert (await _send(app, space, "p", {})).revision == 2


async def test_upsert_for_send_undeletes(app, space):
    await create(space, "p", phoneNumber="1")
    await space.delete("/profiles/p")
    profile = await _send(app, space, "p", {"phoneNumber": "1"})
    assert profile.deleted_on is None
    assert (await space.get("/profiles/p")).status_code == 200
    names = [e.name for e in await events(app, space.space_id, "p")]
    assert names == ["profile.create", "profile.delete", "profile.undelete"]


@pytest.mark.parametrize("pid, fields", [("", {}), ("a/b", {}), ("p", {"_x": 1}), ("p", {"s": "\x00"})])
async def test_upsert_for_send_validates(app, space, pid, fields):
    with pytest.raises(Problem) as caught:
        await _send(app, space, pid, fields)
    assert caught.value.status == 400


async def test_get_profile(app, space, other_space):
    await create(space, "p")
    await create(space, "gone")
    await space.delete("/profiles/gone")
    async with app.state.db.transaction() as session:
        assert (await service.get_profile(session, space.space_id, "p")).id == "p"
        assert await service.get_profile(session, space.space_id, "gone") is None
        assert (await service.get_profile(session, space.space_id, "gone", include_deleted=True)).id == "gone"
        assert (await service.get_profile(session, space.space_id, "p", lock=True)).id == "p"
        assert await service.get_profile(session, other_space.space_id, "p") is None
        assert await service.get_profile(session, space.space_id, "nul\x00") is None


async def test_profile_document_shape(app, space):
    await create(space, "p", a=1)
    async with app.state.db.transaction() as session:
        profile = await service.get_profile(session, space.space_id, "p")
    doc = service.profile_document(profile)
    assert doc["id"] == "p" and doc["a"] == 1 and "_linkedProfileIds" not in doc
    assert service.profile_document(profile, ["x"])["_linkedProfileIds"] == ["x"]


def test_is_opted_in():
    profile = Profile(id="p", space_id="s", data={}, opt_ins={"sms": False, "email": True})
    defaults = {"sms": True, "push": True, "web": "junk"}
    assert service.is_opted_in(defaults, profile, "sms") is False
    assert service.is_opted_in(defaults, profile, "email") is True
    assert service.is_opted_in(defaults, profile, "push") is True
    assert service.is_opted_in(defaults, profile, "whatsapp") is None
    assert service.is_opted_in(defaults, profile, "web") is None
    assert service.is_opted_in(defaults, None, "sms") is True
    assert service.is_opted_in({}, None, "sms") is None
