"""Omni against LangGraph Server (in-memory), side by side on this machine.

Run: ``.venv/bin/python bench/bench_langgraph.py [--quick] [--json PATH]`` (see bench/README.md).

Starts, each in its own temporary directory and process group, on free ports of 127.0.0.1:

* ``omni serve`` on a fresh SQLite database (API key from ``omni keys create``), whose turns
  are ``!omni:sleep=S`` (the built-in engine writes ". " every 50 ms for S seconds) or
  ``!omni:hang``;
* ``langgraph dev`` (LangGraph Server with the in-memory runtime) from its own virtualenv,
  ``bench/.langgraph-venv`` (created here when missing), serving ``bench/langgraph_graph.py``:
  one node that streams ". " every 50 ms for S seconds, or until canceled.

Every workload runs on both servers with the same client code, one server after the other,
the order alternating from one workload to the next. Latencies are measured by the client on
one keep-alive connection (``loadgen.RawConnection``); the poll loops run in a load-generator
process (``loadgen.run_job``). Both servers are stopped whatever happens (errors, SIGTERM,
Ctrl-C). Exit status: 0 when the run completed, 1 when it broke (a server did not start, a
request got an unexpected answer, a wait timed out).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import loadgen
from bench_api import BenchError, create_key, free_port, omni_executable
from loadgen import LOCALHOST, LoadJob, RawConnection

BENCH_DIR = Path(__file__).resolve().parent
GRAPH_FILE = BENCH_DIR / "langgraph_graph.py"
DEFAULT_VENV = BENCH_DIR / ".langgraph-venv"
# What the virtualenv gets: the CLI with the in-memory runtime, at the versions measured.
LANGGRAPH_PACKAGES = ("langgraph-cli[inmem]==0.4.40", "langgraph-api==0.16.7")
API = "/v1/omni-ai"
HANG = -1.0  # turn length meaning "until canceled"


# --------------------------------------------------------------------------- configuration


@dataclass
class Config:
    creates: int = 200  # sequential create calls (each starts a one-second turn)
    wakeups: int = 20  # turns created one at a time on an idle runner (create -> running)
    polls: int = 2000  # GETs per poll loop
    poll_concurrency: tuple[int, ...] = (1, 32)
    poll_time_limit: float = 6.0
    cancels: int = 100  # running turns canceled one by one
    throughput_turns: int = 500
    throughput_concurrency: tuple[int, ...] = (50, 100)
    turn_seconds: float = 1.0
    poll_every: float = 0.05  # the throughput clients' poll interval
    throughput_limit: float = 60.0  # no new turn after this many seconds of a throughput run
    fill_limit: float = 45.0  # the same for the memory fill
    memory_turns: int = 2000  # total turns per server before the last memory reading
    omni_progress_interval: float = 0.5  # as bench_scale.py's throughput runs
    venv: Path = DEFAULT_VENV
    json_path: str | None = None
    quick: bool = False

    @property
    def max_running(self) -> int:
        """Turns each server may run at once (the same for both)."""
        return max(*self.throughput_concurrency, self.cancels) + 8


def parse_args(argv: Sequence[str] | None = None) -> Config:
    p = argparse.ArgumentParser(description="Benchmark omni serve against LangGraph Server.")
    p.add_argument("--quick", action="store_true", help="small counts: a ~1-minute smoke run")
    p.add_argument("--turns", type=int, help="turns per throughput run (default 500)")
    p.add_argument(
        "--throughput-limit",
        type=float,
        help="seconds after which a throughput run starts no new turn (default 60)",
    )
    p.add_argument("--cancels", type=int, help="running turns to cancel (default 100)")
    p.add_argument("--creates", type=int, help="create calls to time (default 200)")
    p.add_argument(
        "--memory-turns",
        type=int,
        help="turns per server before the last memory reading (default 2000)",
    )
    p.add_argument(
        "--langgraph-venv",
        type=Path,
        default=DEFAULT_VENV,
        help=f"virtualenv of LangGraph Server, created when missing (default {DEFAULT_VENV})",
    )
    p.add_argument(
        "--omni-progress-interval",
        type=float,
        default=0.5,
        help="OMNI_PROGRESS_INTERVAL: how often Omni saves a running turn's partial output "
        "(default 0.5 s, as bench_scale.py; the server's own default is 0.1 s)",
    )
    p.add_argument("--json", dest="json_path", help="also write the figures as JSON")
    a = p.parse_args(argv)
    cfg = Config(venv=a.langgraph_venv, json_path=a.json_path, quick=a.quick)
    cfg.omni_progress_interval = a.omni_progress_interval
    if a.quick:
        cfg.creates, cfg.wakeups, cfg.polls, cfg.cancels = 20, 5, 300, 10
        cfg.memory_turns, cfg.poll_time_limit = 0, 5.0
        cfg.throughput_limit, cfg.throughput_concurrency = 10.0, (10, 20)
        cfg.throughput_turns = 40
    cfg.creates = a.creates if a.creates is not None else cfg.creates
    if a.throughput_limit is not None:
        cfg.throughput_limit = a.throughput_limit
    cfg.cancels = a.cancels if a.cancels is not None else cfg.cancels
    cfg.throughput_turns = a.turns if a.turns is not None else cfg.throughput_turns
    cfg.memory_turns = a.memory_turns if a.memory_turns is not None else cfg.memory_turns
    return cfg


# --------------------------------------------------------------------------- helpers


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def omni_version() -> str:
    try:
        from omni_server import __version__
    except ImportError:
        return "unknown"
    return str(__version__)


def ensure_langgraph(venv: Path) -> tuple[Path, str]:
    """The ``langgraph`` command of ``venv`` (installed there when missing) and the version
    of langgraph-api in it."""
    cli = venv / "bin" / "langgraph"
    python = venv / "bin" / "python"
    if not cli.exists():
        print(f"creating {venv} (LangGraph Server from PyPI; a few minutes)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *LANGGRAPH_PACKAGES],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not cli.exists():
            raise BenchError(f"installing LangGraph Server failed:\n{done.stderr[-2000:]}")
    probe = "import importlib.metadata as m; print(m.version('langgraph-api'))"
    done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"langgraph-api is not importable in {venv}:\n{done.stderr[-2000:]}")
    return cli, done.stdout.strip()


class Server:
    """A server subprocess in its own process group, output to a log file; always stopped."""

    def __init__(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str], port: int):
        self.name, self.cmd, self.cwd, self.env, self.port = name, cmd, cwd, env, port
        self.log_path = cwd / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    @contextlib.contextmanager
    def running(self) -> Iterator[Server]:
        with self.log_path.open("wb") as log:
            # A new session: Ctrl-C reaches this script only, which stops the group itself.
            self.proc = subprocess.Popen(
                self.cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
            try:
                yield self
            finally:
                self.stop()

    def stop(self) -> None:
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # helpers left in the group
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def wait_ready(self, path: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{LOCALHOST}:{self.port}{path}"
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise BenchError(f"{self.name} exited at startup:\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(url)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise BenchError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")


# --------------------------------------------------------------------------- the two APIs


@dataclass
class Turn:
    """One turn as the client knows it: enough to poll and cancel it."""

    thread_id: str
    turn_id: str


class Side:
    """The calls every workload makes, on one keep-alive connection (timed client-side)."""

    name = ""
    running_status = "running"
    terminal: frozenset[str] = frozenset()

    def __init__(self, server: Server, headers: dict[str, str]) -> None:
        self.server = server
        self.headers = headers
        self.conn = RawConnection(server.port, headers)
        self.turns_started = 0

    async def call(
        self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200,)
    ) -> tuple[float, Any]:
        return await timed_call(self.conn, method, path, body, ok)

    async def close(self) -> None:
        await self.conn.close()

    def poll_path(self, turn: Turn) -> str:
        raise NotImplementedError

    def create_request(self, seconds: float) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError

    def turn_of(self, answer: Any) -> Turn:
        raise NotImplementedError

    async def create(self, seconds: float, conn: RawConnection | None = None) -> tuple[float, Turn]:
        path, body = self.create_request(seconds)
        elapsed, answer = await timed_call(conn or self.conn, "POST", path, body, (200,))
        self.turns_started += 1
        return elapsed, self.turn_of(answer)

    async def status(self, turn: Turn, conn: RawConnection | None = None) -> str:
        _, answer = await timed_call(conn or self.conn, "GET", self.poll_path(turn), None, (200,))
        return str(self.status_of(answer))

    def status_of(self, answer: Any) -> str:
        raise NotImplementedError

    async def cancel(self, turn: Turn) -> float:
        raise NotImplementedError

    async def kept_output(self, turn: Turn) -> tuple[int, str]:
        """Characters of the canceled turn's output that the server kept, and where."""
        raise NotImplementedError


async def timed_call(
    conn: RawConnection, method: str, path: str, body: Any, ok: tuple[int, ...]
) -> tuple[float, Any]:
    payload = None if body is None else json.dumps(body).encode()
    t0 = time.perf_counter()
    try:
        async with asyncio.timeout(30):
            status, raw = await conn.request(method, path, payload)
    except TimeoutError:
        await conn.close()
        raise BenchError(f"{method} {path}: no answer in 30 s") from None
    except (OSError, loadgen.HttpError, asyncio.IncompleteReadError) as exc:
        raise BenchError(f"{method} {path}: {exc!r}") from None
    elapsed = time.perf_counter() - t0
    if status not in ok:
        raise BenchError(f"{method} {path} answered {status}: {raw[:300]!r}")
    return elapsed, json.loads(raw) if raw else None


class OmniSide(Side):
    name = "omni"
    terminal = frozenset({"succeeded", "failed", "canceled"})

    def create_request(self, seconds: float) -> tuple[str, dict[str, Any]]:
        text = "!omni:hang" if seconds < 0 else f"!omni:sleep={seconds:g}"
        return f"{API}/threads", {"type": "instant", "account_id": 1, "text": text}

    def turn_of(self, answer: Any) -> Turn:
        return Turn(answer["data"]["thread_id"], answer["data"]["response_id"])

    def poll_path(self, turn: Turn) -> str:
        return f"{API}/responses/{turn.turn_id}?account_id=1"

    def status_of(self, answer: Any) -> str:
        return str(answer["data"]["status"])

    async def cancel(self, turn: Turn) -> float:
        path = f"{API}/responses/{turn.turn_id}?account_id=1"
        elapsed, _ = await self.call("DELETE", path)
        return elapsed

    async def kept_output(self, turn: Turn) -> tuple[int, str]:
        path = f"{API}/threads/{turn.thread_id}/messages?account_id=1"
        _, answer = await self.call("GET", path)
        messages = answer["data"]
        finals = [m for m in messages if str(m.get("role", "")).upper() == "ASSISTANT"]
        if not finals:
            return 0, "no assistant message"
        final = finals[-1]
        parts = final.get("content", {}).get("parts", [])
        text = "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
        return len(text), f"final assistant message, outcome {final.get('outcome')}"


class LangGraphSide(Side):
    name = "langgraph"
    terminal = frozenset({"success", "error", "interrupted", "timeout"})

    def create_request(self, seconds: float) -> tuple[str, dict[str, Any]]:
        # One call creates the thread (a client-chosen id) and its first run, as Omni's
        # POST /threads does.
        body = {
            "assistant_id": "turn",
            "input": {"prompt": "bench", "seconds": seconds},
            "if_not_exists": "create",
        }
        return f"/threads/{uuid.uuid4()}/runs", body

    def turn_of(self, answer: Any) -> Turn:
        return Turn(str(answer["thread_id"]), str(answer["run_id"]))

    def poll_path(self, turn: Turn) -> str:
        return f"/threads/{turn.thread_id}/runs/{turn.turn_id}"

    def status_of(self, answer: Any) -> str:
        return str(answer["status"])

    async def cancel(self, turn: Turn) -> float:
        path = f"/threads/{turn.thread_id}/runs/{turn.turn_id}/cancel?wait=false&action=interrupt"
        elapsed, _ = await self.call("POST", path, ok=(200, 202, 204))
        return elapsed

    async def kept_output(self, turn: Turn) -> tuple[int, str]:
        _, state = await self.call("GET", f"/threads/{turn.thread_id}/state")
        values = state.get("values") or {}
        return len(str(values.get("output", ""))), "thread state (values.output)"


# --------------------------------------------------------------------------- workloads


@dataclass
class Figure:
    workload: str
    unit: str
    omni: float
    langgraph: float
    better: str = "lower"  # which way is better, for the ratio's reading
    note: str = ""

    @property
    def ratio(self) -> float:
        """LangGraph / Omni: above 1 means Omni is better when lower is better."""
        if not self.omni or math.isnan(self.omni) or math.isnan(self.langgraph):
            return float("nan")
        return self.langgraph / self.omni


@dataclass
class Report:
    versions: dict[str, str] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0


async def wait_status(side: Side, turns: Sequence[Turn], wanted: set[str], timeout: float) -> None:
    pending = list(turns)
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise BenchError(
                f"{side.name}: {len(pending)} turns not {sorted(wanted)} in {timeout} s"
            )
        pending = [t for t in pending if await side.status(t) not in wanted]
        if pending:
            await asyncio.sleep(0.05)


async def wl_create(side: Side, cfg: Config) -> dict[str, float]:
    """Sequential creates (each a new thread and its first one-second turn)."""
    latencies, turns = [], []
    for _ in range(cfg.creates):
        elapsed, turn = await side.create(cfg.turn_seconds)
        latencies.append(elapsed)
        turns.append(turn)
    await wait_status(side, turns, set(side.terminal), timeout=120)
    return {"p50": percentile(latencies, 50) * 1e3, "p99": percentile(latencies, 99) * 1e3}


async def wl_wakeup(side: Side, cfg: Config) -> dict[str, float]:
    """Create -> running on an idle runner: one short turn at a time, polled every 2 ms."""
    delays = []
    for _ in range(cfg.wakeups):
        _, turn = await side.create(0.2)
        answered = time.perf_counter()
        deadline = time.monotonic() + 30
        while (status := await side.status(turn)) not in side.terminal:
            if status == side.running_status:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"{side.name}: turn not running after 30 s")
            await asyncio.sleep(0.002)
        delays.append(time.perf_counter() - answered)
        await wait_status(side, [turn], set(side.terminal), timeout=30)
        await asyncio.sleep(0.3)  # idle again
    return {"p50": percentile(delays, 50) * 1e3, "p99": percentile(delays, 99) * 1e3}


async def wl_poll(side: Side, cfg: Config, pool: ProcessPoolExecutor) -> dict[str, float]:
    """Closed-loop GETs of one turn while it runs, then of a finished turn."""
    out: dict[str, float] = {}
    _, running = await side.create(HANG)
    await wait_status(side, [running], {side.running_status}, timeout=30)
    try:
        out.update(await poll_loops(side, cfg, pool, running, "running"))
    finally:
        await side.cancel(running)
    _, done = await side.create(0.05)
    await wait_status(side, [done], set(side.terminal), timeout=30)
    out.update(await poll_loops(side, cfg, pool, done, "finished"))
    return out


async def poll_loops(
    side: Side, cfg: Config, pool: ProcessPoolExecutor, turn: Turn, label: str
) -> dict[str, float]:
    out = {}
    for c in cfg.poll_concurrency:
        job = LoadJob(
            port=side.server.port,
            paths=[side.poll_path(turn)],
            headers=side.headers,
            connections=c,
            requests=cfg.polls,
            time_limit=cfg.poll_time_limit,
            start_at=time.monotonic() + 0.5,
        )
        result = await asyncio.get_running_loop().run_in_executor(pool, loadgen.run_job, job)
        if result.errors:
            raise BenchError(f"{side.name} poll: {result.errors} errors ({result.error_sample})")
        wall = result.finished - result.started
        out[f"{label} c={c} rps"] = len(result.latencies) / wall if wall > 0 else float("nan")
        out[f"{label} c={c} p50"] = percentile(result.latencies, 50) * 1e3
    return out


async def wl_cancel(side: Side, cfg: Config) -> dict[str, float]:
    """Cancel running turns one by one; then poll each until it reads terminal."""
    turns = []
    for _ in range(cfg.cancels):
        _, turn = await side.create(HANG)
        turns.append(turn)
    await wait_status(side, turns, {side.running_status}, timeout=60)
    await asyncio.sleep(0.3)  # every turn has produced output
    requests, to_terminal, extra_gets = [], [], 0
    for turn in turns:
        t0 = time.perf_counter()
        requests.append(await side.cancel(turn))
        deadline = time.monotonic() + 30
        while await side.status(turn) not in side.terminal:
            extra_gets += 1
            if time.monotonic() > deadline:
                raise BenchError(f"{side.name}: canceled turn not terminal after 30 s")
            await asyncio.sleep(0.001)
        to_terminal.append(time.perf_counter() - t0)
    return {
        "request p50": percentile(requests, 50) * 1e3,
        "request p99": percentile(requests, 99) * 1e3,
        "terminal p50": percentile(to_terminal, 50) * 1e3,
        "terminal p99": percentile(to_terminal, 99) * 1e3,
        "extra GETs": extra_gets / max(1, len(turns)),
    }


async def wl_partial(side: Side, cfg: Config) -> dict[str, Any]:
    """One turn canceled after about a second of output: what does the server keep?"""
    _, turn = await side.create(HANG)
    await wait_status(side, [turn], {side.running_status}, timeout=30)
    await asyncio.sleep(1.0)
    await side.cancel(turn)
    await wait_status(side, [turn], set(side.terminal), timeout=30)
    chars, where = await side.kept_output(turn)
    return {"chars kept": chars, "where": where, "status": await side.status(turn)}


async def wl_throughput(
    side: Side,
    turns: int,
    concurrency: int,
    seconds: float,
    cfg: Config,
    every: float = 0.0,
    limit: float = 0.0,
) -> dict[str, float]:
    """``turns`` turns by ``concurrency`` clients: create, poll every ``poll_every`` until
    terminal, next. Wall time from the first create to the last terminal read. No client
    starts a turn after ``cfg.throughput_limit`` seconds (the turns under way finish), so a
    server that falls far behind cannot hold the run: the figure is then turns/s so far."""
    budget = turns
    polls = 0
    every = every or cfg.poll_every
    t0 = time.perf_counter()
    stop_at = time.monotonic() + (limit or cfg.throughput_limit)

    async def client() -> None:
        nonlocal budget, polls
        conn = RawConnection(side.server.port, side.headers)
        try:
            while budget > 0 and time.monotonic() < stop_at:
                budget -= 1
                _, turn = await side.create(seconds, conn)
                deadline = time.monotonic() + 300
                while True:
                    await asyncio.sleep(every)
                    polls += 1
                    if await side.status(turn, conn) in side.terminal:
                        break
                    if time.monotonic() > deadline:
                        raise BenchError(f"{side.name}: turn not terminal after 300 s")
        finally:
            await conn.close()

    await asyncio.gather(*(client() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    done = turns - budget
    return {
        "wall": wall,
        "turns": done,
        "capped": budget > 0,
        "turns/s": done / wall,
        "ideal turns/s": concurrency / seconds,
        "polls": polls,
    }


# --------------------------------------------------------------------------- the run


async def run_all(cfg: Config, tmp: Path, pool: ProcessPoolExecutor, report: Report) -> None:
    cli, lg_version = ensure_langgraph(cfg.venv)
    report.versions = {"omni": omni_version(), "langgraph-api": lg_version}

    omni_dir, lg_dir = tmp / "omni", tmp / "langgraph"
    omni_dir.mkdir()
    lg_dir.mkdir()
    database = f"sqlite:///{omni_dir / 'omni.db'}"
    key = create_key(database)

    base = {k: v for k, v in os.environ.items() if not k.startswith(("OMNI_", "LANG"))}
    omni_port = free_port()
    omni_env = {
        **base,
        "OMNI_MAX_RUNNING": str(cfg.max_running),
        "OMNI_MAX_RUNNING_PER_ACCOUNT": str(cfg.max_running),  # one account drives it all
        "OMNI_MAX_ACTIVE_PER_KEY": "0",
        "OMNI_CHUNK_DELAY": "0",  # the reply after the sleep arrives in one piece
        "OMNI_PROGRESS_INTERVAL": str(cfg.omni_progress_interval),
    }
    omni_cmd = [omni_executable(), "serve", "--host", LOCALHOST, "--port", str(omni_port)]
    omni_cmd += ["--database", database]
    omni = Server("omni", omni_cmd, omni_dir, omni_env, omni_port)

    (lg_dir / "langgraph.json").write_text(
        json.dumps({"graphs": {"turn": f"{GRAPH_FILE}:graph"}, "dependencies": ["."]})
    )
    lg_port = free_port()
    lg_env = {**base, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGSMITH_TRACING": "false"}
    lg_cmd = [str(cli), "dev", "--no-browser", "--no-reload", "--host", LOCALHOST]
    lg_cmd += ["--port", str(lg_port), "--n-jobs-per-worker", str(cfg.max_running)]
    lg_cmd += ["--config", str(lg_dir / "langgraph.json")]
    lg = Server("langgraph", lg_cmd, lg_dir, lg_env, lg_port)

    with omni.running(), lg.running():
        await asyncio.gather(omni.wait_ready("/readyz"), lg.wait_ready("/ok"))
        sides: list[Side] = [
            OmniSide(omni, {"Authorization": f"Bearer {key}"}),
            LangGraphSide(lg, {}),
        ]
        try:
            await measure(cfg, sides, pool, report)
        finally:
            for side in sides:
                await side.close()


async def measure(
    cfg: Config, sides: list[Side], pool: ProcessPoolExecutor, report: Report
) -> None:
    results: dict[str, dict[str, Any]] = {"omni": {}, "langgraph": {}}
    step = 0

    async def both(label: str, work: Any) -> None:
        """Run one workload on each server; the order alternates between workloads."""
        nonlocal step
        order = sides if step % 2 == 0 else sides[::-1]
        step += 1
        for side in order:
            t0 = time.monotonic()
            results[side.name][label] = await work(side)
            print(f"  {label}: {side.name} ({time.monotonic() - t0:.1f} s)", flush=True)

    for side in sides:  # warm-up: imports, first graph load, first database writes
        _, turn = await side.create(0.05)
        await wait_status(side, [turn], set(side.terminal), timeout=60)
    rss_before = {s.name: tree_rss_mb(s.server.pid) for s in sides}

    await both("create", lambda s: wl_create(s, cfg))
    await both("wakeup", lambda s: wl_wakeup(s, cfg))
    await both("poll", lambda s: wl_poll(s, cfg, pool))
    await both("cancel", lambda s: wl_cancel(s, cfg))
    await both("partial", lambda s: wl_partial(s, cfg))
    for c in cfg.throughput_concurrency:
        await both(
            f"throughput c={c}",
            lambda s, c=c: wl_throughput(s, cfg.throughput_turns, c, cfg.turn_seconds, cfg),
        )
    rss_mid = {s.name: tree_rss_mb(s.server.pid) for s in sides}
    turns_mid = {s.name: s.turns_started for s in sides}
    if cfg.memory_turns:
        c = max(cfg.throughput_concurrency)

        async def fill(s: Side) -> dict[str, float]:
            left = max(0, cfg.memory_turns - s.turns_started)
            # Polled every 0.5 s: this phase only ages the servers for the memory figure.
            return await wl_throughput(s, left, c, 0.1, cfg, 0.5, cfg.fill_limit) if left else {}

        await both("memory fill", fill)
    memory = {
        "before": rss_before,
        "mid": rss_mid,
        "turns_mid": turns_mid,
        "after": {s.name: tree_rss_mb(s.server.pid) for s in sides},
        "turns_after": {s.name: s.turns_started for s in sides},
    }
    results["omni"]["memory"] = {k: v["omni"] for k, v in memory.items()}
    results["langgraph"]["memory"] = {k: v["langgraph"] for k, v in memory.items()}
    report.figures = build_figures(cfg, results)
    report.facts = results


def build_figures(cfg: Config, results: dict[str, dict[str, Any]]) -> list[Figure]:
    o, g = results["omni"], results["langgraph"]
    f: list[Figure] = []
    for q in ("p50", "p99"):
        f.append(Figure(f"create thread + first turn {q}", "ms", o["create"][q], g["create"][q]))
    for q in ("p50", "p99"):
        f.append(Figure(f"create -> running {q} (idle)", "ms", o["wakeup"][q], g["wakeup"][q]))
    for label in ("running", "finished"):
        for c in cfg.poll_concurrency:
            key = f"{label} c={c}"
            f.append(
                Figure(
                    f"poll {label} turn, c={c}",
                    "req/s",
                    o["poll"][f"{key} rps"],
                    g["poll"][f"{key} rps"],
                    better="higher",
                )
            )
            f.append(
                Figure(
                    f"poll {label} turn, c={c} p50",
                    "ms",
                    o["poll"][f"{key} p50"],
                    g["poll"][f"{key} p50"],
                )
            )
    for q in ("request p50", "request p99", "terminal p50", "terminal p99"):
        name = f"cancel {q}" if q.startswith("request") else f"cancel -> reads terminal {q[9:]}"
        f.append(Figure(name, "ms", o["cancel"][q], g["cancel"][q]))
    f.append(
        Figure(
            "output kept on cancel after ~1 s",
            "chars",
            o["partial"]["chars kept"],
            g["partial"]["chars kept"],
            better="higher",
            note=f"omni: {o['partial']['where']}; langgraph: {g['partial']['where']}",
        )
    )
    for c in cfg.throughput_concurrency:
        t_o, t_g = o[f"throughput c={c}"], g[f"throughput c={c}"]
        name = f"{cfg.throughput_turns} x {cfg.turn_seconds:g} s turns, c={c}"
        f.append(
            Figure(
                f"{name}: wall",
                "s",
                t_o["wall"],
                t_g["wall"],
                note=f"ideal {math.ceil(cfg.throughput_turns / c) * cfg.turn_seconds:g} s"
                + "".join(
                    f"; {n} stopped at {t['turns']} turns"
                    for n, t in (("omni", t_o), ("langgraph", t_g))
                    if t["capped"]
                ),
            )
        )
        f.append(
            Figure(
                f"{name}: turns/s",
                "1/s",
                t_o["turns/s"],
                t_g["turns/s"],
                better="higher",
                note=f"ideal {t_o['ideal turns/s']:g}; polls/turn omni "
                f"{t_o['polls'] / max(1, t_o['turns']):.0f}, "
                f"langgraph {t_g['polls'] / max(1, t_g['turns']):.0f}",
            )
        )
    om, gm = o["memory"], g["memory"]
    f.append(Figure("server RSS at start", "MiB", om["before"], gm["before"]))
    f.append(
        Figure(
            "server RSS after the workloads",
            "MiB",
            om["mid"],
            gm["mid"],
            note=f"turns: omni {om['turns_mid']}, langgraph {gm['turns_mid']}",
        )
    )
    if cfg.memory_turns:
        f.append(
            Figure(
                f"server RSS after up to {cfg.memory_turns} turns",
                "MiB",
                om["after"],
                gm["after"],
                note=f"turns: omni {om['turns_after']}, langgraph {gm['turns_after']}",
            )
        )
    return f


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run(cfg: Config) -> Report:
    report = Report()
    started = time.monotonic()
    print(f"load average before: {load_average()}", flush=True)
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(max_workers=1, mp_context=context) as pool,
        tempfile.TemporaryDirectory(prefix="bench-langgraph-") as tmp_name,
    ):
        pool.submit(loadgen.warm_up, 0.0).result()
        asyncio.run(run_all(cfg, Path(tmp_name), pool, report))
    report.seconds = time.monotonic() - started
    print(f"load average after: {load_average()}", flush=True)
    return report


def fmt(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def print_report(cfg: Config, report: Report) -> None:
    v = report.versions
    print(f"\nomni {v.get('omni')} (SQLite, progress saved every {cfg.omni_progress_interval:g} s)")
    print(f"langgraph-api {v.get('langgraph-api')} (`langgraph dev`, in-memory runtime)")
    head = f"{'workload':<44} {'unit':>6} {'omni':>10} {'langgraph':>10} {'lg/omni':>8}"
    print(head)
    print("-" * len(head))
    for fig in report.figures:
        ratio = fig.ratio
        print(
            f"{fig.workload:<44} {fig.unit:>6} {fmt(fig.omni):>10} {fmt(fig.langgraph):>10} "
            f"{fmt(ratio) if not math.isnan(ratio) else '-':>8}"
            + (f"  ({fig.note})" if fig.note else "")
        )
    print(
        f"\nlg/omni: LangGraph's figure divided by Omni's (for ms, s and MiB above 1 favours "
        f"Omni; for req/s, turns/s and chars below 1 does). Run took {report.seconds:.0f} s."
    )


def main(argv: Sequence[str] | None = None) -> int:
    cfg = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the servers get stopped
    try:
        report = run(cfg)
    except KeyboardInterrupt:
        print("benchmark interrupted (both servers stopped)", file=sys.stderr)
        return 130
    except (BenchError, httpx.HTTPError, OSError, subprocess.SubprocessError) as exc:
        reason = str(exc) if isinstance(exc, BenchError) else repr(exc)
        print(f"benchmark broke: {reason}", file=sys.stderr)
        return 1
    print_report(cfg, report)
    if cfg.json_path:
        doc = asdict(report)
        for fig, row in zip(report.figures, doc["figures"], strict=True):
            row["ratio"] = fig.ratio
        Path(cfg.json_path).write_text(json.dumps(doc, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
