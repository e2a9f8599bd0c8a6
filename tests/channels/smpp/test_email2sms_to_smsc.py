"""Issue 3's whole path: a mail to <number>@<domain> arrives at the inbound SMTP listener, the
Email2SMS adaptor sends it on as an SMS, and the SMSC peer receives it over SMPP; its receipt
makes the message delivered."""
from sqlalchemy import select

from onecast.messages.models import Message
from tests.channels.smpp.test_send_and_receipts import wait_status
from tests.inbound_email.conftest import mail, mailer  # noqa: F401 - the listener fixture


async def test_mail_reaches_the_smsc_as_an_sms(app, space, smsc, smpp_channel, bind_keeper, mailer, deliver):  # noqa: F811
    await smpp_channel(**{"from": "Alerts"})
    domain = f"sms-{space.space_id[:8]}.example.test"
    r = await space.put("/adaptors/email2sms", json={"domain": domain, "allowedSenders": ["ops@acme.test"],
                                                     "rules": ["sms"]})
    assert r.status_code == 200, r.text
    await mailer.send(mail("ops@acme.test", f"447700900123@{domain}", "x", text="Database db-1 is down"),
                      sender="ops@acme.test")
    await deliver(space)
    await smsc.wait_for(lambda: smsc.texts() == ["Database db-1 is down"])
    submitted = smsc.submitted[0]
    assert (submitted.source, submitted.destination) == ("Alerts", "447700900123")
    async with app.state.db.read() as session:
        (message_id,) = (await session.execute(select(Message.id).where(
            Message.space_id == space.space_id, Message.direction == "outbound"))).scalars()
    message = await wait_status(space, message_id, "delivered")
    assert message["metadata"]["email2sms"]["from"] == "ops@acme.test"
