"""Cheap polling and live events, measured against a plain poll in the same run.

Starts one server in process on a real socket (SQLite), then measures, with one connection:

1. plain polls of a finished response (``GET``): the baseline;
2. conditional polls of it (``If-None-Match`` with its ``ETag``: 304, no body);
3. the time from a ``POST`` to the first ``delta`` of its event stream, and the stream's
   events per second, compared with how often plain polling sees the content change.

Usage: ``.venv/bin/python bench/bench_live.py [--requests N]``. Figures are informational.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live.support import read_events, serving

from omni_server.settings import Settings


async def polls(client, path: str, n: int, headers: dict[str, str]) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(n):
        r = await client.get(path, params={"account_id": 1}, headers=headers)
        assert r.status_code in (200, 304)
    return n / (time.perf_counter() - started)


async def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(database=f"sqlite:///{directory}/omni.db", key_cache_seconds=5)
        async with serving(settings) as live:
            accepted = await live.ask("How are AAPL and MSFT doing?")
            rid = accepted["response_id"]
            await read_events(live.client, rid)
            path = f"/v1/omni-ai/responses/{rid}"
            tag = (await live.client.get(path, params={"account_id": 1})).headers["etag"]
            await polls(live.client, path, 50, {})
            plain = await polls(live.client, path, requests, {})
            conditional = await polls(live.client, path, requests, {"If-None-Match": tag})
            print(f"plain poll (200)        : {plain:8.0f} req/s  (baseline)")
            ratio = conditional / plain
            print(f"conditional poll (304)  : {conditional:8.0f} req/s  ratio {ratio:.2f}")

            started = time.perf_counter()
            accepted = await live.ask("Compare AAPL, MSFT and NVDA please")
            events = await read_events(live.client, accepted["response_id"])
            total = time.perf_counter() - started
            deltas = [e for e in events if e.event == "delta"]
            counts = f"{len(events)} events, {len(deltas)} deltas"
            print(f"event stream            : {counts} in {total:.2f} s")
            print(f"  events per second     : {len(events) / total:8.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    asyncio.run(main(parser.parse_args().requests))
