"""The main flows clicked through in Chromium: create a key, send a test message on the sandbox,
reply from the simulator, see both in messages and the profile history, mark delivered, charts."""
from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect


def test_create_and_revoke_a_key(page, console):
    page.login(console)
    page.goto(f"/console/spaces/{console.space_id}/keys")
    page.page.get_by_label("Label").fill("from the browser")
    page.page.get_by_role("button", name="Create key").click()
    secret = page.page.locator("#new-key")
    expect(secret).to_have_text(re.compile(r"^onecast_"))
    raw = secret.inner_text()
    page.shot("created")
    # The key works on the API, and the console never shows it again.
    assert httpx.get(f"{console.base}/apispaces/{console.space_id}/channels",
                     headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    page.goto(f"/console/spaces/{console.space_id}/keys")
    assert raw not in page.page.content()
    row = page.page.locator("#keys tr", has_text="from the browser")
    asked = []
    page.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    row.get_by_role("button", name="Revoke").click()  # dismissed: nothing happens
    assert asked and "from the browser" in asked[0] and "stop working" in asked[0]
    expect(row).to_contain_text("active")
    page.page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.page.locator("#keys tr", has_text="from the browser")).to_contain_text("revoked")
    assert httpx.get(f"{console.base}/apispaces/{console.space_id}/channels",
                     headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_sandbox_round_trip(page, console):
    sid = console.space_id
    p = page.page
    page.login(console)
    # The simulated device sends no receipt by itself, so the person marks it delivered.
    page.goto(f"/console/spaces/{sid}/sandbox")
    p.get_by_label("automatic receipt").select_option("none")
    p.get_by_role("button", name="Save simulator settings").click()
    expect(p.get_by_role("status")).to_contain_text("Simulator settings saved")

    page.goto(f"/console/spaces/{sid}/channels")
    row = p.locator("#channels tr", has_text="sms").first
    row.get_by_label("address for sms").fill("447700900555")
    row.get_by_label("text for sms").fill("Your parcel is on its way")
    row.get_by_label("profile for sms").fill("alice")
    row.get_by_role("button", name="Send test").click()
    expect(p.locator("#message-body")).to_have_text("Your parcel is on its way")
    p.reload()  # the worker sends it within moments; the page shows the status when loaded
    expect(p.locator("#message-status")).to_have_text(re.compile("processing|sent"))
    message_url = p.url.split("?")[0]
    page.shot("test-message")

    page.goto(f"/console/spaces/{sid}/sandbox")
    phone = p.locator("section.device.phone[data-address$='447700900555']")
    expect(phone).to_contain_text("Your parcel is on its way")  # htmx refreshes the thread
    phone.get_by_label("reply").fill("Thanks, see you at 5")
    phone.get_by_role("button", name="Reply").click()
    expect(phone.locator(".bubble.in")).to_contain_text("Thanks, see you at 5")
    expect(phone.get_by_label("reply")).to_have_value("")
    phone.get_by_role("button", name="Mark delivered").click()
    # The status itself, not the bubble's text ("Mark delivered" is there before the click lands).
    expect(phone.locator(".bubble.out .status-delivered")).to_have_text("delivered")
    page.shot("simulator")

    p.goto(message_url)
    expect(p.locator("#message-status")).to_have_text("delivered")
    expect(p.locator("#timeline")).to_contain_text("sandbox-")  # the provider's message id in its response
    expect(p.locator("#timeline tr")).to_have_count(4)  # header, processing, sent, delivered
    page.shot("timeline")

    page.goto(f"/console/spaces/{sid}/messages")
    p.get_by_label("text").fill("see you at 5")
    p.get_by_role("button", name="Search").click()
    expect(p.locator("#messages tr")).to_have_count(2)
    expect(p.locator("#messages")).to_contain_text("inbound")
    p.get_by_label("direction").select_option("outbound")
    expect(p.locator("#messages")).to_contain_text("No messages match")
    page.shot("search")

    page.goto(f"/console/spaces/{sid}/profiles?q=id%3Dalice")
    p.get_by_role("link", name="alice").click()
    history = p.locator("#history")
    expect(history).to_contain_text("Your parcel is on its way")
    expect(history).to_contain_text("Thanks, see you at 5")
    p.get_by_label("opt-in channel").fill("sms")
    p.get_by_role("button", name="Opt out").click()
    expect(p.locator("#optins")).to_contain_text("opted out")
    fields = p.get_by_label("fields")
    fields.fill('{"phoneNumber": "447700900555", "firstName": "Alice"}')
    p.get_by_role("button", name="Save profile").click()
    expect(p.get_by_role("status")).to_contain_text("Profile saved")
    assert '"firstName": "Alice"' in p.get_by_label("fields").input_value()
    page.shot("profile")

    page.goto(f"/console/spaces/{sid}/analytics?days=1")
    chart = p.locator("section.channel-chart[data-channel='sms']")
    expect(chart.locator(".total-sent")).to_contain_text("sent 1")
    expect(chart.locator(".total-delivered")).to_contain_text("delivered 1")
    expect(chart.locator("polyline")).to_have_count(3)
    page.shot("analytics")


def test_channel_form_per_provider(page, console):
    page.login(console)
    page.goto(f"/console/spaces/{console.space_id}/channels?provider=custom_http")
    form = page.page.locator("#new-channel")
    form.get_by_label("Id (what rules name)").fill("hook")
    form.get_by_label("Type").select_option("custom")
    form.get_by_label("Endpoint URL").fill("https://example.com/onecast")
    form.get_by_role("button", name="Create channel").click()
    expect(page.page.get_by_role("status")).to_contain_text("Channel hook created")
    expect(page.page.locator("#channels")).to_contain_text("custom_http")
    # A provider's own validation reaches the form as a message, not an error page.
    form = page.page.locator("#new-channel")
    form.get_by_label("Id (what rules name)").fill("hook")
    form.get_by_label("Type").select_option("custom")
    form.get_by_role("button", name="Create channel").click()
    expect(page.page.get_by_role("alert")).to_be_visible()
    page.shot("channels")


def test_a_new_person_writes_in(page, console):
    p = page.page
    page.login(console)
    page.goto(f"/console/spaces/{console.space_id}/sandbox")
    p.get_by_label("sender channel").fill("email")
    p.get_by_label("sender address").fill("bob@example.com")
    p.get_by_label("sender text").fill("Hello, is anyone there?")
    p.get_by_role("button", name="Receive").click()
    mailbox = p.locator("section.device.mailbox[data-address='bob@example.com']")
    expect(mailbox.locator(".bubble.in")).to_contain_text("Hello, is anyone there?")
    page.shot("mailbox")
