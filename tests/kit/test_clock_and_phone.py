from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from onecast.kit.clock import iso
from onecast.kit.phone import to_e164


@given(st.datetimes(timezones=st.just(UTC)))
def test_iso_round_trips_to_the_millisecond(value):
    text = iso(value)
    assert len(text) == 24 and text.endswith("Z")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert parsed == value.replace(microsecond=value.microsecond // 1000 * 1000)


def test_phone_numbers():
    assert to_e164("447700900123") == "+447700900123"
    assert to_e164("+1 (415) 555-0100") == "+14155550100"
    assert to_e164("1234") is None
    assert to_e164("not a number") is None
