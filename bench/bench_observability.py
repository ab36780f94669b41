"""What the access line and the HTTP metrics cost per request, measured in process.

The same tiny ASGI app (one JSON route, the request-id middleware) is called directly, with
no network, N times in four set-ups: without the access middleware (the baseline), with its
metrics only, with metrics and the access line in text, and in JSON. Log lines go to
/dev/null through the real handler and formatter, so formatting and the write are counted.
Figures are CPU time per request (the least disturbed by other work on the machine) and the
overhead against the baseline.

    .venv/bin/python bench/bench_observability.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import time
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Route

from omni_server.api.edge import EdgeMiddleware
from omni_server.api.envelope import JSON
from omni_server.observability.logging import logging_config


async def healthz(_request: Any) -> JSON:
    return JSON({"status": "ok"})


def make_app(edge: bool, lines: bool) -> Starlette:
    app = Starlette(routes=[Route("/healthz", healthz)])
    if edge:
        app.add_middleware(
            EdgeMiddleware, max_body_bytes=1 << 20, body_timeout=10.0, access_lines=lines
        )
    return app


def configure(fmt: str) -> None:
    config = logging_config(fmt, "info")  # type: ignore[arg-type]
    config["handlers"]["omni"] = {
        "class": "logging.FileHandler",
        "filename": "/dev/null",
        "formatter": "omni",
        "filters": ["request_id"],
    }
    logging.config.dictConfig(config)
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None  # type: ignore[attr-defined]  # as configure_logging does


async def drive(app: Starlette, n: int) -> float:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/healthz",
        "raw_path": b"/healthz",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: Any) -> None:
        return None

    for _ in range(200):  # warm-up
        await app(dict(scope), receive, send)
    started = time.process_time()
    for _ in range(n):
        await app(dict(scope), receive, send)
    return (time.process_time() - started) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    n = parser.parse_args().requests
    rounds = parser.parse_args().rounds
    setups = [
        ("baseline (no edge middleware)", False, False, "text"),
        ("edge, metrics only (OMNI_ACCESS_LOG=false)", True, False, "text"),
        ("metrics + access line, text", True, True, "text"),
        ("metrics + access line, json", True, True, "json"),
    ]
    best: dict[str, float] = {}
    for _ in range(rounds):  # interleaved rounds; the best of each is the least disturbed
        for name, edge, lines, fmt in setups:
            configure(fmt)
            cost = asyncio.run(drive(make_app(edge, lines), n))
            best[name] = min(best.get(name, cost), cost)
    base = best[setups[0][0]]
    print(f"{'set-up':<44} {'cpu us/req':>10} {'overhead us':>12} {'ratio':>6}")
    for name, *_ in setups:
        print(
            f"{name:<44} {best[name]:>10.1f} {best[name] - base:>12.1f} {best[name] / base:>6.2f}"
        )


if __name__ == "__main__":
    main()
