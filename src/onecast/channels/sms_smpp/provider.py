"""The `sms_smpp` provider: encodes a message (GSM-7 or UCS-2, concatenated parts with an
8-bit reference UDH), submits every part over the channel's binds and records the SMSC ids."""
from __future__ import annotations

import itertools
import random
from typing import Any

from onecast.channels import sms_encoding
from onecast.channels.base import OutboundMessage, SendResult
from onecast.channels.models import Channel
from onecast.channels.service import enabled_channels, resolve
from onecast.channels.sms_smpp import link as links
from onecast.channels.sms_smpp import pdu as P
from onecast.channels.sms_smpp.config import SmppConfig, parse_config, validate_config  # noqa: F401 (checked on channel writes)
from onecast.channels.sms_smpp.receipts import udh
from onecast.channels.sms_smpp.store import ChannelRef, DeliverSink, record_submission
from onecast.kit.phone import to_e164

DATA_CODING = {"gsm7": P.DATA_CODING_DEFAULT, "ucs2": P.DATA_CODING_UCS2}


def message_text(message: OutboundMessage) -> str:
    """The SMS text: customBody.body, else the body, else the first text part; then the
    message's unicodeConversion."""
    custom = message.custom_body
    if isinstance(custom, dict) and isinstance(custom.get("body"), str):
        text = custom["body"]
    elif message.body is not None:
        text = message.body
    else:
        text = next((p["data"] for p in message.parts
                     if str(p.get("type", "")).startswith("text/") and isinstance(p.get("data"), str)), "")
    conversion = message.options.get("unicodeConversion")
    if isinstance(conversion, dict):
        text = sms_encoding.to_gsm(text, conversion.get("customReplacements"),
                                   lookalikes=bool(conversion.get("convertUnicodeToGsm")))
    return text


def source_address(config: SmppConfig, sender: str) -> tuple[int, int, str]:
    """(TON, NPI, address): the channel's TON/NPI when set, else by the sender's form."""
    if sender.lstrip("+").isdigit():
        ton, npi = 1, 1
    else:
        ton, npi = (5, 0) if sender else (0, 0)
    ton = config.source_ton if config.source_ton is not None else ton
    npi = config.source_npi if config.source_npi is not None else npi
    return ton, npi, sender.lstrip("+")


def submit_params(config: SmppConfig, text: str, sender: str, destination: str, ref: int) -> list[dict[str, Any]]:
    encoding = sms_encoding.encoding_of(text)
    chunks = sms_encoding.split_units(text, encoding)
    ton, npi, source = source_address(config, sender)
    base = {"source_addr_ton": ton, "source_addr_npi": npi, "source_addr": source,
            "dest_addr_ton": config.dest_ton, "dest_addr_npi": config.dest_npi, "destination_addr": destination,
            "registered_delivery": 1 if config.registered_delivery else 0, "data_coding": DATA_CODING[encoding]}
    if len(chunks) == 1:
        return [{**base, "esm_class": 0, "short_message": chunks[0]}]
    return [{**base, "esm_class": P.ESM_UDHI, "short_message": udh(ref, len(chunks), seq) + chunk}
            for seq, chunk in enumerate(chunks, start=1)]


class SmppProvider:
    name = "sms_smpp"

    def __init__(self, config: dict[str, Any], db: Any) -> None:
        self.config = parse_config(config)
        self.db = db
        self._refs: dict[tuple[str, str], tuple[tuple[str, int], ChannelRef]] = {}
        self._held: set[tuple[str, int]] = set()
        self._concat_ref = itertools.count(random.randrange(256))

    async def _channel(self, message: OutboundMessage) -> tuple[tuple[str, int], ChannelRef] | None:
        """The configured channel the rule resolved to (its binds carry the receipts)."""
        cache_key = (message.space_id, message.channel)
        if cache_key not in self._refs:
            async with self.db.read() as session:
                resolved = resolve(message.channel, await enabled_channels(session, message.space_id))
                row = await session.get(Channel, resolved.key[0]) if resolved else None
            if row is None:
                return None
            self._refs[cache_key] = ((row.id, row.revision), ChannelRef(row.space_id, row.id, row.channel_id))
        return self._refs[cache_key]

    def _link(self, key: tuple[str, int], ref: ChannelRef) -> links.Link:
        if key not in self._held:
            self._held.add(key)
            return links.acquire(key, self.config, lambda: DeliverSink(self.db, ref))
        return links.get(key)

    async def send(self, message: OutboundMessage) -> SendResult:
        text = message_text(message)
        if len(text) > sms_encoding.MAX_SMS_CHARS:
            return SendResult.failed("BodyTooLong", f"an SMS may hold at most {sms_encoding.MAX_SMS_CHARS} characters")
        if message.options.get("allowUnicode") is False and not sms_encoding.is_gsm7(text):
            return SendResult.failed("UnicodeNotAllowed", "the text needs UCS-2 and allowUnicode is false")
        sender = str(message.options.get("from") or self.config.sender or "")
        if sender and sms_encoding.sender_error(sender):
            return SendResult.failed("SenderInvalid", sms_encoding.sender_error(sender))
        number = to_e164(message.address)
        if number is None:
            return SendResult.failed("ToInvalid", f"{message.address!r} is not a valid phone number")
        channel = await self._channel(message)
        if channel is None:
            return SendResult.transient("ChannelGone", "the sms_smpp channel is no longer configured")
        key, ref = channel
        link = self._link(key, ref)
        params = submit_params(self.config, text, sender, number.lstrip("+"), next(self._concat_ref) % 256)
        smsc_ids = []
        try:
            for part in params:
                smsc_ids.append(await link.submit(part))
        except links.SubmitError as exc:
            if exc.permanent:
                return SendResult.failed(exc.code, str(exc), partsAccepted=len(smsc_ids))
            return SendResult.transient(exc.code, str(exc), partsAccepted=len(smsc_ids))
        receipts = await record_submission(self.db, ref, message.message_id, smsc_ids)
        return SendResult(ok=True, provider_message_id=smsc_ids[0],
                          details={"segmentCount": len(smsc_ids), "smscMessageIds": smsc_ids},
                          receipts=receipts)

    async def close(self) -> None:
        for key in list(self._held):
            await links.release(key)
        self._held.clear()


def create(config: dict[str, Any], db: Any, guard: Any = None) -> SmppProvider:  # SMSC hosts are operator infrastructure
    return SmppProvider(config, db)
