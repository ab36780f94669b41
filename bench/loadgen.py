"""Closed-loop HTTP/1.1 load generator, run in worker processes by ``bench_api.py``.

Two clients are available:

* ``raw``: a minimal keep-alive HTTP/1.1 client over asyncio streams (on uvloop when it is
  installed). It costs the client very little CPU per request, so on a small machine the
  server, not the generator, sets the pace.
* ``httpx``: ``httpx.AsyncClient``, the ordinary Python client; several times more client CPU
  per request (kept to show how much that matters).

Every loop is bounded by a request count and a time limit; traffic goes only to the host
given (``bench_api.py`` always passes 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
    uvloop = None

LOCALHOST = "127.0.0.1"
GRACE = 30.0  # seconds a single request may take beyond a loop's time limit


class HttpError(Exception):
    """The server answered something this client cannot use."""


class RawConnection:
    """One keep-alive HTTP/1.1 connection; requests are sent one at a time."""

    def __init__(self, port: int, headers: dict[str, str], host: str = LOCALHOST) -> None:
        self.host = host
        self.port = port
        fixed = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._fixed = f"Host: {host}:{port}\r\n{fixed}"
        self._cache: dict[str, bytes] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    def _encode(self, method: str, path: str, body: bytes | None) -> bytes:
        if body is None:
            key = f"{method} {path}"
            cached = self._cache.get(key)
            if cached is None:
                cached = f"{method} {path} HTTP/1.1\r\n{self._fixed}\r\n".encode()
                self._cache[key] = cached
            return cached
        head = (
            f"{method} {path} HTTP/1.1\r\n{self._fixed}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Send one request, return (status, body).

        Reconnects after ``Connection: close``, and retries once when a kept-alive connection
        turns out to have been closed by the server while idle (uvicorn closes idle
        connections after 5 s): nothing was read, so the request was not processed. After any
        other failure the connection is closed (the next request opens a new one).
        """
        try:
            reused = self._reader is not None
            try:
                head = await self._send(method, path, body)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                if not reused or getattr(exc, "partial", b""):
                    raise
                await self.close()
                head = await self._send(method, path, body)
            return await self._read_body(head, method, path)
        except BaseException:
            await self.close()
            raise

    async def _send(self, method: str, path: str, body: bytes | None) -> bytes:
        """Write the request, return the response's status line and headers."""
        reader, writer = await self._connect()
        writer.write(self._encode(method, path, body))
        return await reader.readuntil(b"\r\n\r\n")

    async def _read_body(self, head: bytes, method: str, path: str) -> tuple[int, bytes]:
        assert self._reader is not None
        status = int(head[9:12])
        lower = head.lower()
        start = lower.find(b"\r\ncontent-length:")
        if start < 0:
            raise HttpError(f"no content-length in response to {method} {path}")
        end = lower.index(b"\r\n", start + 2)
        payload = await self._reader.readexactly(int(lower[start + 17 : end]))
        if b"\r\nconnection: close" in lower:
            await self.close()
        return status, payload

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


@dataclass
class LoadJob:
    """What one worker process runs: ``connections`` closed loops sharing ``requests``."""

    port: int
    paths: list[str]
    headers: dict[str, str]
    connections: int
    requests: int
    time_limit: float
    start_at: float  # a time.monotonic() value: CLOCK_MONOTONIC is system-wide on Linux
    client: str = "raw"


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_sample: str = ""
    started: float = 0.0
    finished: float = 0.0
    cpu: float = 0.0  # client CPU seconds spent in the measured window
    timed_out: bool = False


Sender = Callable[[str], Coroutine[Any, Any, int]]


async def _closed_loop(job: LoadJob, senders: list[Sender], result: LoadResult) -> None:
    """Each sender loops: take a request from the shared budget, send, record latency."""
    budget = job.requests
    deadline = time.monotonic() + job.time_limit
    paths = job.paths
    clock = time.perf_counter
    counter = 0

    async def loop(send: Sender) -> None:
        nonlocal budget, counter
        while budget > 0:
            if time.monotonic() > deadline:
                result.timed_out = True
                return
            budget -= 1
            path = paths[counter % len(paths)]
            counter += 1
            t0 = clock()
            try:
                status = await send(path)
            except (OSError, HttpError, asyncio.IncompleteReadError, ValueError) as exc:
                status, result.error_sample = -1, repr(exc)
            result.latencies.append(clock() - t0)
            if status != 200:
                result.errors += 1
                result.error_sample = result.error_sample or f"HTTP {status} for {path}"

    # The loops stop taking requests at the deadline; a request the server never answers is
    # abandoned GRACE seconds later, so a stuck server cannot hold the run.
    tasks = [asyncio.ensure_future(loop(s)) for s in senders]
    _, stuck = await asyncio.wait(tasks, timeout=job.time_limit + GRACE)
    for task in stuck:
        task.cancel()
    if stuck:
        result.timed_out = True
        result.errors += len(stuck)
        result.error_sample = f"{len(stuck)} requests unanswered after {GRACE:.0f} s"
    for task in tasks:
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            raise failure


async def _wait_for_start(job: LoadJob, senders: list[Sender]) -> None:
    """Warm every connection with one request, then wait for the common start time."""
    await asyncio.wait_for(asyncio.gather(*(s(job.paths[0]) for s in senders)), GRACE)
    delay = job.start_at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def _measure(job: LoadJob, senders: list[Sender]) -> LoadResult:
    result = LoadResult()
    await _wait_for_start(job, senders)
    cpu0 = time.process_time()
    result.started = time.monotonic()
    await _closed_loop(job, senders, result)
    result.finished = time.monotonic()
    result.cpu = time.process_time() - cpu0
    return result


async def _run_raw(job: LoadJob) -> LoadResult:
    conns = [RawConnection(job.port, job.headers) for _ in range(job.connections)]

    def sender(conn: RawConnection) -> Sender:
        async def send(path: str) -> int:
            status, _ = await conn.request("GET", path)
            return status

        return send

    try:
        return await _measure(job, [sender(c) for c in conns])
    finally:
        for conn in conns:
            await conn.close()


async def _run_httpx(job: LoadJob) -> LoadResult:
    import httpx

    limits = httpx.Limits(
        max_connections=job.connections, max_keepalive_connections=job.connections
    )
    async with httpx.AsyncClient(
        base_url=f"http://{LOCALHOST}:{job.port}", headers=job.headers, limits=limits, timeout=30
    ) as client:

        async def send(path: str) -> int:
            response = await client.get(path)
            return response.status_code

        return await _measure(job, [send] * job.connections)


def run_job(job: LoadJob) -> LoadResult:
    """Entry point in a worker process."""
    runner = _run_httpx if job.client == "httpx" else _run_raw
    factory = uvloop.new_event_loop if uvloop is not None else None
    with asyncio.Runner(loop_factory=factory) as loop_runner:
        return loop_runner.run(runner(job))


def warm_up(seconds: float) -> int:
    """Run in each pool worker once, so imports and process start are out of the timings."""
    import httpx  # noqa: F401  (imported for its cost, not its use)

    time.sleep(seconds)
    import os

    return os.getpid()
