"""Scale-out benchmark: many one-second turns through API servers and worker processes.

Runs, on this machine and nowhere else (127.0.0.1 only):

1. **Throughput**: ``--turns`` turns of ``!omni:sleep=S`` created through one API server
   (``serve --no-runner``) and run by 1, 2 and 4 ``omni worker`` processes on PostgreSQL,
   then the same on SQLite by one ``omni serve`` (API and runner in one process, the only
   SQLite layout). Figures: wall time (first create to last finish), turns per second, the
   ideal turns per second of that capacity (the baseline of the same run), and create→running
   p50/p99 (from the rows' own ``created_at``/``started_at``, one clock).
2. **Idle wake-up**: with idle workers, turns created one at a time; create→running p50/p99
   (what LISTEN/NOTIFY buys: without it a turn waits for the next poll).
3. **Cross-process cancel**: hanging turns created through server A, canceled through server
   B; DELETE→terminal (the DELETE round trip: a cancel is synchronous) and DELETE→engine
   stopped (the worker logs the wall-clock moment its engine task ended), p50/p99.

Turns are spread over ``--accounts`` accounts so that the per-account share of a worker
(``OMNI_MAX_RUNNING_PER_ACCOUNT``) does not cap throughput. Exit status 1 when the run broke.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

LOCALHOST = "127.0.0.1"
API = "/v1/omni-ai"
POSTGRES = os.environ.get("OMNI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class BenchError(Exception):
    pass


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return int(s.getsockname()[1])


def omni() -> str:
    local = Path(sys.executable).parent / "omni"
    if not local.exists():
        raise BenchError("the `omni` command is not installed next to this Python")
    return str(local)


class Proc:
    """An ``omni`` subprocess logging to a file, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str], port: int) -> None:
        self.log = log
        self.port = port
        base = {k: v for k, v in os.environ.items() if not k.startswith("OMNI_")}
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [omni(), *args],
                # One key drives the whole load: the per-key active limit would refuse it.
                env={**base, "OMNI_MAX_ACTIVE_PER_KEY": "0", **env, "PYTHONUNBUFFERED": "1"},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    async def ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise BenchError(f"{self.log} exited:\n{self.log.read_text()}")
                try:
                    r = await client.get(f"http://{LOCALHOST}:{self.port}/readyz", timeout=1)
                    if r.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise BenchError(f"{self.log} not ready after {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Cluster:
    database: str
    directory: Path
    env: dict[str, str]
    procs: list[Proc]
    key: str = ""

    def start(self, name: str, args: list[str]) -> Proc:
        port = free_port()
        args = [*args, "--port", str(port)]
        proc = Proc(
            [*args, "--database", self.database], self.directory / f"{name}.log", self.env, port
        )
        self.procs.append(proc)
        return proc

    def make_key(self, accounts: int) -> None:
        args = [omni(), "keys", "create", "--database", self.database]
        for account in range(1, accounts + 1):
            args += ["--account", str(account)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise BenchError(done.stdout + done.stderr)
        self.key = done.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        for proc in self.procs:
            if proc.proc.poll() is None:
                proc.proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            proc.stop()


# --------------------------------------------------------------------------- databases


async def admin(statement: str) -> None:
    from omni_server.worker.signals import asyncpg_arguments

    conn = await asyncpg.connect(**asyncpg_arguments(POSTGRES))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def new_postgres() -> str:
    name = f"omni_bench_{uuid.uuid4().hex[:10]}"
    await admin(f'CREATE DATABASE "{name}"')
    return POSTGRES.rsplit("/", 1)[0] + "/" + name


async def drop_postgres(url: str) -> None:
    await admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


async def timings(database: str) -> list[tuple[datetime, datetime | None, datetime | None]]:
    """(created_at, started_at, finished_at) of every response, read from the database."""
    sql = "SELECT created_at, started_at, finished_at FROM responses"
    if database.startswith("sqlite"):
        path = database.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            rows = conn.execute(sql).fetchall()
        return [tuple(_parse(v) for v in row) for row in rows]  # type: ignore[misc]
    from omni_server.worker.signals import asyncpg_arguments

    conn = await asyncpg.connect(**asyncpg_arguments(database))
    try:
        return [(r[0], r[1], r[2]) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# --------------------------------------------------------------------------- load


async def create_turns(
    url: str, key: str, texts: list[str], accounts: int, concurrency: int
) -> list[str]:
    headers = {"Authorization": f"Bearer {key}"}
    ids: list[str] = []
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as c:

        async def one(i: int, text: str) -> None:
            async with gate:
                body = {"type": "instant", "account_id": i % accounts + 1, "text": text}
                # A connection the server closes as a request goes out is retried; the
                # idempotency key makes the retry return the same turn, never a second one.
                once = {"Idempotency-Key": uuid.uuid4().hex}
                for attempt in range(3):
                    try:
                        r = await c.post(f"{API}/threads", json=body, headers=once)
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                if r.status_code != 200:
                    raise BenchError(f"create answered {r.status_code}: {r.text}")
                ids.append(r.json()["data"]["response_id"])

        await asyncio.gather(*(one(i, t) for i, t in enumerate(texts)))
    return ids


async def wait_all_terminal(database: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = await timings(database)
        if len(rows) >= count and all(r[2] is not None for r in rows):
            return
        await asyncio.sleep(0.25)
    raise BenchError(f"turns not finished after {timeout} s")


@dataclass
class ThroughputRow:
    name: str
    capacity: int
    wall: float
    turns: int
    sleep: float
    c2r_p50: float
    c2r_p99: float

    @property
    def rate(self) -> float:
        return self.turns / self.wall

    @property
    def ideal(self) -> float:
        return self.capacity / self.sleep


async def throughput(
    cfg: argparse.Namespace, tmp: Path, name: str, workers: int | None
) -> ThroughputRow:
    """``workers`` worker processes on PostgreSQL, or ``None``: one SQLite ``omni serve``."""
    database = await new_postgres() if workers is not None else f"sqlite:///{tmp / name}.db"
    env = {
        "OMNI_MAX_RUNNING": str(cfg.concurrency),
        "OMNI_PROGRESS_INTERVAL": str(cfg.progress_interval),
        "OMNI_DB_POOL_SIZE": str(cfg.pool_size),
    }
    cluster = Cluster(database, tmp, env, [])
    try:
        subprocess.run([omni(), "migrate", "--database", database], check=True, capture_output=True)
        cluster.make_key(cfg.accounts)
        api = cluster.start(f"{name}-api", ["serve"] + (["--no-runner"] if workers else []))
        started = [cluster.start(f"{name}-w{i}", ["worker"]) for i in range(workers or 0)]
        for proc in [api, *started]:
            await proc.ready()
        texts = [f"!omni:sleep={cfg.sleep:g}"] * cfg.turns
        await create_turns(f"http://{LOCALHOST}:{api.port}", cluster.key, texts, cfg.accounts, 32)
        await wait_all_terminal(database, cfg.turns, timeout=cfg.turns * cfg.sleep + 120)
        rows = await timings(database)
    finally:
        cluster.stop()
        if workers is not None:
            await drop_postgres(database)
    first = min(r[0] for r in rows)
    last = max(r[2] for r in rows if r[2] is not None)
    waits = [(r[1] - r[0]).total_seconds() for r in rows if r[1] is not None]
    capacity = cfg.concurrency * (workers or 1)
    wall = (last - first).total_seconds()
    return ThroughputRow(
        name, capacity, wall, len(rows), cfg.sleep, percentile(waits, 50), percentile(waits, 99)
    )


async def latency(cfg: argparse.Namespace, tmp: Path) -> dict[str, list[float]]:
    """Idle wake-up and cross-process cancel on 2 API servers and 2 workers (PostgreSQL)."""
    database = await new_postgres()
    cluster = Cluster(database, tmp, {"OMNI_MAX_RUNNING": str(cfg.concurrency)}, [])
    try:
        subprocess.run([omni(), "migrate", "--database", database], check=True, capture_output=True)
        cluster.make_key(1)
        a = cluster.start("lat-api-a", ["serve", "--no-runner"])
        b = cluster.start("lat-api-b", ["serve", "--no-runner"])
        workers = [cluster.start(f"lat-w{i}", ["worker"]) for i in range(2)]
        for proc in [a, b, *workers]:
            await proc.ready()
        headers = {"Authorization": f"Bearer {cluster.key}"}
        async with (
            httpx.AsyncClient(base_url=f"http://{LOCALHOST}:{a.port}", headers=headers) as ca,
            httpx.AsyncClient(base_url=f"http://{LOCALHOST}:{b.port}", headers=headers) as cb,
        ):
            await idle_wakeups(ca, cfg.idle)
            wake = await timings(database)
            to_terminal, sent = await cancels(ca, cb, cfg.cancels)
    finally:
        cluster.stop()
        await drop_postgres(database)
    stopped = engine_stops([p.log for p in cluster.procs if "-w" in p.log.name])
    to_stopped = [stopped[rid] - at for rid, at in sent.items() if rid in stopped]
    return {
        "create→running, idle workers": [
            (r[1] - r[0]).total_seconds() for r in wake if r[1] is not None
        ][: cfg.idle],
        "cancel: DELETE→terminal": to_terminal,
        "cancel: DELETE→engine stopped": to_stopped,
    }


async def idle_wakeups(client: httpx.AsyncClient, count: int) -> None:
    for _ in range(count):
        body = {"type": "instant", "account_id": 1, "text": "!omni:sleep=0.05"}
        r = await client.post(f"{API}/threads", json=body)
        r.raise_for_status()
        await asyncio.sleep(0.2)  # the turn ends; the workers are idle again
    await asyncio.sleep(0.5)


async def cancels(
    ca: httpx.AsyncClient, cb: httpx.AsyncClient, count: int
) -> tuple[list[float], dict[str, float]]:
    to_terminal: list[float] = []
    sent: dict[str, float] = {}
    for _ in range(count):
        body = {"type": "instant", "account_id": 1, "text": "!omni:hang"}
        r = await ca.post(f"{API}/threads", json=body)
        r.raise_for_status()
        rid = r.json()["data"]["response_id"]
        while True:
            got = await ca.get(f"{API}/responses/{rid}", params={"account_id": 1})
            if got.json()["data"]["status"] == "running":
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        wall, t0 = time.time(), time.perf_counter()
        d = await cb.delete(f"{API}/responses/{rid}", params={"account_id": 1})
        to_terminal.append(time.perf_counter() - t0)
        if not d.json()["data"]["canceled"]:
            raise BenchError(f"cancel of {rid} did not cancel: {d.text}")
        sent[rid] = wall
    await asyncio.sleep(1.0)  # let the last worker log lines land
    return to_terminal, sent


STOPPED = re.compile(r"engine stopped for response (\S+) at (\d+\.\d+)")


def engine_stops(logs: list[Path]) -> dict[str, float]:
    found: dict[str, float] = {}
    for log in logs:
        for match in STOPPED.finditer(log.read_text(errors="replace")):
            found[match.group(1)] = float(match.group(2))
    return found


# --------------------------------------------------------------------------- report


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def print_throughput(rows: list[ThroughputRow], *, flush: bool = False) -> None:
    print(f"\n{rows[0].turns} turns of !omni:sleep={rows[0].sleep:g} (API: one process):")
    head = f"{'layout':<32}{'capacity':>9}{'wall s':>9}{'turns/s':>9}{'ideal':>8}{'ratio':>7}"
    print(f"{head}{'c→r p50 ms':>12}{'c→r p99 ms':>12}")
    for r in rows:
        print(
            f"{r.name:<32}{r.capacity:>9}{r.wall:>9.2f}{r.rate:>9.1f}{r.ideal:>8.1f}"
            f"{r.rate / r.ideal:>7.2f}{ms(r.c2r_p50):>12}{ms(r.c2r_p99):>12}",
            flush=flush,
        )


def print_latency(figures: dict[str, list[float]]) -> None:
    print(f"\n{'latency':<36}{'n':>5}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name, values in figures.items():
        print(
            f"{name:<36}{len(values):>5}{ms(percentile(values, 50)):>10}"
            f"{ms(percentile(values, 99)):>10}{ms(max(values, default=float('nan'))):>10}"
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--turns", type=int, default=1000)
    p.add_argument("--sleep", type=float, default=1.0)
    p.add_argument("--workers", default="1,2,4", help="worker process counts on PostgreSQL")
    p.add_argument("--concurrency", type=int, default=64, help="turns per worker at once")
    p.add_argument("--accounts", type=int, default=8)
    p.add_argument(
        "--pool-size",
        type=int,
        default=4,
        help="OMNI_DB_POOL_SIZE of every process (4 workers at the default 10 would need up "
        "to 124 connections, more than PostgreSQL's default max_connections of 100)",
    )
    p.add_argument(
        "--progress-interval",
        type=float,
        default=0.5,
        help="OMNI_PROGRESS_INTERVAL of the throughput runs (the default 0.1 s makes every "
        "running turn write 10 times a second, which then dominates a small machine)",
    )
    p.add_argument("--idle", type=int, default=50, help="turns for the idle wake-up figure")
    p.add_argument("--cancels", type=int, default=100)
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--quick", action="store_true", help="small counts (smoke run)")
    cfg = p.parse_args(argv)
    if cfg.quick:
        cfg.turns, cfg.idle, cfg.cancels, cfg.workers = 100, 10, 10, "1,2"
    return cfg


async def run(cfg: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="omni-bench-scale-"))
    print(f"process logs in {tmp}", flush=True)
    layouts: list[tuple[str, int | None]] = [
        (f"postgres, {n} worker process(es)", int(n)) for n in cfg.workers.split(",")
    ]
    if not cfg.no_sqlite:
        layouts.append(("sqlite, one process", None))
    rows: list[ThroughputRow] = []
    for name, workers in layouts:
        rows.append(await throughput(cfg, tmp, name, workers))
        print_throughput(rows[-1:], flush=True)  # each figure as soon as it is known
    print_throughput(rows)
    print_latency(await latency(cfg, tmp))


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    try:
        asyncio.run(run(cfg))
    except (BenchError, subprocess.CalledProcessError, httpx.HTTPError) as exc:
        print(f"bench_scale: {exc!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
