"""The query parser: unit cases and properties (only ever a 400 Problem; format/parse round trips),
plus generated queries run against the real database, which must never fail."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onecast.kit.errors import Problem
from onecast.profiles.query import Condition, format_query, parse_fields, parse_query
from tests.profiles.helpers import create

RESERVED = {"$limit", "$skip", "$fields", "$includeDeleted"}


def parse(query: dict | list) -> list[Condition]:
    items = list(query.items()) if isinstance(query, dict) else query
    return parse_query(items, reserved=RESERVED)


@pytest.mark.parametrize("raw, op, value", [
    ("x", "eq", "x"), ("", "exists", None), ("!", "nexists", None), ("!x", "ne", "x"),
    (">5", "gt", 5), ("<5", "lt", 5), (">=5", "gte", 5), ("<=-2.5", "lte", -2.5), ("^ab", "starts", "ab"),
    ("$ab", "ends", "ab"), ("~ab", "contains", "ab"), ("'5'", "eq", "5"), ("true", "eq", True),
    ("false", "eq", False), ("'true'", "eq", "true"), ("''", "eq", ""), ("!''", "ne", ""),
    (">'10'", "gt", "10"), ("1e3", "eq", 1000.0), ("007", "eq", 7), ("+44", "eq", "+44"),
    ("'", "eq", "'"), ("==x", "eq", "==x"), ("~'5'", "contains", "5"), ("^5", "starts", "5"),
    ("'a'b'", "eq", "a'b"), (">'=x'", "gt", "=x"), (">=x", "gte", "x"), ("1_000", "eq", "1_000"), ("٣", "eq", "٣"),
])
def test_single_values(raw, op, value):
    [condition] = parse({"f": raw})
    assert (condition.op, condition.value) == (op, value)
    assert type(condition.value) is type(value)


def test_lists_reserved_and_id():
    conditions = parse([("a[]", "1"), ("b", "x"), ("a[]", "'2'"), ("$limit", "5"), ("c[]", "!x"),
                        ("id", "5")])
    assert conditions == [Condition("b", "eq", "x"), Condition("id", "eq", "5"),
                          Condition("a", "in", (1, "2")), Condition("c", "nin", ("x",))]


def test_timestamps_are_parsed_to_utc_milliseconds():
    [c] = parse({"_createdOn": ">=2024-05-01T12:00:00.123456+02:00"})
    assert c.value == datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=UTC)
    [c] = parse({"_updatedOn": "2024-05-01"})
    assert c.value == datetime(2024, 5, 1, tzinfo=UTC)


def test_fields_list():
    assert parse_fields(" a, b.c ,,_createdOn") == ["a", "b.c", "_createdOn"]
    assert parse_fields(None) == []
    with pytest.raises(Problem):
        parse_fields("a,b c")


# --- properties -----------------------------------------------------------------------------

QUERY_CHARS = "ab._-[]$!<>=^~'09e+ _xé\x00"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.text(max_size=12), st.text(QUERY_CHARS, max_size=8)),
                          st.one_of(st.text(max_size=12), st.text(QUERY_CHARS, max_size=8))), max_size=6))
def test_parser_raises_only_400_problems(items):
    try:
        parse(items)
    except Problem as problem:
        assert problem.status == 400


safe_text = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=15)
numbers = st.one_of(st.integers(-(2**63) + 1, 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False))
scalars = st.one_of(safe_text, numbers, st.booleans())
data_fields = st.from_regex(r"[A-Za-z0-9-][A-Za-z0-9_-]{0,8}(\.[A-Za-z0-9_-]{1,8}){0,2}", fullmatch=True)
times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9998, 1, 1)).map(  # noqa: DTZ001 - naive bounds
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=UTC, fold=0))


def _conditions_for(field: str, values, texts) -> st.SearchStrategy[Condition]:
    orderable = values.filter(lambda v: not isinstance(v, bool))
    return st.one_of(
        st.sampled_from(["exists", "nexists"]).map(lambda op: Condition(field, op)),
        st.tuples(st.sampled_from(["eq", "ne"]), values).map(lambda t: Condition(field, *t)),
        st.tuples(st.sampled_from(["gt", "lt", "gte", "lte"]), orderable).map(lambda t: Condition(field, *t)),
        st.tuples(st.sampled_from(["starts", "ends", "contains"]), texts).map(lambda t: Condition(field, *t)),
        st.tuples(st.sampled_from(["in", "nin"]), st.lists(values, min_size=1, max_size=4).map(tuple))
        .map(lambda t: Condition(field, *t)),
    )


conditions = st.one_of(
    data_fields.flatmap(lambda f: _conditions_for(f, scalars, safe_text)),
    _conditions_for("id", safe_text, safe_text),
    _conditions_for("_optIns.sms", st.booleans() | safe_text, safe_text),
    st.tuples(st.sampled_from(["_createdOn", "_updatedOn"]),
              st.sampled_from(["eq", "ne", "gt", "lt", "gte", "lte"]), times)
    .map(lambda t: Condition(*t)),
)
queries = st.lists(conditions, max_size=6, unique_by=lambda c: (c.field, c.op in ("in", "nin")))


def _typed(c: Condition):
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    return (c.field, c.op, tuple((type(v).__name__, v) for v in values))


@pytest.mark.slow  # a property test of a minute or more on a loaded machine: `make test-all`
@settings(max_examples=500, deadline=None)
@given(queries)
def test_format_then_parse_round_trips(original):
    parsed = parse(format_query(original))
    assert sorted(map(repr, map(_typed, parsed))) == sorted(map(repr, map(_typed, original)))


def _collect(strategy, count: int) -> list:
    found = []

    @settings(max_examples=count, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def gather(example):
        found.append(example)

    gather()
    return found


SHAPES = {
    "s1": {"a": "x", "b": 1, "c": {"d": True, "e": [1, 2]}, "n": None, "x-y": "Aé%_"},
    "s2": {"a": 3.5, "b": "1", "c": "flat", "x-y": {"z": "q"}},
    "s3": {"a": False, "b": [{"c": 1}], "c": {"d": {"e": {"f": "deep"}}}},
    "s4": {"a": -9223372036854775807, "b": 1e300, "c": {"d": "'quoted'"}},
    "s5": {},
}


@pytest.mark.slow  # a property test of a minute or more on a loaded machine: `make test-all`
async def test_generated_queries_never_fail_on_the_database(space):
    for pid, fields in SHAPES.items():
        await create(space, pid, **fields)
    await space.put("/profiles/s1/optin", json={"channels": ["sms"]})
    for query in _collect(queries, 300):
        r = await space.get("/profiles", params=format_query(query))
        assert r.status_code == 200, (query, r.text)


async def test_arbitrary_query_strings_are_200_or_400(space):
    await create(space, "s1", **SHAPES["s1"])
    pairs = st.lists(st.tuples(st.text(QUERY_CHARS, max_size=8), st.text(QUERY_CHARS, max_size=8)), max_size=4)
    for items in _collect(pairs, 300):
        r = await space.get("/profiles", params=items)
        assert r.status_code in (200, 400), (items, r.text)
        if r.status_code == 400:
            assert r.headers["content-type"].startswith("application/problem+json")
