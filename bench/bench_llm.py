"""Benchmark of the LLM engine's overhead against the local fake provider.

Run: ``.venv/bin/python bench/bench_llm.py [--turns 50] [--tokens 200] [--delay 0.005]``.

Three processes on 127.0.0.1: the fake OpenAI-compatible provider of the tests
(``tests/llm/fake_provider.py``, streaming ``--tokens`` tokens ``--delay`` seconds apart),
``omni serve`` with ``OMNI_ENGINE=openai`` pointed at it, and this script. Two runs of
``--turns`` concurrent streams:

- **baseline**: this script reads the provider's streams with a bare ``httpx`` client;
- **omni**: this script creates ``--turns`` threads at once and polls each response (every
  100 ms until its first token shows, then every second) until it ends.

Printed per run: time to first token (p50 and p99; for Omni as seen by a poll, so it includes
the progress schedule and the poll interval), aggregate tokens per second, and CPU seconds per
1,000 tokens (baseline: this client's CPU; omni: the server process's CPU, polls included).
Exit status 1 when the run broke (a server did not start, a turn did not succeed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import httpx
from bench_api import BenchError, Server, cpu_seconds, create_key, free_port, omni_executable

ROOT = Path(__file__).resolve().parents[1]
API = "/v1/omni-ai"


@dataclass
class Run:
    name: str
    ttft: list[float]
    wall: float
    tokens: int
    cpu: float

    def line(self) -> str:
        ttft = sorted(self.ttft)
        p99 = ttft[min(len(ttft) - 1, int(len(ttft) * 0.99))]
        rate = self.tokens / self.wall
        per_k = self.cpu / self.tokens * 1000
        return (
            f"{self.name:<9} ttft p50 {statistics.median(ttft) * 1000:7.1f} ms  "
            f"p99 {p99 * 1000:7.1f} ms  {rate:9.0f} tokens/s  {per_k * 1000:7.1f} ms CPU/1k tokens"
        )


def serve_provider(port: int, tokens: int, delay: float) -> None:
    """The ``--serve-provider`` mode: the fake provider, scripted with one long answer."""
    sys.path.insert(0, str(ROOT))
    from tests.llm.fake_provider import FakeProvider, text_reply

    async def main() -> None:
        provider = FakeProvider()
        provider.script(text_reply(*(f"t{i} " for i in range(tokens)), delay=delay))
        server = await asyncio.start_server(provider._connection, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def baseline(url: str, turns: int) -> Run:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    limits = httpx.Limits(max_connections=None, keepalive_expiry=2.0)  # < uvicorn's 5 s

    async def one(client: httpx.AsyncClient, started: float) -> tuple[float, int]:
        first, count = 0.0, 0
        async with client.stream("POST", f"{url}/chat/completions", json=body) as r:
            async for line in r.aiter_lines():
                if line.startswith("data:") and '"content"' in line:
                    count += 1
                    first = first or time.monotonic() - started
        return first, count

    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        cpu, started = time.process_time(), time.monotonic()
        results = await asyncio.gather(*(one(client, started) for _ in range(turns)))
        wall, cpu = time.monotonic() - started, time.process_time() - cpu
    return Run("baseline", [r[0] for r in results], wall, sum(r[1] for r in results), cpu)


async def through_omni(base: str, key: str, turns: int, tokens: int, pid: int) -> Run:
    headers = {"Authorization": f"Bearer {key}"}

    async def one(client: httpx.AsyncClient, started: float) -> float:
        body = {"type": "instant", "account_id": 1, "text": "Stream please"}
        r = await client.post(f"{API}/threads", json=body)
        rid = r.json()["data"]["response_id"]
        first = 0.0
        while True:
            data = (await client.get(f"{API}/responses/{rid}", params={"account_id": 1})).json()[
                "data"
            ]
            if not first and any(p["type"] == "text" for p in data["content"]["parts"]):
                first = time.monotonic() - started
            if data["status"] in ("succeeded", "failed", "canceled"):
                if data["status"] != "succeeded":
                    raise BenchError(f"turn {rid} ended {data['status']}: {data.get('error')}")
                return first
            await asyncio.sleep(1.0 if first else 0.1)

    limits = httpx.Limits(max_connections=None, keepalive_expiry=2.0)  # < uvicorn's 5 s
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:
        cpu_before, started = cpu_seconds(pid) or 0.0, time.monotonic()
        firsts = await asyncio.gather(*(one(c, time.monotonic()) for _ in range(turns)))
        wall = time.monotonic() - started
        cpu = (cpu_seconds(pid) or 0.0) - cpu_before
    return Run("omni", list(firsts), wall, turns * tokens, cpu)


async def bench(args: argparse.Namespace, tmp: Path) -> None:
    provider_port, omni_port = free_port(), free_port()
    provider_url = f"http://127.0.0.1:{provider_port}/v1"
    cmd = [sys.executable, __file__, "--serve-provider", str(provider_port)]
    cmd += ["--tokens", str(args.tokens), "--delay", str(args.delay), "--port", str(provider_port)]
    provider = Server("fake provider", cmd, tmp / "provider.log", dict(os.environ))
    database = f"sqlite:///{tmp / 'omni.db'}"
    key = create_key(database)
    env = dict(os.environ)
    env.update(
        OMNI_ENGINE="openai",
        OMNI_LLM_BASE_URL=provider_url,
        OMNI_LLM_MODEL="fake",
        OMNI_MAX_RUNNING=str(args.turns),
        OMNI_PROGRESS_INTERVAL=str(args.progress_interval),
    )
    serve = [omni_executable(), "serve", "--database", database, "--port", str(omni_port)]
    omni = Server("omni serve", serve, tmp / "omni.log", env)
    with provider.running(), omni.running():
        await asyncio.sleep(0.5)
        await omni.wait_ready("/readyz")
        await baseline(provider_url, 2)  # warm up both paths
        await through_omni(f"http://127.0.0.1:{omni_port}", key, 2, args.tokens, omni.pid)
        base = await baseline(provider_url, args.turns)
        try:
            real = await through_omni(
                f"http://127.0.0.1:{omni_port}", key, args.turns, args.tokens, omni.pid
            )
        except Exception:
            print(omni.log_tail(), file=sys.stderr)
            raise
    print(
        f"{args.turns} concurrent turns of {args.tokens} tokens, {args.delay * 1000:g} ms apart, "
        f"progress interval {args.progress_interval:g} s"
    )
    print(base.line())
    print(real.line())
    print(
        f"ratios    ttft p50 x{statistics.median(real.ttft) / statistics.median(base.ttft):.2f}  "
        f"tokens/s x{(real.tokens / real.wall) / (base.tokens / base.wall):.2f}  "
        f"CPU/1k tokens x{(real.cpu / real.tokens) / max(base.cpu / base.tokens, 1e-9):.2f}"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--turns", type=int, default=50)
    p.add_argument("--tokens", type=int, default=200)
    p.add_argument("--delay", type=float, default=0.005)
    p.add_argument("--progress-interval", type=float, default=0.1)
    p.add_argument("--serve-provider", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_provider:
        serve_provider(args.serve_provider, args.tokens, args.delay)
        return 0
    with tempfile.TemporaryDirectory(prefix="omni-bench-llm-") as tmp:
        try:
            asyncio.run(bench(args, Path(tmp)))
        except (BenchError, subprocess.SubprocessError, httpx.HTTPError) as exc:
            traceback.print_exc()
            print(f"bench failed: {exc!r}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
