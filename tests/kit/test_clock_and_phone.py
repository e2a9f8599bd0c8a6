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


def test_phone_parsing_is_cached_and_answers_the_same():
    """Sends, receipts and billing parse the same numbers again: the second time is a cache hit
    with the same answer, valid or not."""
    from onecast.billing.service import _country_of_number, country_of

    to_e164.cache_clear()
    for raw in ("447700900123", "447700900123", "1234", "1234"):
        assert to_e164(raw) == ("+447700900123" if raw.startswith("44") else None)
    info = to_e164.cache_info()
    assert (info.hits, info.misses) == (2, 2)
    _country_of_number.cache_clear()
    assert country_of("sms", "+447700900123") == country_of("sms", "+447700900123") == "GB"
    assert _country_of_number.cache_info().hits == 1
