import pytest


@pytest.fixture
async def team(space):
    """The "Support Team" (id support), which takes app messaging and SMS chats; published, so
    app users (the widget) may open chats with it."""
    r = await space.put("/chat/config/teams/support", json={"name": "Support Team", "isPublic": True,
                                                           "members": [{"username": "agent-ann"}]})
    assert r.status_code == 200, r.text
    r = await space.put("/chat/config/teams/support/appMessaging",
                        json={"welcomeMessage": {"text": "Welcome! An agent will be with you shortly."},
                              "replyAs": "individual"})
    assert r.status_code == 200, r.text
    r = await space.put("/chat/config/teams/support/sms", json={"number": "447700900999"})
    assert r.status_code == 200, r.text
    r = await space.put("/chat/config/teams/support/settings", json={"closeMessage": "Thanks for chatting!"})
    assert r.status_code == 200, r.text
    return "support"
