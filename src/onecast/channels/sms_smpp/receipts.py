"""Delivery receipts and short messages as they arrive in deliver_sm: the receipt text
(`id:... stat:DELIVRD err:...`), the receipted_message_id and message_state TLVs, message ids in
whatever form the SMSC writes them, and the text of an MO message."""
from __future__ import annotations

import re
from dataclasses import dataclass

from onecast.channels import sms_encoding
from onecast.channels.sms_smpp import pdu as P

# stat: values of the receipt text and message_state TLV values -> the message status they mean.
STAT_STATUS = {"DELIVRD": "delivered", "EXPIRED": "expired", "UNDELIV": "failed", "REJECTD": "failed",
               "DELETED": "failed"}
MESSAGE_STATE_STAT = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD",
                      7: "UNKNOWN", 8: "REJECTD"}
_FIELD = re.compile(r"(id|sub|dlvrd|submit date|done date|stat|err|text):\s*(\S*)", re.IGNORECASE)


@dataclass(frozen=True)
class ReceiptInfo:
    message_id: str
    stat: str
    error: str | None

    @property
    def status(self) -> str | None:
        """delivered / failed / expired, or None for an intermediate state (ENROUTE, ACCEPTD...)."""
        return STAT_STATUS.get(self.stat)


def is_receipt(pdu: P.Pdu) -> bool:
    return (pdu.params.get("esm_class", 0) & P.ESM_TYPE_MASK) == P.ESM_DELIVERY_RECEIPT


def parse_receipt(pdu: P.Pdu) -> ReceiptInfo:
    """TLVs win over the text, which many SMSCs fill in another id format (decimal vs hex)."""
    fields = {k.lower(): v for k, v in _FIELD.findall(short_message_bytes(pdu).decode("latin-1"))}
    message_id = fields.get("id", "")
    if P.TLV_RECEIPTED_MESSAGE_ID in pdu.tlvs:
        message_id = P.cstring(pdu.tlvs[P.TLV_RECEIPTED_MESSAGE_ID]) or message_id
    stat = fields.get("stat", "").upper()
    if P.TLV_MESSAGE_STATE in pdu.tlvs and pdu.tlvs[P.TLV_MESSAGE_STATE]:
        stat = MESSAGE_STATE_STAT.get(pdu.tlvs[P.TLV_MESSAGE_STATE][0], stat)
    error = fields.get("err")
    if P.TLV_NETWORK_ERROR_CODE in pdu.tlvs and not error:
        error = pdu.tlvs[P.TLV_NETWORK_ERROR_CODE].hex()
    return ReceiptInfo(message_id, stat or "UNKNOWN", error)


def normalise_id(raw: str) -> str:
    return raw.strip().lower().lstrip("0") or "0"


def id_forms(raw: str) -> list[str]:
    """Every spelling one SMSC id may have: as given, and read as hex written in decimal, or
    read as decimal written in hex (SMSCs answer submit_sm in one and write receipts in the other)."""
    text = raw.strip().lower()
    forms = [normalise_id(text)]
    if text and len(text) <= 32:
        if re.fullmatch(r"[0-9a-f]+", text):
            forms.append(str(int(text, 16)))
        if text.isdigit():
            forms.append(format(int(text), "x"))
    return list(dict.fromkeys(forms))


def short_message_bytes(pdu: P.Pdu) -> bytes:
    message = pdu.params.get("short_message", b"")
    if not message and P.TLV_MESSAGE_PAYLOAD in pdu.tlvs:
        message = pdu.tlvs[P.TLV_MESSAGE_PAYLOAD]
    return message


def udh(ref: int, total: int, seq: int) -> bytes:
    """The 8-bit reference concatenation header (IEI 0x00)."""
    return bytes((0x05, 0x00, 0x03, ref & 0xFF, total, seq))


def split_udh(pdu: P.Pdu) -> tuple[tuple[int, int, int] | None, bytes]:
    """((ref, total, seq) or None, payload without the UDH)."""
    data = short_message_bytes(pdu)
    if not pdu.params.get("esm_class", 0) & P.ESM_UDHI or not data:
        return None, data
    header_len = data[0]
    header, payload = data[1:1 + header_len], data[1 + header_len:]
    pos = 0
    while pos + 2 <= len(header):
        iei, length = header[pos], header[pos + 1]
        value = header[pos + 2:pos + 2 + length]
        if iei == 0x00 and length == 3:
            return (value[0], value[1], value[2]), payload
        if iei == 0x08 and length == 4:
            return ((value[0] << 8) | value[1], value[2], value[3]), payload
        pos += 2 + length
    return None, payload


def decode_text(data: bytes, data_coding: int) -> str:
    if data_coding == P.DATA_CODING_UCS2:
        return data.decode("utf-16-be", errors="replace")
    if data_coding == P.DATA_CODING_LATIN1:
        return data.decode("latin-1")
    if data_coding == 0x01:
        return data.decode("ascii", errors="replace")
    return sms_encoding.decode_gsm7(data)


@dataclass(frozen=True)
class MobileOriginated:
    source: str
    destination: str
    text: str


class Concatenation:
    """Joins the parts of a concatenated MO message (by sender, reference and total) in memory;
    parts of one message that never complete are dropped after `keep` newer messages."""

    def __init__(self, keep: int = 10000) -> None:
        self._parts: dict[tuple[str, int, int], dict[int, str]] = {}
        self.keep = keep

    def add(self, pdu: P.Pdu) -> MobileOriginated | None:
        header, payload = split_udh(pdu)
        text = decode_text(payload, pdu.params.get("data_coding", 0))
        source, destination = pdu.params.get("source_addr", ""), pdu.params.get("destination_addr", "")
        if header is None or header[1] <= 1:
            return MobileOriginated(source, destination, text)
        ref, total, seq = header
        key = (source, ref, total)
        parts = self._parts.setdefault(key, {})
        parts[seq] = text
        if len(parts) < total:
            if len(self._parts) > self.keep:
                self._parts.pop(next(iter(self._parts)))
            return None
        del self._parts[key]
        return MobileOriginated(source, destination, "".join(parts[i] for i in sorted(parts)))
