"""The channel capability table: content a channel cannot carry is refused at send time or
degraded as documented, never dropped."""
import base64

import pytest

from onecast.channels import capabilities
from onecast.channels.types import BUILTIN_TYPES, CUSTOM_TYPE

IMAGE = {"type": "image/png", "url": "https://cdn.example.com/i.png", "name": "photo"}
CONTACTS = {"type": "application/vnd.onecast.contacts+json", "data": {"contacts": [{"name": {"formatted_name": "A"}}]}}
TEMPLATE = {"type": "whatsapp/template", "data": {"name": "hello", "language": "en"}}


def test_every_channel_type_has_both_directions():
    for channel_type in (*BUILTIN_TYPES, CUSTOM_TYPE):
        assert "text" in capabilities.OUTBOUND[channel_type] or channel_type == "nativePush"
        assert channel_type in capabilities.INBOUND


async def refused(space, rules, parts, **extra):
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900500", "fbMessengerId": "p"},
                                           "rules": rules, "messageParts": parts, **extra})
    assert r.status_code == 400, r.text
    return r.json()


async def test_what_cannot_be_carried_or_degraded_is_refused(space):
    problem = await refused(space, ["fbMessenger"], [{"type": "text/plain", "data": "x"}, CONTACTS])
    assert problem["code"] == "ContentNotSupported"
    assert problem["errors"][0]["field"] == "messageParts[1]"
    assert "fbMessenger" in problem["detail"] and "contacts" in problem["detail"]
    inline = {"type": "image/png", "data": base64.b64encode(b"png").decode()}
    assert (await refused(space, ["sms"], [inline]))["code"] == "ContentNotSupported"
    assert (await refused(space, ["whatsApp", "sms"], [TEMPLATE]))["code"] == "ContentNotSupported"
    assert (await refused(space, ["whatsApp"], [TEMPLATE, {"type": "text/plain", "data": "x"}]))["code"] == \
        "TemplateNotAlone"
    assert (await refused(space, ["whatsApp", "sms"], [{**TEMPLATE, "channels": ["whatsApp"]}]))["code"] == \
        "NoContentForChannel"
    many = {"type": "application/vnd.onecast.buttons+json",
            "data": {"text": "?", "buttons": [{"id": str(i), "title": str(i)} for i in range(4)]}}
    assert (await refused(space, ["whatsApp"], [many]))["code"] == "TooManyButtons"
    bad_template = {"type": "whatsapp/template", "data": {"name": "x"}}
    problem = await refused(space, ["whatsApp"], [bad_template])
    assert problem["errors"][0]["field"] == "messageParts[0].data.language"


async def test_template_for_whatsapp_with_text_for_sms_is_accepted(space, deliver):
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900501"}, "rules": ["whatsApp", "sms"],
                                           "messageParts": [{**TEMPLATE, "channels": ["whatsApp"]},
                                                            {"type": "text/plain", "data": "hi", "channels": ["sms"]}]})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("part, expected", [
    (IMAGE, "photo: https://cdn.example.com/i.png"),
    ({"type": "application/vnd.onecast.location+json", "data": {"latitude": 51.5, "longitude": -0.1, "name": "Shop"}},
     "Shop https://www.google.com/maps/search/?api=1&query=51.5,-0.1"),
])
async def test_media_and_locations_degrade_to_links_on_sms(space, deliver, part, expected):
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900502"}, "rules": ["sms"],
                                           "messageParts": [{"type": "text/plain", "data": "See"}, part]})
    assert r.status_code == 201, r.text
    await deliver(space)
    [sent] = (await space.get("/sandbox/messages", params={"messageId": r.json()["messageId"]})).json()
    assert sent["payload"]["parts"] == [{"type": "text/plain", "data": f"See\n{expected}"}]


async def test_custom_channels_and_custom_body_carry_anything(space):
    await space.post("/channels", json={"id": "crm", "type": "custom", "provider": "sandbox",
                                        "config": {"idField": "crmId"}})
    r = await space.post("/messages", json={"to": {"crmId": "1"}, "rules": ["crm"], "messageParts": [CONTACTS]})
    assert r.status_code == 201, r.text
    r = await space.post("/messages", json={"to": {"fbMessengerId": "p"}, "rules": ["fbMessenger"],
                                           "messageParts": [CONTACTS], "customBody": {"fbMessenger": {"text": "x"}}})
    assert r.status_code == 201, r.text
