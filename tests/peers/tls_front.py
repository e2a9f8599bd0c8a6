"""TLS in front of a loopback h2c peer, as APNs terminates it: ALPN h2, a client certificate
verified against a CA (optional, so token auth works too). The peer learns which certificate a
request came with from the connection's source port (`scope["client"]`), recorded here."""
from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    finally:
        writer.close()


@asynccontextmanager
async def tls_front(backend_url: str, cert_file: Path, key_file: Path, client_ca_file: Path,
                    client_certs: dict[int, bytes | None]) -> AsyncIterator[str]:
    """Yields the https base URL; fills `client_certs` (backend source port -> client cert DER)."""
    backend = urlsplit(backend_url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.load_verify_locations(client_ca_file)
    context.verify_mode = ssl.CERT_OPTIONAL
    context.set_alpn_protocols(["h2"])
    tasks: set[asyncio.Task] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        up_reader, up_writer = await asyncio.open_connection(backend.hostname, backend.port)
        client_certs[up_writer.get_extra_info("sockname")[1]] = der  # before any byte reaches the peer
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    def track(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(handle(reader, writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(track, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
