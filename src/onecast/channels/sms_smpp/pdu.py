"""The SMPP 3.4 wire format: PDU header, the bodies this client speaks, and TLVs.
Pure functions over bytes; no I/O."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

HEADER = struct.Struct(">IIII")
MAX_PDU = 64 * 1024

GENERIC_NACK = 0x80000000
BIND_RECEIVER = 0x00000001
BIND_TRANSMITTER = 0x00000002
SUBMIT_SM = 0x00000004
DELIVER_SM = 0x00000005
UNBIND = 0x00000006
BIND_TRANSCEIVER = 0x00000009
ENQUIRE_LINK = 0x00000015
DATA_SM = 0x00000103
RESP = 0x80000000

ESME_ROK = 0x00
ESME_RINVCMDID = 0x03
ESME_RINVBNDSTS = 0x04
ESME_RSYSERR = 0x08
ESME_RMSGQFUL = 0x14
ESME_RTHROTTLED = 0x58
ESME_RX_T_APPN = 0x64
ESME_RX_P_APPN = 0x65
# Worth trying again later; anything else is a refusal of this message.
TRANSIENT_STATUSES = {ESME_RSYSERR, ESME_RMSGQFUL, ESME_RTHROTTLED, ESME_RX_T_APPN}

ESM_UDHI = 0x40
ESM_TYPE_MASK = 0x3C
ESM_DELIVERY_RECEIPT = 0x04
DATA_CODING_DEFAULT = 0x00
DATA_CODING_LATIN1 = 0x03
DATA_CODING_UCS2 = 0x08

TLV_RECEIPTED_MESSAGE_ID = 0x001E
TLV_MESSAGE_PAYLOAD = 0x0424
TLV_MESSAGE_STATE = 0x0427
TLV_NETWORK_ERROR_CODE = 0x0423
TLV_SAR_MSG_REF_NUM = 0x020C
TLV_SAR_TOTAL_SEGMENTS = 0x020E
TLV_SAR_SEGMENT_SEQNUM = 0x020F

# Field layout of submit_sm and deliver_sm (same in 3.4): name, kind ("c" C-octet string or "b" byte).
SM_FIELDS = (("service_type", "c"), ("source_addr_ton", "b"), ("source_addr_npi", "b"), ("source_addr", "c"),
             ("dest_addr_ton", "b"), ("dest_addr_npi", "b"), ("destination_addr", "c"), ("esm_class", "b"),
             ("protocol_id", "b"), ("priority_flag", "b"), ("schedule_delivery_time", "c"),
             ("validity_period", "c"), ("registered_delivery", "b"), ("replace_if_present_flag", "b"),
             ("data_coding", "b"), ("sm_default_msg_id", "b"))
BIND_FIELDS = (("system_id", "c"), ("password", "c"), ("system_type", "c"), ("interface_version", "b"),
               ("addr_ton", "b"), ("addr_npi", "b"), ("address_range", "c"))


class PduError(Exception):
    """The bytes are not a well-formed PDU; `status` is the error code to answer with."""

    def __init__(self, message: str, status: int = 0x02) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Pdu:
    command_id: int
    sequence: int
    status: int = ESME_ROK
    params: dict[str, Any] = field(default_factory=dict)
    tlvs: dict[int, bytes] = field(default_factory=dict)

    @property
    def is_response(self) -> bool:
        return bool(self.command_id & RESP)


def _put(out: bytearray, kind: str, value: Any) -> None:
    if kind == "c":
        out += (value or "").encode("latin-1") + b"\x00"
    else:
        out.append(int(value or 0) & 0xFF)


def _take(body: bytes, pos: int, kind: str) -> tuple[Any, int]:
    if kind == "c":
        end = body.find(b"\x00", pos)
        if end < 0:
            raise PduError("C-octet string without its NULL")
        return body[pos:end].decode("latin-1"), end + 1
    if pos >= len(body):
        raise PduError("body shorter than its fields")
    return body[pos], pos + 1


def _tlvs(body: bytes, pos: int) -> dict[int, bytes]:
    tlvs = {}
    while pos + 4 <= len(body):
        tag, length = struct.unpack_from(">HH", body, pos)
        tlvs[tag] = body[pos + 4:pos + 4 + length]
        pos += 4 + length
    return tlvs


def encode(pdu: Pdu) -> bytes:
    body = bytearray()
    cid = pdu.command_id
    if cid in (SUBMIT_SM, DELIVER_SM):
        for name, kind in SM_FIELDS:
            _put(body, kind, pdu.params.get(name))
        message = pdu.params.get("short_message", b"")
        body.append(len(message))
        body += message
    elif cid in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
        for name, kind in BIND_FIELDS:
            _put(body, kind, pdu.params.get(name))
    elif cid in (SUBMIT_SM | RESP, DELIVER_SM | RESP, DATA_SM | RESP, BIND_RECEIVER | RESP,
                 BIND_TRANSMITTER | RESP, BIND_TRANSCEIVER | RESP):
        if pdu.status == ESME_ROK or cid & ~RESP in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
            key = "system_id" if cid & ~RESP in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER) else "message_id"
            _put(body, "c", pdu.params.get(key))
    for tag, value in pdu.tlvs.items():
        body += struct.pack(">HH", tag, len(value)) + value
    return HEADER.pack(HEADER.size + len(body), cid, pdu.status, pdu.sequence) + bytes(body)


def decode(data: bytes) -> Pdu:
    """One whole PDU (header included) -> Pdu. Unknown commands keep their raw body."""
    length, cid, status, sequence = HEADER.unpack_from(data)
    if length != len(data):
        raise PduError("command_length does not match")
    body = data[HEADER.size:]
    pdu = Pdu(cid, sequence, status)
    if cid in (SUBMIT_SM, DELIVER_SM):
        pos = 0
        for name, kind in SM_FIELDS:
            pdu.params[name], pos = _take(body, pos, kind)
        sm_length, pos = _take(body, pos, "b")
        if pos + sm_length > len(body):
            raise PduError("short_message runs past the PDU", 0x01)
        pdu.params["short_message"] = body[pos:pos + sm_length]
        pdu.tlvs = _tlvs(body, pos + sm_length)
    elif cid in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
        pos = 0
        for name, kind in BIND_FIELDS:
            pdu.params[name], pos = _take(body, pos, kind)
    elif cid & RESP and body and cid != GENERIC_NACK:
        value, pos = _take(body, 0, "c")
        key = "message_id" if cid in (SUBMIT_SM | RESP, DELIVER_SM | RESP, DATA_SM | RESP) else "system_id"
        pdu.params[key] = value
        pdu.tlvs = _tlvs(body, pos)
    else:
        pdu.params["raw"] = body
    return pdu


def cstring(value: bytes) -> str:
    """A TLV holding a C-octet string."""
    return value.rstrip(b"\x00").decode("latin-1")
