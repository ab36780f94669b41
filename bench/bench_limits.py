"""Does ``/healthz`` stay under 50 ms while the server takes the heaviest request allowed?

Run: ``.venv/bin/python bench/bench_limits.py [--rounds N]``.

Starts ``omni serve`` on a fresh SQLite database (a subprocess, as in production), then a
probe thread polls ``/healthz`` on one keep-alive connection every 10 ms: first with the
server idle (the baseline), then while another client posts, ``--rounds`` times, a 1 MiB
thread creation (the body limit) with a 32,000-character text of distinct ticker-like words
(the text limit) and tens of thousands of unknown non-ASCII fields, and waits for its turn
to end. Prints p50/p99/max latency for both phases, their ratio, and the 50 ms goal.
Exit status 0 when the run completed (the goal is informational), 1 when it broke.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_api import BenchError, Server, create_key, free_port, omni_executable
from tests.edge.pressure import Probe, heaviest_body, send_heaviest

GOAL_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=float, default=2.0, help="seconds of baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="omni-bench-limits-") as tmp:
        database = f"sqlite:///{Path(tmp) / 'omni.db'}"
        try:
            key = create_key(database)
            port = free_port()
            cmd = [omni_executable(), "serve", "--port", str(port), "--database", database]
            server = Server("omni", cmd, Path(tmp) / "omni.log", env={"PATH": "/usr/bin:/bin"})
            with server.running():
                asyncio.run(server.wait_ready("/readyz"))
                report(f"http://127.0.0.1:{port}", key, args.rounds, args.idle)
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 1
    return 0


def report(url: str, key: str, rounds: int, idle: float) -> None:
    body = heaviest_body()
    with Probe(url) as baseline:
        time.sleep(idle)
    with Probe(url) as loaded:
        began = time.perf_counter()
        finals = [send_heaviest(url, key, body) for _ in range(rounds)]
        elapsed = time.perf_counter() - began
    base, load = baseline.summary(), loaded.summary()
    print(f"heaviest body: {len(body):,} bytes, {rounds} rounds in {elapsed:.2f} s")
    print(f"turns: {[f['status'] for f in finals]}, poll size {finals[-1]['poll_bytes']} bytes")
    print(f"{'/healthz':<10} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, row in (("idle", base), ("loaded", load)):
        print(
            f"{name:<10} {row['count']:>6.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}"
            f" {row['max_ms']:>8.2f}"
        )
    ratio = load["max_ms"] / max(base["max_ms"], 1e-9)
    verdict = "met" if load["max_ms"] < GOAL_MS else "NOT met"
    print(f"loaded/idle max: {ratio:.1f}x; goal max < {GOAL_MS:.0f} ms: {verdict}")
    print(f"probe failures: {baseline.failures + loaded.failures}")


if __name__ == "__main__":
    sys.exit(main())
