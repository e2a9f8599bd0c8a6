import pytest

from tests.channels.conftest import meta_notifier
from tests.channels.vendor_helpers import add_channel

APP_SECRET = "wa-app-secret"


@pytest.fixture
async def wa(space, graph):
    """A space with a WhatsApp Cloud channel `wa` pointed at the Graph API peer."""
    await add_channel(space, "wa", "whatsApp", "whatsapp_cloud", {
        "phoneNumberId": graph.phone_number_id, "accessToken": graph.wa_token, "appSecret": APP_SECRET,
        "verifyToken": "verify-me", "baseUrl": graph.url})
    return space


@pytest.fixture
def notify(anon):
    return meta_notifier(anon, "whatsapp", "wa", APP_SECRET)
