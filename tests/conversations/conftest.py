import pytest

from tests.appusers.helpers import configure_auth, start_session


@pytest.fixture
def roles():
    return {"owner": {"canSend": True, "canAddParticipants": True, "canRemoveParticipants": True},
            "participant": {"canSend": True, "canAddParticipants": False, "canRemoveParticipants": False}}


@pytest.fixture
async def users(space, anon):
    """alice, bob and carol, each with a session in `space`."""
    await configure_auth(space)
    return {name: await start_session(anon, space.space_id, name) for name in ("alice", "bob", "carol")}
