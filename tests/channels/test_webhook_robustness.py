"""Vendors' webhooks are public: any JSON a vendor (or anyone holding the secret) could post gets
an answer below 500. Each valid notification is mutated one subtree at a time."""
import copy
import json

import pytest

from tests.channels.vendor_helpers import add_channel, post_json
from tests.peers.graph_api import hub_signature, messenger_notification, whatsapp_notification
from tests.peers.telegram_bot_api import message, update

ODD_VALUES = [None, 7, "x", [], {}, [1], {"a": 1}]


def mutations(document):
    """Every copy of `document` with one value replaced by an odd one."""
    def paths(node, prefix=()):
        if isinstance(node, dict):
            for key, value in node.items():
                yield prefix + (key,)
                yield from paths(value, prefix + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield prefix + (i,)
                yield from paths(value, prefix + (i,))

    for path in list(paths(document)):
        for odd in ODD_VALUES:
            mutated = copy.deepcopy(document)
            target = mutated
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = odd
            yield mutated


WHATSAPP = whatsapp_notification("1055", messages=[
    {"from": "447700900999", "id": "wamid.M", "timestamp": "1700000000", "type": "image", "context": {"id": "w"},
     "image": {"id": "M1", "mime_type": "image/jpeg", "caption": "c"}}],
    statuses=[{"id": "wamid.S", "status": "failed", "timestamp": "1700000000", "recipient_id": "447700900999",
               "errors": [{"code": 1, "title": "t"}]}])
MESSENGER = messenger_notification("777", [
    {"sender": {"id": "p"}, "recipient": {"id": "777"}, "timestamp": 1,
     "message": {"mid": "m", "text": "t", "quick_reply": {"payload": "P"}, "reply_to": {"mid": "r"},
                 "attachments": [{"type": "image", "payload": {"url": "https://x.example/i.png"}}]}},
    {"sender": {"id": "p"}, "delivery": {"mids": ["m1"], "watermark": 1}},
    {"sender": {"id": "p"}, "read": {"watermark": 1700000000000}},
    {"sender": {"id": "p"}, "postback": {"title": "T", "payload": "P"}}])
TELEGRAM = [update(1, message=message(5, 9, text="t", caption="c", photo=[{"file_id": "f"}],
                                      document={"file_id": "d", "file_name": "n", "mime_type": "text/plain"},
                                      location={"latitude": 1.0, "longitude": 2.0},
                                      contact={"phone_number": "1", "first_name": "A"},
                                      reply_to_message={"message_id": 3})),
            update(2, callback_query={"id": "q", "from": {"id": 5}, "data": "d", "message": message(5, 3)})]


@pytest.mark.slow  # a property test of a minute or more on a loaded machine: `make test-all`
@pytest.mark.parametrize("vendor", ["whatsapp", "messenger", "telegram"])
async def test_mutated_notifications_never_fail_the_server(space, anon, vendor):
    if vendor == "telegram":
        await add_channel(space, "ch", "telegram", "telegram", {"botToken": "t", "secretToken": "s"})
        documents = TELEGRAM
    else:
        config = {"appSecret": "secret", "phoneNumberId": "1055", "pageId": "777"}
        await add_channel(space, "ch", "whatsApp" if vendor == "whatsapp" else "fbMessenger",
                          "whatsapp_cloud" if vendor == "whatsapp" else "messenger", config)
        documents = [WHATSAPP if vendor == "whatsapp" else MESSENGER]
    url = f"/webhooks/{vendor}/{space.space_id}/ch"
    checked = 0
    for document in documents:
        for mutated in mutations(document):
            raw = json.dumps(mutated).encode()
            headers = ({"X-Telegram-Bot-Api-Secret-Token": "s"} if vendor == "telegram"
                       else {"X-Hub-Signature-256": hub_signature("secret", raw)})
            r = await post_json(anon, url, mutated, headers)
            assert r.status_code < 500, (vendor, mutated, r.text[:300])
            checked += 1
    assert checked > 50
