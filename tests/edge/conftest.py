"""The server on a real socket, in a thread with its own event loop, as ``omni serve`` runs it.

The server's loop is not the test's: a test can measure how quickly the server answers while
the server is busy, and talk raw HTTP over one connection.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from omni_server.app import create_app
from omni_server.serving import uvicorn_config
from omni_server.settings import Settings
from tests.conftest import fast_settings
from tests.support import running_app, sqlite_url


@dataclass
class Served:
    url: str
    port: int
    key: str
    app: Any
    settings: Settings

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(settings: Settings) -> Iterator[Served]:
    """Run the app under uvicorn (configured as the CLI does) until the generator closes."""

    async def make_key() -> str:
        async with running_app(settings) as h:
            return h.key

    key = asyncio.run(make_key())
    settings = settings.model_copy(update={"port": free_port(), "log_level": "warning"})
    app = create_app(settings)
    config = uvicorn_config(app, settings)
    config.loop = "asyncio"
    config.ws = "none"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield Served(f"http://127.0.0.1:{settings.port}", settings.port, key, app, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The server on a SQLite file."""
    yield from serve(fast_settings(sqlite_url(tmp_path)))


served_with = contextmanager(serve)
"""``with served_with(settings) as server:`` for tests that need their own settings."""


def raw_request(port: int, request: bytes, *, timeout: float = 10.0) -> tuple[int, bytes]:
    """Send bytes on a fresh connection; return the status and the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        return read_response(sock)


def read_response(sock: socket.socket) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response with a ``content-length`` body from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed mid-body")
        body += chunk
    return int(head.split(b" ")[1]), head + b"\r\n\r\n" + body
