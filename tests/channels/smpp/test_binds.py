"""Binds against the SMSC peer on a socket: window, throttling, restart, several binds,
enquire_link, graceful unbind, refusals. No database: the link is the protocol side alone."""
from __future__ import annotations

import asyncio
import time

import pytest

from onecast.channels.sms_smpp import pdu as P
from onecast.channels.sms_smpp.config import parse_config
from onecast.channels.sms_smpp.link import Link, SubmitError
from onecast.channels.sms_smpp.provider import submit_params
from tests.support.processes import until


class Recorder:
    def __init__(self) -> None:
        self.pdus: list[P.Pdu] = []

    async def __call__(self, pdu: P.Pdu) -> int:
        self.pdus.append(pdu)
        return P.ESME_ROK


@pytest.fixture
async def open_link(smsc):
    links = []

    async def make(**config) -> tuple[Link, Recorder]:
        recorder = Recorder()
        link = Link(parse_config(smsc.config(**config)), recorder, "test")
        link.start()
        links.append(link)
        assert await link.wait_bound(10)
        return link, recorder

    yield make
    for link in links:
        await link.close()


def sms(link: Link, text: str) -> dict:
    return submit_params(link.config, text, "Onecast", "447700900123", 1)[0]


async def test_window_pipelines_up_to_its_size_and_never_more(smsc, open_link):
    smsc.response_delay = 0.05
    link, _ = await open_link(windowSize=4)
    ids = await asyncio.gather(*(link.submit(sms(link, f"m{i}")) for i in range(24)))
    assert len(set(ids)) == 24
    (conn_max,) = {c.max_outstanding for c in smsc.conns}
    assert conn_max == 4  # pipelined (more than one in flight) and bounded by the window


async def test_throttled_answers_are_retried_after_a_pause(smsc, open_link):
    smsc.throttle_first = 3
    link, _ = await open_link()
    message_id = await link.submit(sms(link, "after the storm"))
    assert smsc.throttled == 3 and link.throttled == 3
    assert smsc.texts() == ["after the storm"] and smsc.submitted[0].message_id == message_id


async def test_throughput_limit_spaces_submits(smsc, open_link):
    link, _ = await open_link(throughputPerSecond=50)
    start = time.monotonic()
    await asyncio.gather(*(link.submit(sms(link, f"t{i}")) for i in range(5)))
    # One slot per 1/50 s from the first: the next free slot is at least 5/50 s after the start.
    assert link._next_slot >= start + 5 / 50
    assert len(smsc.submitted) == 5


async def test_smsc_restart_mid_stream_loses_nothing(smsc, open_link):
    smsc.drop_after = 7
    smsc.response_delay = 0.01
    link, _ = await open_link(windowSize=5)
    texts = [f"message {i}" for i in range(30)]
    await asyncio.gather(*(link.submit(sms(link, t)) for t in texts))
    assert set(texts) <= set(smsc.texts())
    assert len(smsc.binds) >= 2  # it bound again after the restart
    assert link.resubmitted >= 1


async def test_several_transceiver_binds_share_the_load(smsc, open_link):
    smsc.response_delay = 0.02
    link, _ = await open_link(binds=3, windowSize=2)
    await asyncio.gather(*(link.submit(sms(link, f"x{i}")) for i in range(30)))
    assert smsc.binds == ["bind_transceiver"] * 3
    assert len({s.bind for s in smsc.submitted}) == 3


async def test_transmitter_and_receiver_pair_gets_mo_on_the_receiver(smsc, open_link):
    link, recorder = await open_link(bindMode="transmitter+receiver")
    await until(lambda: len(smsc.binds) == 2, what="both binds")
    assert sorted(smsc.binds) == ["bind_receiver", "bind_transmitter"]
    await link.submit(sms(link, "via transmitter"))
    assert await smsc.send_mo("447700900123", "12345", "hello") == [P.ESME_ROK]
    assert recorder.pdus[-1].params["short_message"] == b"hello"


async def test_enquire_link_keeps_the_bind_and_close_unbinds(smsc, open_link):
    link, _ = await open_link(enquireLinkSeconds=0.05, binds=2)
    await until(lambda: smsc.enquire_links >= 4, what="enquire_link")
    await link.close()
    assert smsc.unbinds == 2


async def test_a_refused_message_is_a_permanent_error(smsc, open_link):
    smsc.refuse["447700900999"] = 0x0B  # ESME_RINVDSTADR
    link, _ = await open_link()
    params = submit_params(link.config, "nope", "Onecast", "447700900999", 1)[0]
    with pytest.raises(SubmitError) as caught:
        await link.submit(params)
    assert caught.value.permanent and caught.value.status == 0x0B


async def test_a_refused_bind_is_retried_and_the_submit_gives_up_transiently(smsc):
    link = Link(parse_config(smsc.config(password="wrong", submitTimeoutSeconds=0.3)), Recorder(), "bad")
    link.start()
    try:
        with pytest.raises(SubmitError) as caught:
            await link.submit({"short_message": b"x"})
        assert not caught.value.permanent and caught.value.code == "SmscUnavailable"
        assert not smsc.binds
    finally:
        await link.close()


async def test_a_deliver_sm_not_kept_is_answered_with_a_temporary_error(smsc):
    async def failing(_pdu: P.Pdu) -> int:
        raise RuntimeError("database away")

    link = Link(parse_config(smsc.config()), failing, "failing")
    link.start()
    try:
        assert await link.wait_bound(10)
        assert await smsc.send_mo("447700900123", "12345", "hello") == [P.ESME_RX_T_APPN]  # the SMSC retries
    finally:
        await link.close()
