"""The SMS encoder under generated text: encode/decode round trips, the parts of a long message
join back to the whole, no part is over the limit or cuts an escape or a surrogate pair, and the
segment count the API bills and shows equals the number of parts the SMSC gets."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onecast.channels import sms_encoding as enc

GSM_CHARS = enc.GSM7_TABLE.replace("\x1b", "") + "".join(enc.GSM7_EXTENSION)
gsm_text = st.text(st.sampled_from(GSM_CHARS), max_size=700)
# Any text but lone surrogates (not encodable as UTF-16), with emoji outside the BMP now and then.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=400) | \
    st.lists(st.sampled_from(["a", "€", "😀", "é", "\u4e2d", "[", "{"]), max_size=300).map("".join) | \
    st.lists(st.sampled_from(["a", "€", "{"]), min_size=150, max_size=500).map("".join) | \
    st.lists(st.sampled_from(["b", "😀"]), min_size=60, max_size=300).map("".join)


@settings(max_examples=300, deadline=None)
@given(gsm_text)
def test_gsm7_round_trip(text):
    assert enc.is_gsm7(text)
    data = enc.encode_gsm7(text)
    assert len(data) == enc.gsm7_length(text)
    assert enc.decode_gsm7(data) == text


@pytest.mark.slow  # a property test of a minute or more on a loaded machine: `make test-all`
@settings(max_examples=300, deadline=None)
@given(any_text)
def test_parts_rejoin_and_respect_the_limits(text):
    encoding, segments = enc.segment_count(text)
    parts = enc.split_units(text, encoding)
    assert len(parts) == segments  # what is counted is what is sent
    joined = b"".join(parts)
    if encoding == "gsm7":
        assert enc.decode_gsm7(joined) == text
        assert all(not part.endswith(b"\x1b") for part in parts)  # no escape cut from its char
        limit = enc.SINGLE["gsm7"] if segments == 1 else enc.PART["gsm7"]
        assert all(len(part) <= limit for part in parts)
    else:
        assert joined.decode("utf-16-be") == text
        for part in parts:  # each part decodes alone: no surrogate pair is cut
            part.decode("utf-16-be")
        limit = 2 * (enc.SINGLE["ucs2"] if segments == 1 else enc.PART["ucs2"])
        assert all(len(part) <= limit for part in parts)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_to_gsm_never_grows_the_segment_count_beyond_the_text(text):
    converted = enc.to_gsm(text)
    # Lookalike conversion only replaces characters; what stays outside GSM-7 is the original's.
    assert {c for c in converted if not enc.is_gsm7(c)} <= set(text)


def test_an_escape_character_in_the_text_is_not_gsm7():
    """0x1B is the escape to the extension table: sent as GSM-7 it would swallow the next
    character (hypothesis found the lone "\\x1b" that decoded to nothing)."""
    for text in ("\x1b", "a\x1bb", "\x1b" * 200):
        encoding, _ = enc.segment_count(text)
        assert encoding == "ucs2"
        assert b"".join(enc.split_units(text, encoding)).decode("utf-16-be") == text


def test_boundaries():
    assert enc.segment_count("a" * 160) == ("gsm7", 1)
    assert enc.segment_count("a" * 161) == ("gsm7", 2)
    assert enc.segment_count("€" * 80) == ("gsm7", 1)
    assert enc.segment_count("€" * 81) == ("gsm7", 2)
    assert enc.segment_count("é" * 160) == ("gsm7", 1)
    assert enc.segment_count("\u4e2d" * 70) == ("ucs2", 1)
    assert enc.segment_count("\u4e2d" * 71) == ("ucs2", 2)
    assert enc.segment_count("😀" * 35) == ("ucs2", 1)
    assert enc.segment_count("😀" * 36) == ("ucs2", 2)
    # Regression: parts never split an escape or a surrogate pair, so these need a third part
    # (the count used to say 2 while the SMSC got 3 submit_sm).
    assert enc.segment_count("€" * 153) == ("gsm7", 3) and len(enc.split_units("€" * 153, "gsm7")) == 3
    assert enc.segment_count("😀" * 67) == ("ucs2", 3) and len(enc.split_units("😀" * 67, "ucs2")) == 3
