"""Mail sent with smtplib to the inbound listener becomes an inbound message on the profile
with the sender's address."""
import base64
import smtplib

import pytest
from sqlalchemy import func, select

from onecast.messages.models import Message
from tests.inbound_email.conftest import mail


async def inbox(space, suffix: str = "support") -> str:
    """A sandbox e-mail channel whose address receives mail (addresses are global: make it unique)."""
    address = f"{suffix}-{space.space_id[:8]}@onecast.test"
    r = await space.post("/channels", json={"id": "email", "type": "email", "provider": "sandbox",
                                           "config": {"fromAddress": address}})
    assert r.status_code == 201, r.text
    return address


async def inbound_of(app, space) -> list[Message]:
    async with app.state.db.read() as session:
        return list((await session.execute(select(Message).where(
            Message.space_id == space.space_id, Message.direction == "inbound"))).scalars())


async def inbound_count(app) -> int:
    async with app.state.db.read() as session:
        return (await session.execute(select(func.count()).select_from(Message)
                                      .where(Message.direction == "inbound"))).scalar_one()


async def test_mail_becomes_an_inbound_message_on_the_senders_profile(app, space, mailer):
    address = await inbox(space)
    await space.post("/profiles", json={"id": "ann", "email": "ann@example.com"})
    message = mail("Ann <ann@example.com>", address, "Where is my order?", text="Order 42, please.",
                   html="<p>Order <b>42</b>, please.</p>")
    message.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="photo.png")
    refused = await mailer.send(message)
    assert refused == {}

    history = (await space.get("/profiles/ann/messages")).json()
    assert len(history) == 1 and history[0]["direction"] == "inbound"
    assert history[0]["channelId"] == "email"
    assert history[0]["message"]["title"] == "Where is my order?"
    assert history[0]["message"]["body"].strip() == "Order 42, please."
    (stored,) = await inbound_of(app, space)
    assert stored.id == history[0]["messageId"] and stored.profile_id == "ann"
    assert stored.request["from"] == {"email": "ann@example.com"}
    assert stored.request["to"] == {"email": address}
    parts = stored.request["messageParts"]
    assert parts[0] == {"type": "text/html", "data": "<p>Order <b>42</b>, please.</p>\n"}
    assert parts[1]["type"] == "image/png" and parts[1]["name"] == "photo.png"
    assert base64.b64decode(parts[1]["data"]) == b"\x89PNG fake"
    assert stored.request["channelData"] == {"envelopeFrom": "ann@example.com"}


async def test_mail_text_with_a_nul_is_stored_without_it(app, space, mailer):
    """A NUL in a mail (PostgreSQL cannot store it) is dropped, not a reason to refuse the mail."""
    address = await inbox(space)
    refused = await mailer.send(mail("ann@example.com", address, "Hi", text="before\x00after"))
    assert refused == {}
    (stored,) = await inbound_of(app, space)
    assert stored.body.strip() == "beforeafter" and "\x00" not in str(stored.request)


async def test_reply_is_correlated_to_the_message_it_answers(app, space, mailer, deliver):
    address = await inbox(space)
    r = await space.post("/messages", json={"to": {"email": "bob@example.com"}, "title": "Hello",
                                           "body": "Hi Bob", "rules": ["email"], "metadata": {"campaign": "c1"}})
    mid = r.json()["messageId"]
    await deliver(space)
    await mailer.send(mail("bob@example.com", address, "Re: Hello", text="Thanks!",
                           In_Reply_To=f"<{mid}@onecast.test>", References=f"<other@x.test> <{mid}@onecast.test>"))
    (reply,) = await inbound_of(app, space)
    assert reply.request["correlation"] == {"messageId": mid, "metadata": {"campaign": "c1"}}
    assert reply.body.strip() == "Thanks!"


async def test_html_only_mail_gets_a_text_body(app, space, mailer):
    address = await inbox(space)
    await mailer.send(mail("carol@example.com", address, None,
                           html="<html><head><style>p{}</style></head><body><p>Line one</p><p>Line &amp; two</p>"
                                "</body></html>"))
    (got,) = await inbound_of(app, space)
    assert got.body == "Line one\n\nLine & two" and got.title is None


async def test_unknown_recipients_are_refused_at_rcpt(app, space, mailer):
    await inbox(space)
    before = await inbound_count(app)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await mailer.send(mail("eve@example.com", "nobody@onecast.test", "hi", text="x"))
    code, text = refused.value.recipients["nobody@onecast.test"]
    assert code == 550 and b"No such mailbox" in text
    assert await inbound_count(app) == before


async def test_disabled_channels_and_deleted_spaces_receive_nothing(app, space, mailer):
    address = await inbox(space)
    r = await space.put("/channels/email", json={"type": "email", "provider": "sandbox", "enabled": False,
                                                "config": {"fromAddress": address}})
    assert r.status_code == 200
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await mailer.send(mail("eve@example.com", address, "hi", text="x"))


async def test_one_mail_to_two_spaces_lands_in_both(app, space, other_space, mailer):
    first, second = await inbox(space, "sales"), await inbox(other_space, "sales")
    await mailer.send(mail("dan@example.com", f"{first}, {second}", "both", text="hello both"))
    for each in (space, other_space):
        (got,) = await inbound_of(app, each)
        assert got.body.strip() == "hello both"


async def test_inbound_addresses_and_the_email_smtp_channel(space, mailer):
    alias = f"help-{space.space_id[:8]}@onecast.test"
    r = await space.post("/channels", json={"id": "mail", "type": "email", "provider": "email_smtp", "config": {
        "host": "127.0.0.1", "port": 25, "security": "none", "fromAddress": f"noreply-{space.space_id[:8]}@x.test",
        "inboundAddresses": [alias.upper()]}})
    assert r.status_code == 201, r.text
    await space.post("/profiles", json={"id": "erin", "email": "erin@example.com"})
    await mailer.send(mail("erin@example.com", alias, "via alias", text="found me"))
    history = (await space.get("/profiles/erin/messages")).json()
    assert [(h["channelId"], h["message"]["body"].strip()) for h in history] == [("mail", "found me")]


async def test_listener_offers_starttls_and_takes_odd_mail(app, settings, space, tmp_path):
    import asyncio
    import dataclasses
    import ssl

    from onecast.inbound_email.listener import run, start_listener
    from tests.peers.smtp_server import free_port
    from tests.peers.tls import self_signed

    stop = asyncio.Event()
    stop.set()
    await asyncio.wait_for(run(app.state.db, settings, stop), 5)  # off by default: returns at once

    cert = self_signed(tmp_path)
    listening = dataclasses.replace(settings, inbound_smtp_enabled=True, inbound_smtp_port=free_port(),
                                    inbound_smtp_tls_cert=str(cert.cert_file), inbound_smtp_tls_key=str(cert.key_file))
    server = await start_listener(app.state.db, listening)
    address = await inbox(space)
    raw = (f"From: =?utf-8?q?Fr=C3=A9d?= <fred@example.com>\r\nTo: {address}\r\nSubject: =?bogus?q?x?=\r\n"
           "Content-Type: text/plain; charset=x-unknown\r\n\r\nbonjour \xe9t\xe9\r\n").encode("latin-1")

    def send() -> bool:
        with smtplib.SMTP("127.0.0.1", listening.inbound_smtp_port, timeout=10) as client:
            client.starttls(context=ssl.create_default_context(cadata=cert.cert_pem))
            client.sendmail("fred@example.com", [address], raw)
            return client.sock.version() is not None

    try:
        assert await asyncio.to_thread(send)
    finally:
        server.close()
        await server.wait_closed()
    (got,) = await inbound_of(app, space)
    assert got.request["from"] == {"email": "fred@example.com"}
    assert got.body.startswith("bonjour")


async def test_a_taken_port_is_reported_and_the_service_ends(app, settings):
    import asyncio
    import dataclasses
    import socket

    from onecast.inbound_email.listener import run

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listening = dataclasses.replace(settings, inbound_smtp_enabled=True,
                                        inbound_smtp_port=taken.getsockname()[1])
        stop = asyncio.Event()  # never set: run must return on its own
        await asyncio.wait_for(run(app.state.db, listening, stop), 10)
