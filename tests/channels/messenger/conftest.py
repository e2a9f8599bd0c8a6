import pytest

from tests.channels.conftest import meta_notifier
from tests.channels.vendor_helpers import add_channel

APP_SECRET = "fb-app-secret"


async def add_messenger(space, graph) -> None:
    """A Messenger channel `fb` pointed at the Graph API peer."""
    await add_channel(space, "fb", "fbMessenger", "messenger", {
        "pageId": graph.page_id, "pageAccessToken": graph.page_token, "appSecret": APP_SECRET,
        "verifyToken": "fb-verify", "baseUrl": graph.url})


@pytest.fixture
async def fb(space, graph):
    """A space with a Messenger channel `fb` pointed at the Graph API peer."""
    await add_messenger(space, graph)
    return space


@pytest.fixture
def notify(anon):
    return meta_notifier(anon, "messenger", "fb", APP_SECRET)
