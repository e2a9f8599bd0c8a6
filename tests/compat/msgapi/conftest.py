import pytest

from tests.compat.msgapi.client import MsgApi


@pytest.fixture
def api(space) -> MsgApi:
    return MsgApi(space)
