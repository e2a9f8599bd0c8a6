"""The email_smtp provider end to end: POST /messages -> worker -> a real aiosmtpd server,
asserting on what the server received."""
import base64

import pytest

from tests.channels.email.conftest import email_channel


async def send(space, **body):
    request = {"to": {"email": "ann@example.com"}, "rules": ["email"], **body}
    r = await space.post("/messages", json=request)
    assert r.status_code == 201, r.text
    return r.json()["messageId"]


async def message(space, mid):
    return (await space.get(f"/messages/{mid}")).json()


async def test_text_email_through_the_api_is_received_and_sent(space, deliver, smtp_peer):
    peer = smtp_peer()
    await email_channel(space, peer)
    mid = await send(space, title="Your order", body="It ships today.")
    await deliver(space)

    got = await message(space, mid)
    assert got["status"] == "sent"
    (received,) = peer.received
    email = received.message
    assert received.mail_from == "news@onecast.test" and received.rcpt_tos == ["ann@example.com"]
    assert email["From"] == "Onecast News <news@onecast.test>"
    assert email["To"] == "ann@example.com" and email["Subject"] == "Your order"
    assert email["Message-ID"] == f"<{mid}@onecast.test>"
    assert email["Date"] and email["MIME-Version"] == "1.0"
    assert email.get_content_type() == "text/plain" and email.get_content().strip() == "It ships today."
    sent = next(h for h in got["statusHistory"] if h["status"] == "sent")
    assert sent["details"]["providerMessageId"] == email["Message-ID"]
    assert sent["details"]["smtpResponse"].startswith("2.0.0 Ok")


async def test_html_and_text_make_multipart_alternative_with_unicode(space, deliver, smtp_peer):
    peer = smtp_peer()
    await email_channel(space, peer)
    await send(space, title="Grüße — 📦 unterwegs", body="Hallo Jürgen, dein Paket ist unterwegs.",
               channelOptions={"email": {"htmlBody": "<p>Hallo <b>Jürgen</b></p>", "fromName": "Läden GmbH"}})
    await deliver(space)

    (received,) = peer.received
    email = received.message
    raw = received.raw.decode("ascii")  # everything on the wire is 7-bit: encoded words and QP/base64
    assert "Subject: =?utf-8?" in raw and "Grüße" not in raw
    assert email["Subject"] == "Grüße — 📦 unterwegs"
    assert str(email["From"]) == "Läden GmbH <news@onecast.test>"
    assert email.get_content_type() == "multipart/alternative"
    text, html = email.iter_parts()
    assert text.get_content_type() == "text/plain" and text.get_content_charset() == "utf-8"
    assert text["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
    assert text.get_content().strip() == "Hallo Jürgen, dein Paket ist unterwegs."
    assert html.get_content_type() == "text/html" and html.get_content().strip() == "<p>Hallo <b>Jürgen</b></p>"


async def test_message_parts_give_body_html_and_attachments(space, deliver, smtp_peer, file_server):
    base, files = file_server
    logo = bytes(range(256)) * 4
    files["/img/logo.png"] = ("image/png", logo)
    pdf = b"%PDF-1.4 invoice"
    peer = smtp_peer()
    await email_channel(space, peer)
    await send(space, title="Invoice", messageParts=[
        {"type": "text/plain", "name": "Body text", "data": "Your invoice is attached."},
        {"type": "text/html", "data": "<p>Your invoice is attached.</p>"},
        {"type": "application/pdf", "name": "invoice 42.pdf", "data": base64.b64encode(pdf).decode()},
        {"type": "image/png", "url": f"{base}/img/logo.png"},
        {"type": "text/plain", "data": "only for sms", "channels": ["sms"]},
    ])
    await deliver(space)

    email = peer.received[0].message
    assert email.get_content_type() == "multipart/mixed"
    body, *attachments = email.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert "only for sms" not in peer.received[0].raw.decode()
    by_name = {a.get_filename(): a for a in email.iter_attachments()}
    assert set(by_name) == {"invoice 42.pdf", "logo.png"}
    assert by_name["invoice 42.pdf"].get_content() == pdf
    assert by_name["invoice 42.pdf"]["Content-Transfer-Encoding"] == "base64"
    assert by_name["logo.png"].get_content_type() == "image/png" and by_name["logo.png"].get_content() == logo
    assert len(attachments) == 2


async def test_bad_attachments_fail_permanently(space, deliver, smtp_peer, file_server):
    base, _files = file_server
    peer = smtp_peer()
    await email_channel(space, peer)
    missing = await send(space, messageParts=[{"type": "image/png", "url": f"{base}/nope.png"}])
    garbled = await send(space, messageParts=[{"type": "application/pdf", "name": "x.pdf", "data": "not base64!"}])
    await deliver(space)
    for mid, code in ((missing, "AttachmentFetchFailed"), (garbled, "AttachmentInvalid")):
        got = await message(space, mid)
        assert got["status"] == "failed" and got["attempts"] == 1
        assert got["statusHistory"][-1]["details"]["reason"] == code
    assert peer.received == []


async def test_an_attachment_redirected_to_an_internal_address_is_not_fetched(space, deliver, smtp_peer,
                                                                              file_server):
    """Loopback is allowed in these tests, the metadata address is not: the redirect hop is checked."""
    base, files = file_server
    files["/moved.txt"] = ("redirect", b"http://169.254.169.254/latest/meta-data/")
    peer = smtp_peer()
    await email_channel(space, peer)
    mid = await send(space, messageParts=[{"type": "text/plain", "name": "m.txt", "url": f"{base}/moved.txt"}])
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "failed" and got["attempts"] == 1, got
    assert got["statusHistory"][-1]["details"]["reason"] == "AttachmentBlocked"
    assert peer.received == []


async def test_header_injection_is_refused(space, deliver, smtp_peer):
    peer = smtp_peer()
    await email_channel(space, peer)
    subject = await send(space, title="Hi\r\nBcc: victim@example.com", body="x")
    name = await send(space, body="x", channelOptions={"email": {"fromName": "Evil\nBcc: victim@example.com"}})
    await space.post("/profiles", json={"id": "p-inj", "email": "ann@example.com\r\nBcc: victim@example.com"})
    to = await send(space, to={"profileId": "p-inj"}, body="x")
    await deliver(space)
    for mid in (subject, name, to):
        got = await message(space, mid)
        assert got["status"] == "failed", got
        assert got["statusHistory"][-1]["details"]["reason"] == "HeaderInjection"
    assert peer.received == []


async def test_connections_are_reused_across_sends(space, deliver, smtp_peer):
    peer = smtp_peer()
    await email_channel(space, peer, poolSize=2)
    mids = [await send(space, to={"email": f"user{i}@example.com"}, body=f"n{i}") for i in range(8)]
    await deliver(space)
    assert [(await message(space, mid))["status"] for mid in mids] == ["sent"] * 8
    assert len(peer.received) == 8
    connections = {r.peer for r in peer.received}
    assert 1 <= len(connections) <= 2


async def test_a_dropped_connection_is_replaced_without_a_failed_attempt(app, settings, space, smtp_peer):
    from onecast.delivery.worker import Worker

    peer = smtp_peer()
    await email_channel(space, peer, poolSize=1)
    first = await send(space, body="one")
    worker = Worker(app.state.db, settings)  # one worker, so one provider pool, throughout
    try:
        await worker.drain()
        assert (await message(space, first))["status"] == "sent"
        peer.restart()  # the server goes away, and its connections with it
        second = await send(space, body="two")
        await worker.drain()
        got = await message(space, second)
        assert got["status"] == "sent" and got["attempts"] == 1
        assert [r.message.get_content().strip() for r in peer.received] == ["one", "two"]
        assert peer.received[0].peer != peer.received[1].peer
    finally:
        await worker.pool.close()


async def test_4xx_is_retried_then_sent(space, deliver, smtp_peer):
    peer = smtp_peer()
    peer.handler.refuse("busy@example.com", "451 4.7.1 Greylisted, try again", times=2)
    await email_channel(space, peer)
    mid = await send(space, to={"email": "busy@example.com"}, body="x")
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "sent" and got["attempts"] == 3
    assert [h["status"] for h in got["statusHistory"]] == ["processing", "retrying", "retrying", "sent"]
    retry = got["statusHistory"][1]["details"]
    assert retry["reason"] == "SmtpTemporaryFailure" and retry["smtpCode"] == 451 and retry["stage"] == "RCPT"
    assert len(peer.handler.to("busy@example.com")) == 1


async def test_5xx_fails_permanently_and_falls_back_to_the_next_rule(space, deliver, smtp_peer):
    peer = smtp_peer()
    peer.handler.refuse("gone@example.com", "550 5.1.1 No such user")
    await email_channel(space, peer)
    r = await space.post("/messages", json={"to": {"email": "gone@example.com", "phoneNumber": "447700900310"},
                                           "body": "x", "rules": ["email", "sms"]})
    mid = r.json()["messageId"]
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "delivered" and got["statusDetails"]["channel"] == "sms"
    failed = got["statusDetails"]["failedChannels"][0]
    assert failed["channel"] == "email" and failed["reason"] == "SmtpRejected" and failed["smtpCode"] == 550
    assert failed["attempt"] == 1  # no retry of a permanent refusal
    assert peer.received == []
    sms = (await space.get("/sandbox/messages", params={"messageId": mid})).json()
    assert [s["channel"] for s in sms] == ["sms"]


@pytest.mark.parametrize("password", ["s3cret", "wrong"])
async def test_starttls_with_auth_and_a_self_signed_certificate(space, deliver, smtp_peer, cert, password):
    peer = smtp_peer(cert=cert, mode="starttls", users={"mailer": "s3cret"})
    await email_channel(space, peer, security="starttls", username="mailer", password=password,
                        caCertificate=cert.cert_pem)
    mid = await send(space, body="secret stuff")
    await deliver(space)
    got = await message(space, mid)
    if password == "wrong":  # refused at AUTH: permanent, no retry, nothing sent
        assert got["status"] == "failed" and got["attempts"] == 1
        details = got["statusHistory"][-1]["details"]
        assert details["reason"] == "SmtpAuthFailed" and details["smtpCode"] == 535
        assert peer.received == []
        return
    assert got["status"] == "sent"
    (received,) = peer.received
    assert received.tls is True and received.login == "mailer"


async def test_implicit_tls(space, deliver, smtp_peer, cert):
    peer = smtp_peer(cert=cert, mode="tls")
    await email_channel(space, peer, security="tls", caCertificate=cert.cert_pem)
    mid = await send(space, body="over tls")
    await deliver(space)
    assert (await message(space, mid))["status"] == "sent"
    assert peer.received[0].tls is True


async def test_an_untrusted_certificate_fails_permanently(space, deliver, smtp_peer, cert):
    peer = smtp_peer(cert=cert, mode="starttls")
    await email_channel(space, peer, security="starttls")  # the test CA is not trusted
    mid = await send(space, body="x")
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "failed" and got["attempts"] == 1
    assert got["statusHistory"][-1]["details"]["reason"] == "SmtpTlsFailed"
    assert peer.received == []


async def test_an_unreachable_server_is_retried(space, deliver, settings):
    from tests.peers.smtp_server import free_port

    r = await space.post("/channels", json={"id": "email", "type": "email", "provider": "email_smtp", "config": {
        "host": "127.0.0.1", "port": free_port(), "security": "none", "fromAddress": "a@onecast.test"}})
    assert r.status_code == 201
    mid = await send(space, body="x")
    await deliver(space)
    got = await message(space, mid)
    assert got["status"] == "failed" and got["attempts"] == settings.max_attempts
    assert {h["details"].get("reason") for h in got["statusHistory"][1:]} == {"SmtpUnavailable"}


async def test_channel_config_is_validated(space):
    def body(**config):
        return {"id": "email", "type": "email", "provider": "email_smtp", "config": config}

    cases = [
        (body(fromAddress="a@b.test"), "config.host"),
        (body(host="smtp.test", fromAddress="a@b.test", security="ssl"), "config.security"),
        (body(host="smtp.test", fromAddress="a@b.test\r\nBcc: x@y.test"), "config.fromAddress"),
        (body(host="smtp.test", fromAddress="not-an-address"), "config.fromAddress"),
        (body(host="smtp.test", fromAddress="a@b.test", port=70000), "config.port"),
        (body(host="smtp.test", fromAddress="a@b.test", username="u"), "config.username"),
        (body(host="smtp.test", fromAddress="a@b.test", fromName="A\nB"), "config.fromName"),
        (body(host="smtp.test", fromAddress="a@b.test", inboundAddresses=["x"]), "config.inboundAddresses[0]"),
    ]
    for request, field in cases:
        r = await space.post("/channels", json=request)
        assert r.status_code == 400, (request, r.text)
        assert r.json()["code"] == "ChannelConfigInvalid" and r.json()["errors"][0]["field"] == field, r.text
    r = await space.post("/channels", json=body(host="smtp.test", fromAddress="a@b.test"))
    assert r.status_code == 201
    r = await space.put("/channels/email", json={"type": "email", "provider": "email_smtp", "config": {}})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "config.host"


async def test_the_ehlo_name_is_the_channels_ehlo_name(space, deliver, smtp_peer):
    peer = smtp_peer()
    await email_channel(space, peer, ehloName="mta1.onecast.test")
    await send(space, title="Hi", body="EHLO check")
    await deliver(space)
    (received,) = peer.received
    assert received.ehlo == "mta1.onecast.test"


@pytest.mark.parametrize("bad", ["has space", "a..b", "-lead.example", "[not-an-ip]", "x\r\nRSET", 42])
async def test_an_ehlo_name_that_is_no_host_name_is_refused(space, smtp_peer, bad):
    r = await space.post("/channels", json={"id": "email", "type": "email", "provider": "email_smtp", "config": {
        "host": "127.0.0.1", "port": 2525, "security": "none", "fromAddress": "a@onecast.test", "ehloName": bad}})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "config.ehloName"
