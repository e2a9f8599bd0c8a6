"""shortenLinks on SMS: links become Onecast short links; a click redirects and records
interaction.click."""
import re

import pytest
from sqlalchemy import select

from onecast.kit.models import Event
from onecast.links import service
from onecast.links.models import ShortLink
from tests.conftest import SpaceClient, app_with

SHORT = re.compile(r"https?://[^\s]+/l/([A-Za-z0-9]{8})")


@pytest.fixture
async def space(app, settings, space):
    """The space, spoken to through an app whose settings (not the environment) name the links host."""
    async with app_with(settings, links_base_url="https://go.example.test") as client:
        yield SpaceClient(client, space.space_id, space.key)


async def sent_body(space, message_id, channel="sms"):
    rows = (await space.get("/sandbox/messages", params={"messageId": message_id})).json()
    return next(r for r in rows if r["channel"] == channel)["payload"]["body"]


def test_rewrite_modes():
    made = []

    def shorten(url):
        made.append(url)
        return f"<{len(made)}>"

    text = "See https://shop.example/a?b=1. Or @http://x.example/p, not ftp://y or mail@example.com!"
    assert service.rewrite(text, "on", shorten) == "See <1>. Or <2>, not ftp://y or mail@example.com!"
    assert made == ["https://shop.example/a?b=1", "http://x.example/p"]
    made.clear()
    assert service.rewrite(text, "marked", shorten) == ("See https://shop.example/a?b=1. Or <1>, not ftp://y "
                                                         "or mail@example.com!")
    assert made == ["http://x.example/p"]


async def test_on_shortens_sms_and_a_click_redirects_and_records(app, space, anon, deliver):
    r = await space.post("/messages", json={
        "to": {"phoneNumber": "447700900401", "email": "s@example.com"}, "rules": ["sms"], "shortenLinks": "on",
        "body": "Track https://shop.example/orders/12345?utm=sms now", "metadata": {"campaign": "c1"}})
    assert r.status_code == 201, r.text
    message_id = r.json()["messageId"]
    await deliver(space)
    body = await sent_body(space, message_id)
    match = SHORT.search(body)
    assert match and body.startswith("Track https://go.example.test/l/") and body.endswith(" now"), body
    code = match.group(1)

    click = await anon.get(f"/l/{code}", headers={"User-Agent": "phone"}, follow_redirects=False)
    assert click.status_code == 302 and click.headers["location"] == "https://shop.example/orders/12345?utm=sms"
    await anon.get(f"/l/{code}", follow_redirects=False)
    async with app.state.db.read() as session:
        link = await session.get(ShortLink, code)
        events = (await session.execute(select(Event).where(Event.name == "interaction.click",
                                                            Event.entity_id == message_id).order_by(Event.seq))
                  ).scalars().all()
    assert link.clicks == 2 and link.space_id == space.space_id and link.channel == "sms"
    assert [e.revision for e in events] == [1, 2] and events[0].space_id == space.space_id
    assert events[0].payload["url"] == "https://shop.example/orders/12345?utm=sms"
    assert events[0].payload["messageId"] == message_id and events[0].payload["userAgent"] == "phone"

    unknown = await anon.get("/l/zzzzzzzz", follow_redirects=False)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")


async def test_marked_only_and_other_channels_untouched(space, deliver):
    r = await space.post("/messages", json={
        "to": {"phoneNumber": "447700900402", "email": "m@example.com"}, "rules": ["sms", "email"],
        "shortenLinks": "marked", "body": "A https://plain.example and @https://marked.example/x"})
    assert r.status_code == 201, r.text
    await space.put("/sandbox/settings", json={"failChannels": {"sms": "permanent"}})
    await deliver(space)
    # sms failed; the email fallback carries the body with its links untouched
    assert await sent_body(space, r.json()["messageId"], "email") == r.json()["body"]
    await space.put("/sandbox/settings", json={})
    r = await space.post("/messages", json={
        "to": {"phoneNumber": "447700900402"}, "rules": ["sms"], "shortenLinks": "marked",
        "body": "A https://plain.example and @https://marked.example/x"})
    await deliver(space)
    body = await sent_body(space, r.json()["messageId"])
    assert body.startswith("A https://plain.example and https://go.example.test/l/"), body
    assert "@" not in body


async def test_off_by_default_and_segments_counted_on_short_text(space, deliver):
    long_url = "https://shop.example/" + "p" * 200
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900403"}, "rules": ["sms"],
                                            "body": f"Go {long_url}"})
    await deliver(space)
    assert await sent_body(space, r.json()["messageId"]) == f"Go {long_url}"
    assert (await space.get(f"/messages/{r.json()['messageId']}")).json()["segmentCount"] == 2
    r = await space.post("/messages", json={"to": {"phoneNumber": "447700900403"}, "rules": ["sms"],
                                            "body": f"Go {long_url}", "shortenLinks": "on"})
    await deliver(space)
    assert (await space.get(f"/messages/{r.json()['messageId']}")).json()["segmentCount"] == 1


async def test_template_with_links(space, deliver):
    await space.post("/templates", json={"id": "link", "name": "link", "messageParts": [
        {"type": "text/plain", "data": "Pay at https://pay.example/{{ data.invoice }}"}]})
    r = await space.post("/messages", json={"templateId": "link", "templateData": {"invoice": "INV-9"},
                                            "to": {"phoneNumber": "447700900404"}, "rules": ["sms"],
                                            "shortenLinks": "on"})
    assert r.status_code == 201, r.text
    await deliver(space)
    code = SHORT.search(await sent_body(space, r.json()["messageId"])).group(1)
    got = await space.client.get(f"/l/{code}", follow_redirects=False)
    assert got.headers["location"] == "https://pay.example/INV-9"
