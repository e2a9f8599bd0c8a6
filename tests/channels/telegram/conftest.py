import pytest

from tests.channels.vendor_helpers import add_channel
from tests.peers.telegram_bot_api import TelegramPeer

SECRET = "tg-secret_token-1"


@pytest.fixture
def bot():
    peer = TelegramPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
async def tg(space, bot):
    await add_channel(space, "tg", "telegram", "telegram", {"botToken": bot.token, "secretToken": SECRET,
                                                             "baseUrl": bot.url})
    return space
