"""Hostile templates: any source either parses or is a 400 naming the field, any render either
gives text or a 400 (never another exception), Python internals are unreachable, and loops,
output and local variables are bounded."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onecast.kit.errors import Problem
from onecast.templates.engine import Limits, Sandbox

SANDBOX = Sandbox(Limits(output_bytes=2000, loop_iterations=500, render_seconds=0.5))
VALUES = {"profile": {"firstName": "Ann", "tags": ["a", "b"]}, "data": {"code": 7, "list": list(range(50))},
          "metadata": {}, "to": {"phoneNumber": "447700900123"}, "profileId": "ann"}
LIQUID_BITS = ["{{", "}}", "{%", "%}", " for ", " in ", "endfor", " if ", "endif", "assign", "capture",
               "endcapture", "(1..999999)", "profile.", "data.list", "|", " size", " append:", "raw", "endraw",
               "tablerow", "cycle", "'", '"', "-", ".", "[", "]", "include", "render", "liquid", "\n", "x"]


def outcome(source: str) -> str:
    """Parse + render; a Problem must be a 400 naming the field."""
    try:
        template = SANDBOX.parse(source, "body")
        SANDBOX.variables(template, "body")
        return SANDBOX.render(template, VALUES, "body")
    except Problem as problem:
        assert problem.status == 400, problem
        return ""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LIQUID_BITS), max_size=30).map("".join))
def test_liquid_looking_sources_are_text_or_400(source):
    assert len(outcome(source).encode()) <= 2000 + 100


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_is_text_or_400(source):
    outcome(source)


@pytest.mark.parametrize("source", [
    "{{ profile.__class__ }}", "{{ profile.__class__.__mro__ }}", "{{ data.__dict__ }}",
    "{{ profile.firstName.__class__.__base__.__subclasses__ }}", "{{ data.list.__len__ }}",
    "{{ profile.items }}", "{{ profile.keys }}", "{{ profile.firstName.upper }}", "{{ data.list.pop }}",
    "{{ data.list | map: '__class__' | join }}", "{{ profile | json }}x",
])
def test_python_internals_are_unreachable(source):
    rendered = outcome(source)
    for leak in ("class", "<built-in", "method", "dict_", "function", "object at", "mro"):
        assert leak not in rendered, rendered


@pytest.mark.parametrize("source", ["{% include 'secrets.txt' %}", "{% render '/etc/passwd' %}",
                                    "{% liquid include 'x' %}"])
def test_no_tag_reaches_a_file(source):
    with pytest.raises(Problem) as raised:
        SANDBOX.parse(source, "body")
    assert raised.value.status == 400


@pytest.mark.parametrize("source", [
    "{% for i in (1..1000000) %}x{% endfor %}",  # loop iterations
    "{% for i in (1..400) %}{% for j in (1..400) %}{% endfor %}{% endfor %}",  # nested loops
    "{% for i in (1..450) %}xxxxxxxxxx{% endfor %}",  # output (4500 > 2000 bytes)
    "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}{{ s.size }}",
    "{% capture c %}{% for i in (1..499) %}{{ data.list | join }}{% endfor %}{% endcapture %}",
])
def test_resource_limits_end_the_render_with_a_400(source):
    template = SANDBOX.parse(source, "body")
    with pytest.raises(Problem) as raised:
        SANDBOX.render(template, VALUES, "body")
    assert raised.value.status == 400 and raised.value.code == "TemplateRenderLimit", raised.value


def test_a_normal_template_still_renders():
    assert outcome("Hi {{ profile.firstName }}, {{ data.list | size }} items") == "Hi Ann, 50 items"
