"""Token lifetimes: the FCM access token is reused until shortly before `expires_in` runs out;
the APNs provider token is an ES256 JWT (kid, iss, iat) reused for 50 minutes."""
import httpx
import jwt

from onecast.channels.push_apns.client import ProviderToken
from onecast.channels.push_fcm.oauth import ServiceAccountToken
from tests.peers.keys import EcKey


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_access_token_lives_until_shortly_before_it_expires(fcm):
    clock = Clock()
    async with httpx.AsyncClient() as http:
        token = ServiceAccountToken(fcm.config["serviceAccount"], http, clock=clock)
        first = await token.get()
        clock.now += 3600 - 61
        assert await token.get() == first and fcm.peer.token_requests == 1
        clock.now += 2
        second = await token.get()
        assert second != first and fcm.peer.token_requests == 2
        assert set(fcm.peer.access_tokens) == {first, second} and not fcm.peer.rejected_assertions


def test_provider_token_is_an_es256_jwt_reused_for_50_minutes():
    key, clock = EcKey.generate(), Clock()
    provider = ProviderToken("TEAMID1234", "KEYID12345", key.private_pem, clock=clock)
    first = provider.get()
    assert jwt.get_unverified_header(first) == {"alg": "ES256", "kid": "KEYID12345", "typ": "JWT"}
    claims = jwt.decode(first, key.public_pem, algorithms=["ES256"], issuer="TEAMID1234")
    assert set(claims) == {"iss", "iat"}
    clock.now += 49 * 60
    assert provider.get() == first
    clock.now += 60
    assert provider.get() != first
