"""A sending server delivers a mail again when it is unsure we took it (a lost 250 after DATA):
the same Message-ID to the same address is stored once; another address of the same mail is not
a repeat."""

from tests.inbound_email.conftest import mail
from tests.inbound_email.test_inbound import inbound_of


async def test_the_same_message_id_is_stored_once_per_address(app, space, mailer):
    address, second_address = (f"{name}-{space.space_id[:8]}@onecast.test" for name in ("support", "sales"))
    r = await space.post(
        "/channels",
        json={
            "id": "email",
            "type": "email",
            "provider": "sandbox",
            "config": {"fromAddress": address, "inboundAddresses": [second_address]},
        },
    )
    assert r.status_code == 201, r.text
    message = mail("ann@example.com", address, "Order 42", text="Where is it?", Message_ID="<abc-42@example.com>")
    assert await mailer.send(message) == {}
    assert await mailer.send(message) == {}  # accepted again (250), stored once
    assert [m.title for m in await inbound_of(app, space)] == ["Order 42"]
    assert (await inbound_of(app, space))[0].request["channelData"]["messageId"] == "<abc-42@example.com>"
    other = mail("ann@example.com", address, "Order 43", text="And this?", Message_ID="<abc-43@example.com>")
    assert await mailer.send(other) == {}
    assert sorted(m.title for m in await inbound_of(app, space)) == ["Order 42", "Order 43"]
    assert await mailer.send(message, recipients=[second_address]) == {}
    assert len(await inbound_of(app, space)) == 3
