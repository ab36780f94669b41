"""Benchmark of the Omni API server against a bare Starlette baseline.

Run: ``.venv/bin/python bench/bench_api.py [--requests N] [--quick]`` (see bench/README.md).

It starts, in a temporary directory, ``omni serve`` on a fresh SQLite database and the bare
app of ``bench/bare_app.py`` (same uvicorn settings), both as subprocesses on free ports of
127.0.0.1, drives them from load-generator worker processes, prints a table and stops both
servers whatever happens. Exit status: 0 when the run completed (goals are informational),
1 when the run itself broke (a server did not start, a request failed, a wait timed out).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import loadgen
from loadgen import LOCALHOST, LoadJob, LoadResult, RawConnection

BENCH_DIR = Path(__file__).resolve().parent
API = "/v1/omni-ai"
TERMINAL = {"succeeded", "failed", "canceled"}
RATIO_GOAL = 0.5
CANCEL_P99_GOAL_MS = 20.0
PROMPTS = (
    "What is AAPL trading at?",
    "How did MSFT do today?",
    "Give me a quick view on NVDA",
    "Is TSLA up or down?",
)


class BenchError(Exception):
    """The run itself broke (as opposed to a goal being missed)."""


# --------------------------------------------------------------------------- configuration


@dataclass
class Config:
    requests: int = 5000  # per load loop and round
    concurrency: tuple[int, ...] = (1, 32)
    time_limit: float = 30.0  # per loop, seconds
    creates: int = 200
    cancels: int = 120
    pool_size: int = 4  # distinct response ids polled round robin
    rounds: int = 3  # each load loop is run this many times, interleaved; the best is shown
    procs: int = 1  # load-generator processes at concurrency > 1
    client: str = "raw"
    compare_httpx: bool = True
    json_path: str | None = None


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description="Benchmark omni serve against a bare Starlette app.")
    p.add_argument("--requests", type=int, help="requests per load loop and round (default 5000)")
    p.add_argument("--quick", action="store_true", help="small counts: a smoke run for tests")
    p.add_argument("--concurrency", default="1,32", help="comma-separated (default 1,32)")
    p.add_argument("--procs", type=int, default=1, help="load-generator processes (default 1)")
    p.add_argument("--client", choices=("raw", "httpx"), default="raw")
    p.add_argument("--cancels", type=int, help="hanging turns to cancel (default 120)")
    p.add_argument("--creates", type=int, help="threads and messages to create (default 200)")
    p.add_argument("--rounds", type=int, help="rounds of every load loop (default 3)")
    p.add_argument("--time-limit", type=float, help="seconds per load loop (default 30)")
    p.add_argument("--json", dest="json_path", help="also write the figures to this file")
    a = p.parse_args(argv)
    cfg = Config(
        concurrency=tuple(int(c) for c in a.concurrency.split(",")),
        procs=a.procs,
        client=a.client,
        json_path=a.json_path,
    )
    if a.quick:
        cfg = replace(
            cfg,
            requests=300,
            time_limit=10.0,
            creates=10,
            cancels=10,
            rounds=1,
            compare_httpx=False,
        )
    if min(cfg.concurrency) < 1 or cfg.procs < 1:
        p.error("--concurrency and --procs must be at least 1")
    cfg.requests = a.requests or cfg.requests
    cfg.cancels = a.cancels or cfg.cancels
    cfg.creates = a.creates or cfg.creates
    cfg.time_limit = a.time_limit or cfg.time_limit
    cfg.rounds = a.rounds or cfg.rounds
    return cfg


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, in the unit of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class Row:
    name: str
    concurrency: int
    count: int
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu: float | None = None  # fraction of one core, over the measured window
    client_cpu: float | None = None
    errors: int = 0
    note: str = ""
    seconds: float = 0.0  # wall time of the loop
    server_us: float | None = None  # server CPU microseconds per request


@dataclass
class Report:
    machine: str = ""
    rows: list[Row] = field(default_factory=list)
    latency: list[Row] = field(default_factory=list)
    goals: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def latency_row(name: str, seconds: Sequence[float], errors: int = 0, note: str = "") -> Row:
    ms = [s * 1000 for s in seconds]
    return Row(
        name,
        1,
        len(ms),
        float("nan"),
        percentile(ms, 50),
        percentile(ms, 99),
        errors=errors,
        note=note,
    )


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and all its threads (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def omni_executable() -> str:
    local = Path(sys.executable).parent / "omni"
    found = str(local) if local.exists() else shutil.which("omni")
    if not found:
        raise BenchError("the `omni` command is not installed next to this Python")
    return found


def create_key(database: str) -> str:
    cmd = [omni_executable(), "keys", "create", "--account", "1", "--database", database]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise BenchError(f"`omni keys create` failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1].strip()


class Server:
    """A server subprocess whose output goes to a log file; always stopped on exit."""

    def __init__(self, name: str, cmd: list[str], log: Path, env: dict[str, str]) -> None:
        self.name, self.cmd, self.log_path, self.env = name, cmd, log, env
        self.port = int(cmd[cmd.index("--port") + 1])
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    @contextlib.contextmanager
    def running(self) -> Iterator[Server]:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.log_path.parent,
            )
            try:
                yield self
            finally:
                self.stop()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)

    async def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{LOCALHOST}:{self.port}{path}"
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise BenchError(f"{self.name} exited at startup:\n{self.log_tail()}")
                try:
                    if (await client.get(url)).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise BenchError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")


# --------------------------------------------------------------------------- load loops


@dataclass
class Target:
    server: Server
    paths: list[str]
    headers: dict[str, str]


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


async def run_load(
    pool: ProcessPoolExecutor, cfg: Config, target: Target, concurrency: int, client: str
) -> tuple[list[LoadResult], float | None]:
    """One bounded closed-loop run; returns the workers' results and the server's CPU time."""
    procs = max(1, min(cfg.procs, concurrency))
    start_at = time.monotonic() + 1.0
    jobs = [
        LoadJob(
            target.server.port,
            target.paths,
            target.headers,
            conns,
            reqs,
            cfg.time_limit,
            start_at,
            client,
        )
        for conns, reqs in zip(split(concurrency, procs), split(cfg.requests, procs), strict=True)
    ]
    loop = asyncio.get_running_loop()
    futures = [loop.run_in_executor(pool, loadgen.run_job, job) for job in jobs]
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    cpu0 = cpu_seconds(target.server.pid)
    try:
        results = await asyncio.gather(*futures)
    except Exception as exc:  # raised in a load-generator process
        raise BenchError(f"load generator failed against {target.server.name}: {exc!r}") from exc
    cpu1 = cpu_seconds(target.server.pid)
    used = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    return list(results), used


def bound(row: Row, procs: int) -> str:
    """Which side set the pace of a loop with several connections (CPU shares of one core)."""
    if row.concurrency == 1 or row.server_cpu is None or row.client_cpu is None:
        return ""
    if row.seconds < 0.5:
        return ""  # CPU times tick every 10 ms: too coarse to judge a short loop
    if row.client_cpu >= 0.8 * procs:
        return "CLIENT-BOUND"
    if row.server_cpu >= 0.85:
        return "server-bound"
    return "neither side at 85% of a core: kernel network time, or other work on the CPUs?"


async def load_row(
    pool: ProcessPoolExecutor,
    cfg: Config,
    name: str,
    target: Target,
    concurrency: int,
    client: str | None = None,
) -> Row:
    results, server_cpu = await run_load(pool, cfg, target, concurrency, client or cfg.client)
    latencies = [s * 1000 for r in results for s in r.latencies]
    span = max(r.finished for r in results) - min(r.started for r in results)
    errors = sum(r.errors for r in results)
    notes = [r.error_sample for r in results if r.error_sample]
    if any(r.timed_out for r in results):
        notes.append(f"stopped at the {cfg.time_limit:.0f} s limit")
    row = Row(
        name,
        concurrency,
        len(latencies),
        (len(latencies) - errors) / span if span > 0 else float("nan"),
        percentile(latencies, 50),
        percentile(latencies, 99),
        server_cpu / span if server_cpu is not None and span > 0 else None,
        sum(r.cpu for r in results) / span if span > 0 else None,
        errors,
        seconds=span,
        server_us=server_cpu / len(latencies) * 1e6 if server_cpu and latencies else None,
    )
    notes.append(bound(row, min(cfg.procs, concurrency)))
    row.note = "; ".join(n for n in notes if n)
    return row


# --------------------------------------------------------------------------- API helpers


class Api:
    """Untimed setup calls (httpx) and timed calls (one raw keep-alive connection)."""

    def __init__(self, port: int, key: str) -> None:
        self.headers = {"Authorization": f"Bearer {key}"}
        self.http = httpx.AsyncClient(
            base_url=f"http://{LOCALHOST}:{port}", headers=self.headers, timeout=30
        )
        self.raw = RawConnection(port, self.headers)

    async def close(self) -> None:
        await self.http.aclose()
        await self.raw.close()

    async def timed(self, method: str, path: str, body: Any = None) -> tuple[float, dict[str, Any]]:
        payload = None if body is None else json.dumps(body).encode()
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(30):  # no extra task, unlike wait_for
                status, raw = await self.raw.request(method, path, payload)
        except TimeoutError:
            await self.raw.close()
            raise BenchError(f"{method} {path}: no answer in 30 s") from None
        elapsed = time.perf_counter() - t0
        if status != 200:
            raise BenchError(f"{method} {path} answered {status}: {raw[:300]!r}")
        return elapsed, json.loads(raw)

    async def create_thread(self, text: str) -> tuple[float, dict[str, Any]]:
        body = {"type": "instant", "account_id": 1, "text": text}
        elapsed, doc = await self.timed("POST", f"{API}/threads", body)
        return elapsed, doc["data"]

    async def create_message(self, thread_id: str, text: str) -> tuple[float, dict[str, Any]]:
        body = {"account_id": 1, "text": text}
        elapsed, doc = await self.timed("POST", f"{API}/threads/{thread_id}/messages", body)
        return elapsed, doc["data"]

    async def response(self, response_id: str) -> dict[str, Any]:
        r = await self.http.get(f"{API}/responses/{response_id}", params={"account_id": 1})
        if r.status_code != 200:
            raise BenchError(f"GET response {response_id} answered {r.status_code}: {r.text}")
        data: dict[str, Any] = r.json()["data"]
        return data

    async def wait_status(self, ids: Sequence[str], wanted: set[str], timeout: float) -> None:
        """Poll until every response's status is in ``wanted`` (bounded by ``timeout``)."""
        pending = list(ids)
        deadline = time.monotonic() + timeout
        while pending:
            if time.monotonic() > deadline:
                raise BenchError(f"{len(pending)} responses not {sorted(wanted)} in {timeout} s")
            pending = [i for i in pending if (await self.response(i))["status"] not in wanted]
            if pending:
                await asyncio.sleep(0.05)

    async def cancel_all(self, ids: Sequence[str]) -> None:
        """Best effort (used in clean-up, where it must not hide the error being handled)."""
        with contextlib.suppress(httpx.HTTPError):
            for rid in ids:
                await self.http.delete(f"{API}/responses/{rid}", params={"account_id": 1})


def poll_path(response_id: str) -> str:
    return f"{API}/responses/{response_id}?account_id=1"


# --------------------------------------------------------------------------- phases


async def setup_completed(api: Api, count: int) -> list[str]:
    ids = []
    for i in range(count):
        _, data = await api.create_thread(PROMPTS[i % len(PROMPTS)])
        ids.append(data["response_id"])
    await api.wait_status(ids, TERMINAL, timeout=60)
    for rid in ids:
        status = (await api.response(rid))["status"]
        if status != "succeeded":
            raise BenchError(f"setup turn {rid} ended {status}")
    return ids


async def start_hanging(api: Api, count: int, label: str) -> tuple[list[float], list[str]]:
    """Start ``count`` `!omni:hang` turns on new threads; wait until all are running."""
    latencies, ids = [], []
    for i in range(count):
        elapsed, data = await api.create_thread(f"!omni:hang {label} {i}")
        latencies.append(elapsed)
        ids.append(data["response_id"])
    await api.wait_status(ids, {"running"}, timeout=60)
    return latencies, ids


async def measure_creates(api: Api, count: int) -> list[Row]:
    """POST /threads, then (once every turn ended) POST /threads/{id}/messages on each."""
    thread_lat, threads, responses = [], [], []
    for i in range(count):
        elapsed, data = await api.create_thread(f"{PROMPTS[i % len(PROMPTS)]} ({i})")
        thread_lat.append(elapsed)
        threads.append(data["thread_id"])
        responses.append(data["response_id"])
    await api.wait_status(responses, TERMINAL, timeout=120)
    message_lat, responses = [], []
    for i, thread_id in enumerate(threads):
        elapsed, data = await api.create_message(thread_id, f"And what about it now? ({i})")
        message_lat.append(elapsed)
        responses.append(data["response_id"])
    await api.wait_status(responses, TERMINAL, timeout=120)
    return [
        latency_row("create thread   POST /threads", thread_lat),
        latency_row(
            "create message  POST /threads/{id}/messages",
            message_lat,
            note="on threads whose turn had ended",
        ),
    ]


async def cancel_one(api: Api, rid: str) -> tuple[float, float, int]:
    """DELETE, then GET until terminal: (request s, until-terminal s, GETs needed)."""
    t0 = time.perf_counter()
    elapsed, doc = await api.timed("DELETE", f"{API}/responses/{rid}?account_id=1")
    if doc["data"].get("canceled") is not True:
        raise BenchError(f"cancel of {rid} answered {doc}")
    for gets in range(1, 1001):
        _, polled = await api.timed("GET", poll_path(rid))
        if polled["data"]["status"] in TERMINAL:
            return elapsed, time.perf_counter() - t0, gets
    raise BenchError(f"{rid} still not terminal after a cancel and 1000 GETs")


async def server_share(server: Server, seconds: float) -> float | None:
    """The server's CPU use over the next ``seconds``, as a share of one core."""
    before = cpu_seconds(server.pid)
    await asyncio.sleep(seconds)
    after = cpu_seconds(server.pid)
    return None if before is None or after is None else (after - before) / seconds


async def measure_cancels(api: Api, server: Server, count: int) -> list[Row]:
    _, ids = await start_hanging(api, count, "cancel")
    idle = await server_share(server, 2.0)
    request_lat, terminal_lat, extra_gets = [], [], 0
    cpu0, t0 = cpu_seconds(server.pid), time.monotonic()
    for rid in ids:
        req, until, gets = await cancel_one(api, rid)
        request_lat.append(req)
        terminal_lat.append(until)
        extra_gets += gets - 1
    cpu1, t1 = cpu_seconds(server.pid), time.monotonic()
    busy = None if cpu0 is None or cpu1 is None else (cpu1 - cpu0) / (t1 - t0)
    slow = sum(1 for s in request_lat if s * 1000 >= CANCEL_P99_GOAL_MS)
    note = (
        f"{count} running turns; {slow} took >= {CANCEL_P99_GOAL_MS:.0f} ms; server CPU "
        f"{fmt(idle and idle * 100, '.0f', '%')} with them all running and no requests, "
        f"{fmt(busy and busy * 100, '.0f', '%')} during the cancels"
    )
    return [
        latency_row("cancel          DELETE /responses/{id}", request_lat, note=note),
        latency_row(
            "cancel -> GET reads terminal",
            terminal_lat,
            note=f"DELETE start to GET; GETs beyond the first: {extra_gets}",
        ),
    ]


BARE = "bare    GET /bare"
HEALTHZ = "omni    GET /healthz (no auth, no database)"
POLL = "poll    GET /responses/{id} (%s)"


def best_round(rounds: list[Row]) -> Row:
    """The round with the highest throughput (others' work on the machine only slows a loop
    down), with the errors of every round and the spread of throughput in its note."""
    top = max(rounds, key=lambda r: r.rps)
    top.errors = sum(r.errors for r in rounds)
    if len(rounds) > 1:
        low, high = min(r.rps for r in rounds), max(r.rps for r in rounds)
        spread = f"best of {len(rounds)} rounds ({low:.0f}-{high:.0f} req/s)"
        top.note = f"{spread}; {top.note}" if top.note else spread
    return top


async def poll_rows(
    pool: ProcessPoolExecutor, cfg: Config, targets: list[tuple[str, Target]]
) -> list[Row]:
    """Every target at every concurrency, in interleaved rounds; the first is the baseline."""
    rounds: dict[tuple[str, int], list[Row]] = {}
    for _ in range(cfg.rounds):
        for c in cfg.concurrency:
            for name, target in targets:
                row = await load_row(pool, cfg, name, target, c)
                rounds.setdefault((name, c), []).append(row)
    rows = [best_round(r) for r in rounds.values()]
    if cfg.compare_httpx:
        c = max(cfg.concurrency)
        other = "httpx" if cfg.client == "raw" else "raw"
        row = await load_row(pool, cfg, f"{BARE} ({other} client)", targets[0][1], c, other)
        row.note = f"load-generator check; {row.note}"
        rows.append(row)
    return rows


def cpu_ratio(bare: Row, poll: Row) -> str:
    if not bare.server_us or not poll.server_us:
        return ""
    return f"server CPU per request: bare/poll = {bare.server_us / poll.server_us:.3f}"


def ratio_goals(rows: list[Row], cfg: Config) -> list[dict[str, Any]]:
    goals = []
    for c in cfg.concurrency:
        by_name = {r.name: r for r in rows if r.concurrency == c}
        bare = by_name[BARE]
        for kind in ("succeeded", "running"):
            poll = by_name[POLL % kind]
            ratio = poll.rps / bare.rps if bare.rps > 0 else float("nan")
            goals.append(
                {
                    "goal": f"poll ({kind}) / bare req/s at c={c} >= {RATIO_GOAL}",
                    "value": round(ratio, 3),
                    "pass": ratio >= RATIO_GOAL,
                    "detail": cpu_ratio(bare, poll),
                }
            )
    return goals


def cancel_goal(latency: list[Row]) -> dict[str, Any]:
    p99 = next(r.p99_ms for r in latency if r.name.startswith("cancel  "))
    return {
        "goal": f"cancel request p99 < {CANCEL_P99_GOAL_MS:.0f} ms",
        "value": round(p99, 2),
        "pass": p99 < CANCEL_P99_GOAL_MS,
    }


# --------------------------------------------------------------------------- the run


def omni_env(cfg: Config) -> dict[str, str]:
    env = dict(os.environ)
    needed = cfg.cancels + cfg.pool_size + 16
    env["OMNI_MAX_RUNNING"] = str(max(needed, int(env.get("OMNI_MAX_RUNNING", "64"))))
    # One key and one account hold every hanging turn of the cancel test at once: no per-key
    # active limit, and the per-account share of the runner is the whole runner.
    env.setdefault("OMNI_MAX_ACTIVE_PER_KEY", "0")
    env.setdefault("OMNI_MAX_RUNNING_PER_ACCOUNT", env["OMNI_MAX_RUNNING"])
    return env


async def run_servers(cfg: Config, pool: ProcessPoolExecutor, tmp: Path, report: Report) -> None:
    database = f"sqlite:///{tmp / 'omni.db'}"
    key = create_key(database)
    port = free_port()
    cmd = [
        omni_executable(),
        "serve",
        "--host",
        LOCALHOST,
        "--port",
        str(port),
        "--database",
        database,
    ]
    omni = Server("omni serve", cmd, tmp / "omni.log", omni_env(cfg))
    with omni.running():
        await omni.wait_ready("/readyz")
        api = Api(port, key)
        try:
            await run_phases(cfg, pool, tmp, omni, api, report)
        finally:
            await api.close()


async def run_phases(
    cfg: Config, pool: ProcessPoolExecutor, tmp: Path, omni: Server, api: Api, report: Report
) -> None:
    completed = await setup_completed(api, cfg.pool_size)
    size = len((await api.http.get(poll_path(completed[0]))).content)
    env = {**os.environ, "BARE_BODY_BYTES": str(size)}
    bare_cmd = [sys.executable, str(BENCH_DIR / "bare_app.py"), "--port", str(free_port())]
    bare = Server("bare app", bare_cmd, tmp / "bare.log", env)
    with bare.running():
        await bare.wait_ready("/bare")
        _, hanging = await start_hanging(api, cfg.pool_size, "poll")
        try:
            targets = [
                (BARE, Target(bare, ["/bare"], {})),
                (HEALTHZ, Target(omni, ["/healthz"], {})),
                (POLL % "succeeded", Target(omni, [poll_path(r) for r in completed], api.headers)),
                (POLL % "running", Target(omni, [poll_path(r) for r in hanging], api.headers)),
            ]
            report.rows = await poll_rows(pool, cfg, targets)
            running_size = len((await api.http.get(poll_path(hanging[0]))).content)
        finally:
            await api.cancel_all(hanging)
    report.notes.append(
        f"poll body: succeeded {size} B, running ~{running_size} B (grows); bare body {size} B"
    )
    report.latency = await measure_creates(api, cfg.creates)
    report.latency += await measure_cancels(api, omni, cfg.cancels)
    report.goals = [*ratio_goals(report.rows, cfg), cancel_goal(report.latency)]


def warm_pool(pool: ProcessPoolExecutor, procs: int) -> None:
    pids = set(pool.map(loadgen.warm_up, [0.3] * procs))
    if len(pids) != procs:
        raise BenchError(f"expected {procs} load-generator processes, got {len(pids)}")


def run(cfg: Config) -> Report:
    report = Report(machine=f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    load_before = os.getloadavg()[0]
    procs = max(1, cfg.procs)
    ctx = multiprocessing.get_context("spawn")
    with (
        tempfile.TemporaryDirectory(prefix="omni-bench-") as tmp,
        ProcessPoolExecutor(procs, mp_context=ctx) as pool,
    ):
        warm_pool(pool, procs)
        factory = loadgen.uvloop.new_event_loop if loadgen.uvloop is not None else None
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(run_servers(cfg, pool, Path(tmp), report))
    report.notes.append(
        f"1-min load average {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after "
        f"(anything well above the load this run adds means other work shared the CPUs)"
    )
    return report


# --------------------------------------------------------------------------- output


def fmt(value: float | None, spec: str, unit: str = "") -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:{spec}}{unit}"


def print_report(cfg: Config, report: Report) -> None:
    gen = f"{cfg.client} client, {cfg.procs} load-generator process(es), separate from servers"
    print(f"\nOmni API benchmark  ({report.machine}; {gen})")
    head = f"{'endpoint':<47}{'conc':>5}{'n':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
    print(f"\n{head}{'srv cpu':>9}{'cli cpu':>9}{'srv us/req':>11}{'err':>5}")
    for r in report.rows:
        print(
            f"{r.name:<47}{r.concurrency:>5}{r.count:>7}{fmt(r.rps, '.0f'):>9}"
            f"{fmt(r.p50_ms, '.2f'):>9}{fmt(r.p99_ms, '.2f'):>9}"
            f"{fmt(r.server_cpu and r.server_cpu * 100, '.0f', '%'):>9}"
            f"{fmt(r.client_cpu and r.client_cpu * 100, '.0f', '%'):>9}"
            f"{fmt(r.server_us, '.0f'):>11}{r.errors:>5}" + (f"  {r.note}" if r.note else "")
        )
    print(f"\n{'latency (sequential, one connection)':<47}{'n':>12}{'p50 ms':>18}{'p99 ms':>9}")
    for r in report.latency:
        print(
            f"{r.name:<47}{r.count:>12}{fmt(r.p50_ms, '.2f'):>18}{fmt(r.p99_ms, '.2f'):>9}"
            + (f"  {r.note}" if r.note else "")
        )
    print("\ngoals (informational)")
    for g in report.goals:
        detail = f"  ({g['detail']})" if g.get("detail") else ""
        print(f"  {'PASS' if g['pass'] else 'MISS'}  {g['goal']:<48} value {g['value']}{detail}")
    for note in report.notes:
        print(f"note: {note}")
    print(
        "srv cpu / cli cpu: CPU time of the server process / all load generators over the "
        "loop, as a share of one core;\nsrv us/req: server CPU time per request (microseconds), "
        "the figure least disturbed by other work on the machine\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers get stopped
    try:
        report = run(cfg)
    except (BenchError, httpx.HTTPError, OSError) as exc:
        reason = str(exc) if isinstance(exc, BenchError) else repr(exc)
        print(f"benchmark broke: {reason}", file=sys.stderr)
        return 1
    print_report(cfg, report)
    if cfg.json_path:
        Path(cfg.json_path).write_text(json.dumps(asdict(report), indent=2, default=str))
    errors = sum(r.errors for r in report.rows)
    if errors:
        print(f"benchmark broke: {errors} load requests failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
