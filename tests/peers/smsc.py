"""An SMSC for tests: speaks SMPP 3.4 on a TCP socket, written from the specification and
independent of onecast's own codec. It accepts binds, answers submit_sm with message ids (hex or
decimal), sends delivery receipts (after or before submit_sm_resp, with or without the
receipted_message_id TLV), sends MO messages, throttles on request, delays its answers to show
the client's window, and can drop every connection and restart mid-stream."""
from __future__ import annotations

import asyncio
import itertools
import struct
from dataclasses import dataclass, field

GSM = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
       "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXT = {0x0A: "\f", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]",
           0x40: "|", 0x65: "€"}

CMD = {"generic_nack": 0x80000000, "bind_receiver": 0x1, "bind_transmitter": 0x2, "submit_sm": 0x4,
       "deliver_sm": 0x5, "unbind": 0x6, "bind_transceiver": 0x9, "enquire_link": 0x15}
NAMES = {v: k for k, v in CMD.items()}
ROK, RINVPASWD, RTHROTTLED, RINVCMDID = 0x0, 0x0E, 0x58, 0x03


def gsm_decode(data: bytes) -> str:
    out, i = [], 0
    while i < len(data):
        if data[i] == 0x1B and i + 1 < len(data):
            out.append(GSM_EXT.get(data[i + 1], "?"))
            i += 2
        else:
            out.append(GSM[data[i]])
            i += 1
    return "".join(out)


def cstr(buf: bytes, pos: int) -> tuple[str, int]:
    end = buf.index(0, pos)
    return buf[pos:end].decode("latin-1"), end + 1


def pdu(command: int, status: int, seq: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, seq) + body


SM_LAYOUT = "c b b c b b c b b b c c b b b b"  # submit_sm / deliver_sm up to sm_length


def parse_sm(body: bytes) -> dict:
    names = ["service_type", "source_ton", "source_npi", "source", "dest_ton", "dest_npi", "destination",
             "esm_class", "protocol_id", "priority", "schedule", "validity", "registered_delivery",
             "replace", "data_coding", "default_msg_id"]
    values, pos = {}, 0
    for name, kind in zip(names, SM_LAYOUT.split()):
        if kind == "c":
            values[name], pos = cstr(body, pos)
        else:
            values[name], pos = body[pos], pos + 1
    length = body[pos]
    values["short_message"] = body[pos + 1:pos + 1 + length]
    values["tlvs"] = body[pos + 1 + length:]
    return values


def build_sm(source: str, destination: str, esm_class: int, data_coding: int, message: bytes,
             tlvs: bytes = b"") -> bytes:
    def c(text: str) -> bytes:
        return text.encode("latin-1") + b"\0"
    return (c("") + bytes((1, 1)) + c(source) + bytes((1, 1)) + c(destination)
            + bytes((esm_class, 0, 0)) + c("") + c("") + bytes((0, 0, data_coding, 0, len(message)))
            + message + tlvs)


@dataclass
class Submitted:
    message_id: str
    bind: int
    source: str
    source_ton: int
    source_npi: int
    destination: str
    esm_class: int
    data_coding: int
    registered_delivery: int
    short_message: bytes

    @property
    def udh(self) -> tuple[int, int, int] | None:
        """(ref, total, seq) of an 8-bit concatenation header."""
        if not self.esm_class & 0x40:
            return None
        h = self.short_message
        return (h[3], h[4], h[5]) if h[1] == 0x00 and h[2] == 3 else None

    @property
    def payload(self) -> bytes:
        return self.short_message[1 + self.short_message[0]:] if self.esm_class & 0x40 else self.short_message

    @property
    def text(self) -> str:
        if self.data_coding == 0x08:
            return self.payload.decode("utf-16-be")
        return gsm_decode(self.payload)

    @property
    def septets_or_units(self) -> int:
        return len(self.payload) // (2 if self.data_coding == 0x08 else 1)


@dataclass
class Conn:
    number: int
    kind: str
    writer: asyncio.StreamWriter
    seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    waiting: dict = field(default_factory=dict)  # our deliver_sm sequence -> future of its resp status
    outstanding: int = 0  # submit_sm received and not answered yet
    max_outstanding: int = 0


class Smsc:
    def __init__(self, system_id: str = "onecast", password: str = "secret", id_format: str = "hex") -> None:
        self.system_id, self.password, self.id_format = system_id, password, id_format
        self.port = 0
        self.submitted: list[Submitted] = []
        self.binds: list[str] = []
        self.unbinds = 0
        self.enquire_links = 0
        self.conns: list[Conn] = []
        self.receipts = "after"  # "after" | "before" | None
        self.receipt_stat = "DELIVRD"
        self.receipt_text_id = "same"  # "same" | "decimal": id written in the receipt text
        self.receipt_tlv = True
        self.response_delay = 0.0
        self.refuse: dict[str, int] = {}  # destination -> command_status answered to its submit_sm
        self.throttle_first = 0  # so many submit_sm are answered ESME_RTHROTTLED
        self.throttled = 0
        self.drop_after: int | None = None  # drop every connection after this many submit_sm (unanswered)
        self.down_for = 0.2
        self.receipt_acks: list[int] = []
        self.submitted_event = asyncio.Event()
        self._ids = itertools.count(0x5A000000)
        self._server: asyncio.base_events.Server | None = None
        self._conn_numbers = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._clients: dict[asyncio.Task, asyncio.StreamWriter] = {}

    async def start(self) -> Smsc:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self.conns):
            conn.writer.close()
        self.conns.clear()
        current = asyncio.current_task()
        for writer in self._clients.values():  # connections that never bound too
            writer.close()
        await asyncio.gather(*(t for t in list(self._clients) if t is not current), return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def restart(self, down_for: float | None = None) -> None:
        """Drop every connection and listen again on the same port after a while."""
        await self.stop()
        await asyncio.sleep(self.down_for if down_for is None else down_for)
        await self.start()

    def config(self, **extra) -> dict:
        return {"host": "127.0.0.1", "port": self.port, "systemId": self.system_id, "password": self.password,
                **extra}

    def texts(self) -> list[str]:
        return [s.text for s in self.submitted]

    async def wait_for(self, predicate, timeout: float = 20.0) -> None:
        async def loop() -> None:
            while not predicate():
                self.submitted_event.clear()
                await self.submitted_event.wait()
        await asyncio.wait_for(loop(), timeout)

    def bound(self, kinds=("bind_transceiver", "bind_receiver")) -> list[Conn]:
        return [c for c in self.conns if c.kind in kinds]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = Conn(next(self._conn_numbers), "", writer)
        self._clients[asyncio.current_task()] = writer
        try:
            while True:
                head = await reader.readexactly(16)
                length, command, status, seq = struct.unpack(">IIII", head)
                body = await reader.readexactly(length - 16)
                await self._handle(conn, command, status, seq, body)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            if conn in self.conns:
                self.conns.remove(conn)
            for future in conn.waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("closed"))
            writer.close()
            self._clients.pop(asyncio.current_task(), None)

    async def _handle(self, conn: Conn, command: int, status: int, seq: int, body: bytes) -> None:
        name = NAMES.get(command & 0x7FFFFFFF) if command & 0x80000000 else NAMES.get(command)
        if command & 0x80000000:
            future = conn.waiting.pop(seq, None)
            if future is not None and not future.done():
                future.set_result(status)
            return
        if name and name.startswith("bind_"):
            system_id, pos = cstr(body, 0)
            password, pos = cstr(body, pos)
            ok = system_id == self.system_id and password == self.password
            conn.writer.write(pdu(command | 0x80000000, ROK if ok else RINVPASWD, seq, b"peer-smsc\0"))
            if ok:
                conn.kind = name
                self.conns.append(conn)
                self.binds.append(name)
                self.submitted_event.set()
        elif name == "enquire_link":
            self.enquire_links += 1
            conn.writer.write(pdu(command | 0x80000000, ROK, seq))
        elif name == "unbind":
            self.unbinds += 1
            conn.writer.write(pdu(command | 0x80000000, ROK, seq))
            self.submitted_event.set()
        elif name == "submit_sm":
            await self._submit(conn, seq, parse_sm(body))
        else:
            conn.writer.write(pdu(0x80000000, RINVCMDID, seq))

    async def _submit(self, conn: Conn, seq: int, sm: dict) -> None:
        if sm["destination"] in self.refuse:
            conn.writer.write(pdu(0x80000004, self.refuse[sm["destination"]], seq))
            return
        if self.throttled < self.throttle_first:
            self.throttled += 1
            conn.writer.write(pdu(0x80000004, RTHROTTLED, seq))
            return
        if self.drop_after is not None and len(self.submitted) >= self.drop_after:
            self.drop_after = None
            task = asyncio.create_task(self.restart())  # this one stays unanswered
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        number = next(self._ids)
        message_id = format(number, "x") if self.id_format == "hex" else str(number)
        self.submitted.append(Submitted(
            message_id, conn.number, sm["source"], sm["source_ton"], sm["source_npi"], sm["destination"],
            sm["esm_class"], sm["data_coding"], sm["registered_delivery"], sm["short_message"]))
        self.submitted_event.set()
        conn.outstanding += 1
        conn.max_outstanding = max(conn.max_outstanding, conn.outstanding)
        task = asyncio.create_task(self._answer(conn, seq, message_id, number, sm))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, conn: Conn, seq: int, message_id: str, number: int, sm: dict) -> None:
        if self.response_delay:
            await asyncio.sleep(self.response_delay)
        want_receipt = self.receipts and sm["registered_delivery"] & 0x03
        if want_receipt and self.receipts == "before":
            self._send_receipt(conn, message_id, number, sm)
        conn.outstanding -= 1
        if conn.writer.is_closing():
            return
        conn.writer.write(pdu(0x80000004, ROK, seq, message_id.encode() + b"\0"))
        if want_receipt and self.receipts == "after":
            self._send_receipt(conn, message_id, number, sm)

    def _send_receipt(self, conn: Conn, message_id: str, number: int, sm: dict) -> None:
        target = conn if conn.kind == "bind_transceiver" else next(iter(self.bound(("bind_receiver",))), None)
        if target is None:
            return
        text_id = str(number) if self.receipt_text_id == "decimal" else message_id
        err = "000" if self.receipt_stat == "DELIVRD" else "001"
        text = (f"id:{text_id} sub:001 dlvrd:{1 if self.receipt_stat == 'DELIVRD' else 0:03d} "
                f"submit date:2611230000 done date:2611230000 stat:{self.receipt_stat} err:{err} text:").encode()
        tlvs = b""
        if self.receipt_tlv:
            value = message_id.encode() + b"\0"
            tlvs = struct.pack(">HH", 0x001E, len(value)) + value
        body = build_sm(sm["destination"], sm["source"], 0x04, 0, text, tlvs)
        self._deliver(target, body)

    def _deliver(self, conn: Conn, body: bytes) -> asyncio.Future:
        seq = next(conn.seq)
        future = asyncio.get_running_loop().create_future()
        conn.waiting[seq] = future
        future.add_done_callback(lambda f: self.receipt_acks.append(f.result()) if not f.exception() else None)
        conn.writer.write(pdu(CMD["deliver_sm"], 0, seq, body))
        return future

    async def send_mo(self, source: str, destination: str, text: str, *, ucs2: bool = False,
                      parts: int = 1, ref: int = 7) -> list[int]:
        """An MO message from a handset; returns the deliver_sm_resp statuses."""
        conn = next(iter(self.bound()), None)
        assert conn is not None, "no receiving bind"
        data = text.encode("utf-16-be") if ucs2 else text.encode("latin-1")
        if parts == 1:
            return [await self._deliver(conn, build_sm(source, destination, 0, 8 if ucs2 else 3, data))]
        step = -(-len(data) // parts)
        if ucs2:
            step += step % 2
        chunks = [data[i:i + step] for i in range(0, len(data), step)]
        futures = [self._deliver(conn, build_sm(source, destination, 0x40, 8 if ucs2 else 3,
                                                bytes((5, 0, 3, ref, len(chunks), i + 1)) + chunk))
                   for i, chunk in enumerate(chunks)]
        return list(await asyncio.gather(*futures))
