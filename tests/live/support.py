"""A real server on a real socket (uvicorn in the test's loop) and an SSE reader for tests."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from httpx_sse import aconnect_sse

from omni_server.app import create_app
from omni_server.services.auth import KeyService
from omni_server.settings import Settings
from omni_server.store.keys import KeyStore


@dataclass
class Live:
    """A server listening on 127.0.0.1, its app, and a client with a key for accounts 1, 2."""

    app: Any
    url: str
    key: str
    client: httpx.AsyncClient

    async def new_key(self, *accounts: int) -> str:
        created = await self.app.state.services.keys.create(accounts=frozenset(accounts), name="t")
        return str(created.secret)

    async def ask(self, text: str, account_id: int = 1) -> dict[str, Any]:
        r = await self.client.post(
            "/v1/omni-ai/threads",
            json={"account_id": account_id, "text": text, "type": "instant"},
        )
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()["data"]
        return data


def without_events(app: Any) -> None:
    """Remove the event stream route: the server then looks like Clear Street's own."""
    from omni_server.api.routes import events

    before = len(app.router.routes)
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "endpoint", None) is not events.response_events
    ]
    assert len(app.router.routes) == before - 1


class NoValidators:
    """ASGI middleware dropping ``ETag`` from answers: a server without conditional polls."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def strip(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [h for h in message["headers"] if h[0].lower() != b"etag"]
            await send(message)

        await self.app(scope, receive, strip)


@asynccontextmanager
async def serving(settings: Settings, *, flavour: str = "events") -> AsyncIterator[Live]:
    """``flavour``: ``events`` (everything), ``long-poll`` (no event stream) or ``plain``
    (no event stream and no ETags)."""
    app = create_app(settings)
    if flavour != "events":
        without_events(app)
    served: Any = NoValidators(app) if flavour == "plain" else app
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(served, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        created = await KeyService(KeyStore(app.state.db)).create(
            accounts=frozenset({1, 2}), name="live"
        )
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {created.secret}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
            yield Live(app=app, url=url, key=created.secret, client=client)
    finally:
        server.should_exit = True
        await task
        sock.close()


@dataclass
class Event:
    event: str
    id: str
    data: Any


async def read_events(
    client: httpx.AsyncClient,
    response_id: str,
    *,
    account_id: int = 1,
    last_event_id: str | None = None,
    stop_after: int | None = None,
) -> list[Event]:
    """The events of one stream, until the server closes it or ``stop_after`` events."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    events: list[Event] = []
    async with aconnect_sse(
        client,
        "GET",
        f"/v1/omni-ai/responses/{response_id}/events",
        params={"account_id": account_id},
        headers=headers,
    ) as source:
        assert source.response.status_code == 200
        async for sse in source.aiter_sse():
            if not sse.data:  # a keep-alive comment
                continue
            events.append(Event(sse.event, sse.id, json.loads(sse.data)))
            if stop_after is not None and len(events) >= stop_after:
                break
    return events


def rebuild(events: list[Event]) -> list[dict[str, Any]]:
    """The parts a client holds after ``events`` (snapshot, deltas and parts)."""
    parts: list[dict[str, Any]] = []
    for e in events:
        if e.event == "snapshot":
            parts = [dict(p) for p in e.data["content"]["parts"]]
        elif e.event == "part":
            parts[e.data["part_index"] :] = [e.data["part"]]
        elif e.event == "delta" and e.data["type"] == "text":
            if e.data["part_index"] < len(parts):
                parts[e.data["part_index"]]["text"] += e.data["text"]
            else:
                parts.append({"type": "text", "text": e.data["text"]})
        elif e.event == "delta":
            if e.data["part_index"] < len(parts):
                parts[e.data["part_index"]]["thoughts"].append(e.data["text"])
            else:
                parts.append({"type": "thinking", "thoughts": [e.data["text"]]})
    return parts
