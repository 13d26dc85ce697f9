"""The request body limit holds on the stream (node/sdk/bodylimit.py): a chunked body with no
Content-Length is cut off at the limit, not read whole and measured after. The app is
called at the ASGI level with a body that never ends unless the app stops reading, and
the test counts the bytes the app pulled; then a real uvicorn server is sent a large
chunked body over a socket, and the test counts the bytes it could send. Nothing is timed.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from .wallet_support import Wallet, running_wallet

LIMIT = 64 * 1024
CHUNK = 4096
ENDLESS_CHUNKS = 10_000
"""Where the stand-in client gives up (40 MB): a body read whole would get there."""


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[Wallet]:
    with running_wallet(tmp_path, request_body_bytes_max=LIMIT) as w:
        yield w


def endless() -> Iterator[bytes]:
    for _ in range(ENDLESS_CHUNKS):
        yield b" " * CHUNK


def stream(
    app: FastAPI,
    path: str,
    headers: list[tuple[bytes, bytes]],
    chunks: Iterator[bytes] | None = None,
) -> tuple[int, int, bytes]:
    """POST a chunked body to `path` (endless unless `chunks`); (status, bytes the app
    read, answer)."""
    pulled = 0
    sent: list[dict[str, Any]] = []
    source = endless() if chunks is None else chunks

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(source, b"")
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunk)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"wallet"), (b"transfer-encoding", b"chunked"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("wallet", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[arg-type]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    if start["status"] == 413:
        assert (b"connection", b"close") in start["headers"]
    return start["status"], pulled, body


@pytest.mark.parametrize(
    "path",
    [
        "/v1/holders",  # a JSON model read by FastAPI
        "/v1/sessions",
        # a signed service route: the signature check reads the raw body itself
        "/v1/holders/hd" + "0" * 40 + "/certificates",
    ],
)
def test_a_chunked_body_is_cut_off_at_the_limit(wallet: Wallet, path: str) -> None:
    status, pulled, body = stream(wallet.app, path, [(b"content-type", b"application/json")])
    assert status == 413
    assert body == f'{{"detail":"request body over {LIMIT} bytes"}}'.encode()
    assert LIMIT < pulled <= LIMIT + CHUNK


def test_a_declared_length_over_the_limit_is_refused_before_reading(wallet: Wallet) -> None:
    status, pulled, _ = stream(
        wallet.app, "/v1/holders", [(b"content-length", str(LIMIT + 1).encode())]
    )
    assert status == 413 and pulled == 0


def test_a_chunked_body_within_the_limit_is_read(wallet: Wallet) -> None:
    padding = b" " * (LIMIT - 100)
    chunks = iter([b'{"passphrase": ', padding, b'"correct horse battery staple"}'])
    status, pulled, _ = stream(
        wallet.app, "/v1/holders", [(b"content-type", b"application/json")], chunks
    )
    assert status == 201 and pulled == LIMIT - 100 + 46


SOCKET_BODY_BYTES = 64 * 1024 * 1024
"""What the socket client tries to send: read whole, it would all go through."""
SOCKET_BUFFERS_BYTES_MAX = 16 * 1024 * 1024
"""More than the two loopback socket buffers hold (a few MiB on Linux): anything the client
sends past them must have been read by the server."""


def send_chunked(port: int) -> tuple[int, bytes]:
    """Send a `SOCKET_BODY_BYTES` chunked body until the server stops taking it; (bytes
    sent, what the server answered)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(
            b"POST /v1/holders HTTP/1.1\r\nHost: wallet\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
        sent = 0
        try:
            while sent < SOCKET_BODY_BYTES:
                conn.sendall(chunk)
                sent += 0x10000
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection: what this test wants
        answer = b""
        try:
            while part := conn.recv(4096):
                answer += part
        except ConnectionResetError:
            pass
        return sent, answer


def test_a_real_server_stops_reading_a_chunked_body_at_the_limit(wallet: Wallet) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # connections queue from here on: no wait for the server to start
    server = uvicorn.Server(uvicorn.Config(wallet.app, lifespan="off", log_level="warning"))
    serving = threading.Thread(target=server.run, kwargs={"sockets": [listener]})
    serving.start()
    try:
        sent, answer = send_chunked(listener.getsockname()[1])
    finally:
        server.should_exit = True
        serving.join(60)
        listener.close()
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()
    assert sent < SOCKET_BUFFERS_BYTES_MAX
