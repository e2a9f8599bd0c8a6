"""Bounces (RFC 3464 delivery status notifications) sent back to a channel's address move the
outbound message they report on, instead of becoming inbound messages."""
from tests.inbound_email.test_inbound import inbound_of, inbox


def dsn(to: str, original_id: str, action: str, *, as_rfc822: bool = False) -> bytes:
    original = (f"From: {to}\r\nTo: gone@example.com\r\nMessage-ID: <{original_id}>\r\nSubject: hi\r\n")
    attached = (f"Content-Type: message/rfc822\r\n\r\n{original}\r\nthe original text\r\n" if as_rfc822
                else f"Content-Type: text/rfc822-headers\r\n\r\n{original}")
    return (f"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\nTo: {to}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
            "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
            f"Final-Recipient: rfc822; gone@example.com\r\nAction: {action}\r\nStatus: 5.1.1\r\n"
            "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
            f"--B\r\n{attached}\r\n--B--\r\n").encode()


async def sent_message(space, deliver) -> str:
    await space.put("/sandbox/settings", json={"receipt": "none"})
    r = await space.post("/messages", json={"to": {"email": "gone@example.com"}, "body": "hi", "rules": ["email"]})
    await deliver(space)
    mid = r.json()["messageId"]
    assert (await space.get(f"/messages/{mid}")).json()["status"] == "sent"
    return mid


async def test_a_bounce_fails_the_message(app, space, mailer, deliver):
    address = await inbox(space)
    mid = await sent_message(space, deliver)
    await mailer.send_raw("", [address], dsn(address, f"{mid}@onecast.test", "failed"))
    got = (await space.get(f"/messages/{mid}")).json()
    assert got["status"] == "failed"
    details = got["statusHistory"][-1]["details"]
    assert details == {"reason": "Bounced", "permanent": True, "dsnStatus": "5.1.1",
                       "diagnostic": "smtp; 550 5.1.1 User unknown", "recipient": "gone@example.com"}
    assert await inbound_of(app, space) == []


async def test_a_delay_notice_changes_nothing_and_unknown_reports_are_kept(app, space, mailer, deliver):
    address = await inbox(space)
    mid = await sent_message(space, deliver)
    await mailer.send_raw("", [address], dsn(address, f"{mid}@onecast.test", "delayed", as_rfc822=True))
    assert (await space.get(f"/messages/{mid}")).json()["status"] == "sent"
    assert await inbound_of(app, space) == []
    await mailer.send_raw("", [address], dsn(address, "someone-else@elsewhere.test", "failed"))
    (kept,) = await inbound_of(app, space)
    assert kept.request["from"] == {"email": "MAILER-DAEMON@mx.example.com"}
