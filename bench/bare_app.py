"""Baseline for the poll benchmark: a bare Starlette app with one fixed-JSON endpoint.

``GET /bare`` returns the same pre-serialized JSON body every time (no database, no auth, no
middleware, no parameter parsing). Its size is ``BARE_BODY_BYTES`` (default 1200), which
``bench_api.py`` sets to the size of a real poll response, so both servers write the same
amount to the socket.

It is served exactly as ``omni serve`` serves the real app: ``uvicorn.run(app, host=...,
port=..., log_level="info", access_log=False)``, i.e. uvicorn's defaults for the rest (loop
``auto`` = uvloop, http ``auto`` = httptools when installed, one worker process).

Run: ``python bench/bare_app.py --port 8001``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def fixed_body(size: int) -> bytes:
    """A JSON envelope shaped like a poll answer, padded to exactly ``size`` bytes if possible."""
    doc = {
        "data": {
            "id": "0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "thread_id": "0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
            "status": "succeeded",
            "parts": [{"type": "text", "text": ""}],
        },
        "metadata": {"request_id": "5f0c7b1e-2d3a-4b5c-9d8e-7f6a5b4c3d2e"},
    }
    base = len(orjson.dumps(doc))
    doc["data"]["parts"][0]["text"] = "x" * max(0, size - base)  # type: ignore[index]
    return orjson.dumps(doc)


BODY = fixed_body(int(os.environ.get("BARE_BODY_BYTES", "1200")))


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    loop = asyncio.get_running_loop()
    print(f"bare app: loop={type(loop).__module__}.{type(loop).__name__}", file=sys.stderr)
    yield


async def bare(_request: Request) -> Response:
    return Response(content=BODY, media_type="application/json")


app = Starlette(routes=[Route("/bare", bare, methods=["GET"])], lifespan=lifespan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    # Same call as omni_server.cli.serve: every other uvicorn setting is left at its default.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
