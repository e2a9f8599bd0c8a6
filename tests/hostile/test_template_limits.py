"""One template cannot freeze every tenant: a range, a string, a sequence or a number one filter
makes is bounded, the render deadline holds between any two steps, rendering runs off the event
loop (another tenant's requests answer meanwhile), and the renders of one request share a budget."""
from __future__ import annotations

import asyncio
import time
import tracemalloc

import pytest

from onecast.kit.errors import Problem
from onecast.templates.engine import Limits, Sandbox
from tests.conftest import SpaceClient, app_with

SANDBOX = Sandbox(Limits())  # the production defaults
VALUES = {"profile": {}, "profileId": None, "data": {"word": "abcdefghij"}, "metadata": {}, "to": {}}
DOUBLE_40K = "{% assign s = 'aaaaaaaaaa' %}{% for i in (1..12) %}{% assign s = s | append: s %}{% endfor %}"
MB = 1024 * 1024


def render_measured(source: str) -> tuple[str | Problem, int]:
    """The output (or the Problem) and the peak memory the render allocated."""
    tracemalloc.start()
    try:
        try:
            outcome: str | Problem = SANDBOX.render(SANDBOX.parse(source, "body"), VALUES, "body")
        except Problem as problem:
            outcome = problem
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(("source", "limit"), [
    ("{{ (1..15000000) | join: ',' | size }}", "range size limit"),  # the finding: 18 s, 430 MB
    ("{% assign r = (1..3000000) %}{{ r | reverse | size }}", "range size limit"),
    ("{{ (1..99999999999999999999999999) | size }}", "range size limit"),  # len() of it overflows
    ("{% for i in (1..99999999999999999999) limit: 2 %}{{ i }}{% endfor %}", "range size limit"),
    (DOUBLE_40K + "{{ s | replace: 'a', s | size }}", "string length limit"),  # 40k x 40k characters
    (DOUBLE_40K + "{{ (1..9000) | join: s | size }}", "string length limit"),  # a long separator
    (DOUBLE_40K + "{% assign l = s | split: ',' %}{% for i in (1..20) %}{% assign l = l | concat: l %}"
                  "{% endfor %}{{ l | join: '' | size }}", "string length limit"),  # 40k x 2^20 in a list
    ("{% assign x = 3 %}{% for i in (1..40) %}{% assign x = x | times: x %}{% endfor %}{{ x | size }}",
     "number size limit"),  # 3^(2^40)
    ("{{ 'now' | date: '" + "%_9999d" * 100 + "' | size }}", "string length limit"),
])
def test_a_filter_or_range_over_its_limit_ends_the_render_with_a_400_naming_it(source, limit):
    outcome, peak = render_measured(source)
    assert isinstance(outcome, Problem), outcome[:200]
    assert outcome.status == 400 and outcome.code == "TemplateRenderLimit", outcome
    assert limit in outcome.detail, outcome.detail
    assert peak < 20 * MB, peak


def test_steps_without_any_filter_or_variable_still_meet_the_deadline():
    """One loop of 10,000 iterations over 2,500 `if` tags: 25 million steps that read no variable,
    call no filter and write nothing, the places the deadline was checked before."""
    source = "{% for i in (1..10000) %}" + "{% if true %}{% endif %}" * 2500 + "{% endfor %}"
    outcome, _ = render_measured(source)
    assert isinstance(outcome, Problem) and "render time limit" in outcome.detail, outcome


def test_uniq_takes_linear_time():
    """The built-in `uniq` compares every pair in one C call (about a second for 10,000 items,
    which no deadline interrupts); this one answers within the deadline."""
    outcome, _ = render_measured("{% assign r = (1..5000) | reverse %}{{ r | concat: r | uniq | size }}")
    assert outcome == "5000"
    assert SANDBOX.render(SANDBOX.parse("{{ 'b,a,b,c,a' | split: ',' | uniq | join: '' }}", "body"), VALUES,
                          "body") == "bac"


def test_ordinary_templates_keep_working():
    source = ("Hi {{ profile.firstName | default: 'there' | upcase }}, {{ (1..5) | join: '-' }} "
              "{{ data.word | replace: 'a', 'A' | append: '!' }} {{ 12 | times: 3 }}")
    assert SANDBOX.render(SANDBOX.parse(source, "body"), VALUES, "body") == "Hi THERE, 1-2-3-4-5 Abcdefghij! 36"


# --- over HTTP ------------------------------------------------------------------------------

async def test_the_findings_template_is_refused_when_saved(app, space):
    r = await space.post("/templates", json={"id": "freeze", "name": "freeze", "messageParts": [
        {"type": "text/plain", "data": "{{ (1..15000000) | join: ',' | size }}"}]})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["code"] == "TemplateRenderLimit" and "range size limit" in problem["detail"]
    assert problem["errors"][0]["field"] == "messageParts[0].data"
    assert (await space.get("/templates/freeze")).status_code == 404


# 30 loops of up to 10,000 replaces of a 40,000-character string: seconds of work in small steps.
SLOW = DOUBLE_40K + "{% for i in (1..N) %}{% assign t = s | replace: 'a', 'b' %}{% endfor %}" * 30


@pytest.mark.parametrize("when", ["save", "send"])
async def test_another_tenant_is_answered_while_a_hostile_template_renders(settings, space, other_space, when):
    async with app_with(settings, template_render_seconds=3.0) as client:
        hostile = SpaceClient(client, space.space_id, space.key)
        other = SpaceClient(client, other_space.space_id, other_space.key)
        assert (await other.post("/profiles", json={"id": "ann"})).status_code in (200, 201)
        source = SLOW.replace("N", "10000" if when == "save" else "data.n")
        template = {"id": "slow", "name": "slow", "messageParts": [{"type": "text/plain", "data": source}]}
        if when == "save":
            call = hostile.post("/templates", json=template)
        else:
            assert (await hostile.post("/templates", json=template)).status_code == 201
            call = hostile.post("/messages", json={"templateId": "slow", "templateData": {"n": 10000},
                                                   "to": {"phoneNumber": "447700900123"}, "rules": ["sms"]})
        started = time.monotonic()
        render = asyncio.create_task(call)
        await asyncio.sleep(0.3)  # the render is under way
        wanted = started + 0.3  # a blocked event loop would not even let the test ask then
        for _ in range(3):
            r = await other.get("/profiles/ann")
            assert r.status_code == 200, r.text
            took = time.monotonic() - wanted
            assert took < 1.0, f"a GET meant for {wanted - started:.1f} s took {took:.1f} s"
            wanted = time.monotonic()
        assert not render.done(), "the hostile render should still be running"
        r = await render
        assert r.status_code == 400 and r.json()["code"] == "TemplateRenderLimit", r.text
        assert "render time limit" in r.json()["detail"]


async def test_the_renders_of_one_batch_share_a_time_budget(settings, space):
    """Each render is within the per-render deadline, together they would hold the batch's
    transaction (and SQLite's write lock) for far longer than the budget."""
    async with app_with(settings, template_render_seconds=10.0, template_batch_render_seconds=1.0) as client:
        tenant = SpaceClient(client, space.space_id, space.key)
        source = DOUBLE_40K + "{% for i in (1..data.n) %}{% assign t = s | replace: 'a', 'b' %}{% endfor %}ok"
        r = await tenant.post("/templates", json={"id": "heavy", "name": "heavy", "messageParts": [
            {"type": "text/plain", "data": source}]})
        assert r.status_code == 201, r.text
        item = {"templateId": "heavy", "templateData": {"n": 5000}, "to": {"phoneNumber": "447700900123"},
                "rules": ["sms"]}
        r = await tenant.post("/messages/batch", json=[item] * 200)
        assert r.status_code == 400 and r.json()["code"] == "TemplateRenderLimit", r.text
        assert "batch render time limit" in r.json()["detail"]
        light = {**item, "templateData": {"n": 10}}  # the budget is per request: the next one starts afresh
        r = await tenant.post("/messages/batch", json=[light] * 2)
        assert r.status_code == 202, r.text
