"""The Email2SMS adaptor: its API, and mail to <number>@<domain> sent on as an SMS (delivered
here by the sandbox provider)."""
import smtplib

import pytest

from tests.inbound_email.conftest import mail


def domain_of(space) -> str:
    return f"sms-{space.space_id[:8]}.example.test"


async def adaptor(space, **settings) -> dict:
    body = {"domain": domain_of(space), "allowedSenders": ["ops@acme.test", "@alerts.acme.test"], **settings}
    r = await space.put("/adaptors/email2sms", json=body)
    assert r.status_code == 200, r.text
    return r.json()


async def sms_messages(space) -> list[dict]:
    return (await space.get("/sandbox/messages", params={"channel": "sms"})).json()


async def test_adaptor_api(space, other_space):
    assert (await space.get("/adaptors/email2sms")).status_code == 404
    created = await adaptor(space, **{"from": "Acme", "content": "subjectAndBody"})
    assert created["domain"] == domain_of(space) and created["enabled"] is True
    assert created["rules"] == ["sms"] and created["from"] == "Acme" and created["maxLength"] == 2000
    got = (await space.get("/adaptors/email2sms")).json()
    assert got == created

    upper = {"domain": domain_of(space).upper(), "allowedSenders": ["OPS@acme.test"], "enabled": False}
    r = await space.put("/adaptors/email2sms", json=upper)
    assert r.status_code == 200 and r.json()["domain"] == domain_of(space)
    assert r.json()["allowedSenders"] == ["ops@acme.test"] and r.json()["enabled"] is False
    assert r.json()["createdOn"] == created["createdOn"]

    r = await other_space.put("/adaptors/email2sms", json={"domain": domain_of(space), "allowedSenders": ["@x.test"]})
    assert r.status_code == 409 and r.json()["code"] == "DomainTaken"
    assert (await other_space.get("/adaptors/email2sms")).status_code == 404

    assert (await space.delete("/adaptors/email2sms")).status_code == 204
    assert (await space.get("/adaptors/email2sms")).status_code == 404
    assert (await space.delete("/adaptors/email2sms")).status_code == 404
    r = await other_space.put("/adaptors/email2sms", json={"domain": domain_of(space), "allowedSenders": ["@x.test"]})
    assert r.status_code == 200  # the domain is free again


@pytest.mark.parametrize("body, field", [
    ({"domain": "not a domain", "allowedSenders": ["a@b.test"]}, "domain"),
    ({"domain": "sms.example.test", "allowedSenders": []}, "allowedSenders"),
    ({"domain": "sms.example.test", "allowedSenders": ["nobody"]}, "allowedSenders"),
    ({"domain": "sms.example.test", "allowedSenders": ["a@b.test\r\nx"]}, "allowedSenders"),
    ({"domain": "sms.example.test", "allowedSenders": ["a@b.test"], "rules": ["sms", "sms"]}, "rules"),
    ({"domain": "sms.example.test", "allowedSenders": ["a@b.test"], "rules": ["nochannel"]}, "rules[0]"),
    ({"domain": "sms.example.test", "allowedSenders": ["a@b.test"], "maxLength": 0}, "maxLength"),
    ({"domain": "sms.example.test", "allowedSenders": ["a@b.test"], "content": "all"}, "content"),
])
async def test_adaptor_validation(space, body, field):
    r = await space.put("/adaptors/email2sms", json=body)
    assert r.status_code == 400, r.text
    assert any(e["field"].removeprefix("body.").startswith(field) for e in r.json()["errors"]), r.json()
    assert (await space.get("/adaptors/email2sms")).status_code == 404


async def test_mail_to_a_number_is_sent_on_as_an_sms(space, mailer, deliver):
    await adaptor(space, **{"from": "Acme", "endMarker": "--"})
    await mailer.send(mail("Ops <ops@acme.test>", f"447700900123@{domain_of(space)}", "ignored subject",
                           text="Server db-1 is down.\n-- \nAcme Ops, 1 Road"), sender="ops@acme.test")
    await mailer.send(mail("pager@alerts.acme.test", f"p447700900124@{domain_of(space)}", "x", text="Disk full"),
                      sender="pager@alerts.acme.test")
    await deliver(space)

    sent = {s["address"]: s for s in await sms_messages(space)}
    assert set(sent) == {"+447700900123", "+447700900124"}
    assert sent["+447700900123"]["payload"]["body"] == "Server db-1 is down."
    assert sent["+447700900123"]["payload"]["options"] == {"from": "Acme"}
    assert sent["+447700900124"]["payload"]["body"] == "Disk full"
    got = (await space.get(f"/messages/{sent['+447700900123']['messageId']}")).json()
    assert got["status"] == "delivered" and got["to"] == {"phoneNumber": "447700900123"}
    assert got["metadata"]["email2sms"]["from"] == "ops@acme.test"
    assert got["_createdBy"] == "access:email2sms"


async def test_content_subject_and_length(space, mailer, deliver):
    await adaptor(space, content="subjectAndBody", maxLength=20)
    await mailer.send(mail("ops@acme.test", f"+447700900125@{domain_of(space)}", "ALERT",
                           html="<p>Everything is on fire right now</p>"), sender="ops@acme.test")
    await deliver(space)
    (sent,) = await sms_messages(space)
    assert sent["payload"]["body"] == "ALERT\nEverything is"  # 20 characters, trailing space trimmed


async def test_refusals(space, mailer):
    await adaptor(space)
    domain = domain_of(space)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await mailer.send(mail("eve@evil.test", f"447700900126@{domain}", "x", text="spam"), sender="eve@evil.test")
    assert refused.value.recipients[f"447700900126@{domain}"][0] == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await mailer.send(mail("ops@acme.test", f"callme@{domain}", "x", text="x"), sender="ops@acme.test")
    assert b"not a phone number" in refused.value.recipients[f"callme@{domain}"][1]
    with pytest.raises(smtplib.SMTPDataError) as empty:
        await mailer.send(mail("ops@acme.test", f"447700900127@{domain}", None, text="   "), sender="ops@acme.test")
    assert empty.value.smtp_code == 550 and b"no text" in empty.value.smtp_error
    await space.put("/adaptors/email2sms", json={"domain": domain, "allowedSenders": ["ops@acme.test"],
                                                 "enabled": False})
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await mailer.send(mail("ops@acme.test", f"447700900128@{domain}", "x", text="x"), sender="ops@acme.test")
    assert await sms_messages(space) == []


async def test_a_refused_sms_refuses_the_whole_mail(app, space, mailer):
    """One transaction per mail: when one recipient's SMS cannot be sent, nothing is stored."""
    from tests.inbound_email.test_inbound import inbound_of, inbox

    address = await inbox(space)
    assert (await space.post("/channels", json={"id": "sms_eu", "type": "sms", "provider": "sandbox"})).status_code == 201
    await adaptor(space, rules=["sms_eu"])
    assert (await space.delete("/channels/sms_eu")).status_code == 204  # the adaptor now names no channel
    number = f"447700900130@{domain_of(space)}"
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await mailer.send(mail("ops@acme.test", f"{number}, {address}", "x", text="hi"), sender="ops@acme.test")
    assert refused.value.smtp_code == 550 and b"sms_eu" in refused.value.smtp_error
    assert await inbound_of(app, space) == []
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900131"}, "body": "x", "rules": ["sms"]})
    assert r.status_code == 201  # the space itself is fine
