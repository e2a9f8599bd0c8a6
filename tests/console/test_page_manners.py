"""What every console page owes a person (issue 21, items 15 and 16): a title that names the page,
a readable page for an address that does not exist (not the API's JSON), a question before a
destructive action, an edit that fails keeps what was typed, errors said once in plain words, and
times in the viewer's time zone with the ISO time on hover."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from onecast.console.forms import problem_text
from onecast.kit.errors import invalid

PAGES = {
    "keys": "API keys",
    "channels": "Channels",
    "messages": "Messages",
    "profiles": "Profiles",
    "sandbox": "Sandbox",
    "chats": "Chats",
    "webhooks": "Webhooks",
    "analytics": "Analytics",
}


def test_every_page_title_names_the_page(page, console):
    page.login(console)
    expect(page.page).to_have_title(re.compile(r"^Spaces · "))
    for path, name in PAGES.items():
        page.goto(f"/console/spaces/{console.space_id}/{path}")
        expect(page.page).to_have_title(re.compile(rf"^{name} · console-tests · Onecast$"))


def test_unknown_addresses_get_a_page_not_json(page, console):
    p = page.page
    page.login(console)
    page.allow("404")
    for path in (
        "/console/no-such-page",
        f"/console/spaces/{console.space_id}/messages/no-such-message",
        "/console/spaces/no-such-space/keys",
    ):
        response = p.goto(console.base + path)
        assert response.status == 404 and response.headers["content-type"].startswith("text/html"), path
        expect(p.locator("h1")).to_have_text("Not found")
        expect(p.get_by_role("alert")).not_to_contain_text("{")
        expect(p.get_by_role("link", name="Back to your spaces")).to_be_visible()


def test_a_refused_profile_edit_keeps_what_was_typed(page, console):
    with httpx.Client(timeout=15) as api:
        r = api.post(
            f"{console.base}/apispaces/{console.space_id}/profiles",
            json={"id": "edits-kept", "name": "Ann"},
            headers={"Authorization": f"Bearer {console.api_key}"},
        )
        assert r.status_code in (200, 201), r.text
    p = page.page
    page.login(console)
    page.goto(f"/console/spaces/{console.space_id}/profiles/edits-kept")
    typed = '{"name": "Ann Lee",\n "city": "Leeds",'  # a missing closing brace
    p.get_by_label("fields").fill(typed)
    page.allow("422")
    p.get_by_role("button", name="Save profile").click()
    expect(p.get_by_role("alert")).to_contain_text("not valid JSON")
    expect(p.get_by_role("alert")).to_contain_text("line 2")
    expect(p.get_by_label("fields")).to_have_value(typed)
    p.get_by_label("fields").fill('{"name": "Ann Lee", "city": "Leeds"}')
    p.get_by_role("button", name="Save profile").click()
    expect(p.get_by_role("status")).to_contain_text("Profile saved")


def test_errors_are_said_once():
    assert problem_text(invalid("body", "write something before sending")) == "body: write something before sending"


def test_times_show_in_the_viewers_time_zone_with_iso_on_hover(browser, console):
    from tests.console.conftest import Page

    context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-GB")
    try:
        page = Page(context.new_page(), console.base, "tokyo")
        page.login(console)
        page.goto("/console/spaces")
        stamp = page.page.locator("#spaces time").first
        iso = stamp.get_attribute("datetime")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", iso), iso
        expect(stamp).to_have_attribute("title", iso)
        hour_utc = int(iso[11:13])
        shown = stamp.inner_text()
        assert shown != iso and f"{(hour_utc + 9) % 24:02d}:{iso[14:16]}" in shown, shown  # Tokyo is UTC+9
        assert page.unexpected_errors() == []
    finally:
        context.close()
