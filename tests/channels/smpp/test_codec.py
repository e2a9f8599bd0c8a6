"""The wire codec, receipt parsing, id forms and SMS text encoding, without sockets."""
from __future__ import annotations

import pytest

from onecast.channels import sms_encoding as enc
from onecast.channels.sms_smpp import pdu as P
from onecast.channels.sms_smpp.config import ConfigError, parse_config
from onecast.channels.sms_smpp.provider import source_address, submit_params
from onecast.channels.sms_smpp.receipts import id_forms, is_receipt, parse_receipt, split_udh


def test_submit_sm_round_trip_keeps_fields_and_tlvs():
    params = {"source_addr": "Onecast", "source_addr_ton": 5, "destination_addr": "447700900123",
              "dest_addr_ton": 1, "dest_addr_npi": 1, "esm_class": 0x40, "data_coding": 8,
              "registered_delivery": 1, "short_message": b"\x05\x00\x03\x07\x02\x01" + "hé".encode("utf-16-be")}
    raw = P.encode(P.Pdu(P.SUBMIT_SM, 42, params=params, tlvs={0x1E: b"abc\0"}))
    assert int.from_bytes(raw[:4], "big") == len(raw)
    back = P.decode(raw)
    assert back.sequence == 42 and back.command_id == P.SUBMIT_SM
    for key, value in params.items():
        assert back.params[key] == value
    assert back.tlvs == {0x1E: b"abc\0"}


def test_decode_rejects_truncated_and_lying_lengths():
    raw = P.encode(P.Pdu(P.SUBMIT_SM, 1, params={"short_message": b"hello"}))
    with pytest.raises(P.PduError):
        P.decode(raw[:-2])
    broken = bytearray(raw)
    broken[-6] = 200  # sm_length beyond the body
    with pytest.raises(P.PduError):
        P.decode(bytes(broken))


def _receipt(text: str, tlvs: dict | None = None) -> P.Pdu:
    return P.Pdu(P.DELIVER_SM, 1, params={"esm_class": 0x04, "short_message": text.encode()}, tlvs=tlvs or {})


def test_receipt_text_and_tlv():
    info = parse_receipt(_receipt("id:0123456789 sub:001 dlvrd:001 submit date:2611230000 "
                                  "done date:2611230001 stat:DELIVRD err:000 text:hello"))
    assert (info.message_id, info.stat, info.error, info.status) == ("0123456789", "DELIVRD", "000", "delivered")
    # The TLVs win over the text (the text often carries the id in another base).
    info = parse_receipt(_receipt("id:99 stat:DELIVRD err:000", {P.TLV_RECEIPTED_MESSAGE_ID: b"5a00\0",
                                                                  P.TLV_MESSAGE_STATE: b"\x05"}))
    assert (info.message_id, info.stat, info.status) == ("5a00", "UNDELIV", "failed")
    assert parse_receipt(_receipt("id:1 stat:EXPIRED err:000")).status == "expired"
    assert parse_receipt(_receipt("id:1 stat:REJECTD err:0a1")).status == "failed"
    assert parse_receipt(_receipt("id:1 stat:ENROUTE err:000")).status is None
    assert is_receipt(_receipt("x")) and not is_receipt(P.Pdu(P.DELIVER_SM, 1, params={"esm_class": 0}))


def test_id_forms_cover_hex_and_decimal_spellings():
    assert "1509949440" in id_forms("5A000000")  # hex answer, decimal receipt
    assert "5a000000" in id_forms("1509949440")  # decimal answer, hex receipt
    assert id_forms("000abc")[0] == "abc"
    assert id_forms("msg-1") == ["msg-1"]


def test_gsm7_extension_and_lookalikes():
    text = "Price: 10€ [net] ^_^ {ok} ~ | \\"
    assert enc.is_gsm7(text)
    assert enc.decode_gsm7(enc.encode_gsm7(text)) == text
    assert enc.gsm7_length("€") == 2 and len(enc.encode_gsm7("€")) == 2
    assert enc.to_gsm("“Smart” quotes – and… ñ é ą", lookalikes=True) == '"Smart" quotes - and... ñ é a'
    assert enc.to_gsm("I ❤ SMS", [{"from": "❤", "to": "<3"}], lookalikes=False) == "I <3 SMS"


@pytest.mark.parametrize(("text", "encoding", "parts", "sizes"), [
    ("a" * 160, "gsm7", 1, [160]), ("a" * 161, "gsm7", 2, [153, 8]), ("a" * 459, "gsm7", 3, [153, 153, 153]),
    ("ж" * 70, "ucs2", 1, [70]), ("ж" * 71, "ucs2", 2, [67, 4]), ("ж" * 201, "ucs2", 3, [67, 67, 67]),
])
def test_split_sizes(text, encoding, parts, sizes):
    chunks = enc.split_units(text, encoding)
    unit = 1 if encoding == "gsm7" else 2
    assert enc.segment_count(text) == (encoding, parts)
    assert [len(c) // unit for c in chunks] == sizes


def test_split_never_cuts_an_escape_or_a_surrogate_pair():
    text = "a" * 152 + "€" + "b" * 10
    chunks = enc.split_units(text, "gsm7")
    assert len(chunks[0]) == 152 and chunks[1].startswith(b"\x1b\x65")
    emoji = "x" * 66 + "😀" + "y" * 10
    chunks = enc.split_units(emoji, "ucs2")
    assert len(chunks[0]) == 132 and chunks[1].decode("utf-16-be").startswith("😀")


@pytest.mark.parametrize(("sender", "ok"), [
    ("Onecast", True), ("AB", True), ("ABCDEFGHIJK", True), ("ABCDEFGHIJKL", False), ("A", False),
    ("447700900123", True), ("+447700900123", True), ("12", True), ("1234567890123456", False),
    ("1", False), ("Bad!Name", False),
])
def test_sender_rules(sender, ok):
    assert (enc.sender_error(sender) is None) is ok


def test_submit_params_concatenate_with_one_reference():
    config = parse_config({"host": "h", "systemId": "s"})
    parts = submit_params(config, "z" * 400, "Onecast", "447700900123", 77)
    headers = [split_udh(P.Pdu(P.SUBMIT_SM, 1, params=p))[0] for p in parts]
    assert headers == [(77, 3, 1), (77, 3, 2), (77, 3, 3)]
    assert all(p["esm_class"] & P.ESM_UDHI and p["data_coding"] == 0 for p in parts)
    assert source_address(config, "Onecast") == (5, 0, "Onecast")
    assert source_address(config, "+447700900123") == (1, 1, "447700900123")
    fixed = parse_config({"host": "h", "systemId": "s", "sourceTon": 3, "sourceNpi": 0})
    assert source_address(fixed, "12345") == (3, 0, "12345")


@pytest.mark.parametrize(("config", "field"), [
    ({"systemId": "s"}, "host"), ({"host": "h", "systemId": "s", "port": 0}, "port"),
    ({"host": "h", "systemId": "s", "windowSize": "10"}, "windowSize"),
    ({"host": "h", "systemId": "s", "bindMode": "both"}, "bindMode"),
    ({"host": "h", "systemId": "s", "from": "Far too long name"}, "from"),
    ({"host": "h", "systemId": "s", "colour": 1}, "colour"),
])
def test_config_errors_name_the_field(config, field):
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    assert caught.value.field == field
