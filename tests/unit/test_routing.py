"""The indexed router picks the route Starlette's own scan picks, for any path and method."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import Receive, Scope, Send

from omni_server.api.routes import routes as served_routes
from omni_server.api.routing import IndexedRouter, RouteIndex


def endpoint(name: str) -> Any:
    async def answer(request: Request) -> Response:
        return PlainTextResponse(f"{name} {sorted(request.path_params.items())}")

    return answer


async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse(f"mount {scope['path']}")(scope, receive, send)


def table() -> list[BaseRoute]:
    """The server's own paths and methods, with endpoints that say which route answered,
    plus the shapes the index must leave to Starlette (typed and partial parameters)."""
    # Before the table, routes that overlap later ones: Starlette's order decides between them.
    copied: list[BaseRoute] = [
        Route("/files/{rest:path}", endpoint("early path"), methods=["GET"]),
        Route("/v1/omni-ai/threads/{rest:path}", endpoint("early threads"), methods=["PUT"]),
    ]
    for position, route in enumerate(served_routes()):
        if isinstance(route, Route):
            copied.append(Route(route.path, endpoint(f"r{position}"), methods=route.methods))
        else:
            copied.append(Mount("/static", app=mounted))
    copied.append(Route("/items/{n:int}", endpoint("typed"), methods=["GET"]))
    copied.append(Route("/files/{name}.json", endpoint("suffixed"), methods=["GET"]))
    copied.append(Route("/files/{rest:path}", endpoint("path"), methods=["GET"]))
    copied.append(Route("/files/{name}", endpoint("late plain"), methods=["GET", "POST"]))
    return copied


def answer(router: Router, method: str, path: str) -> tuple[int, bytes, list[Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "scheme": "http",
        "server": ("testserver", 80),
    }
    asyncio.run(router(scope, receive, send))
    return sent[0]["status"], sent[1]["body"], sorted(sent[0]["headers"])


PLAIN = Router(table())
INDEXED = IndexedRouter(table())

SEGMENTS = st.sampled_from(
    ["", "v1", "omni-ai", "threads", "responses", "messages", "response", "feedback", "events",
     "entitlements", "agreements", "status", "opt-out", "healthz", "readyz", "metrics", "docs",
     "static", "items", "files", "42", "x.json", "a b", "%2F", "0195", "V1"]
)  # fmt: skip
METHODS = st.sampled_from(["GET", "POST", "DELETE", "PUT", "HEAD", "BREW"])


@settings(max_examples=600, deadline=None)
@given(method=METHODS, segments=st.lists(SEGMENTS, max_size=6), slash=st.booleans())
def test_any_path_gets_the_answer_starlette_gives(
    method: str, segments: list[str], slash: bool
) -> None:
    path = "/" + "/".join(segments) + ("/" if slash and segments else "")
    assert answer(INDEXED, method, path) == answer(PLAIN, method, path)


def test_every_template_of_the_table_reaches_its_route() -> None:
    for route in table():
        if not isinstance(route, Route):
            continue
        path = route.path.replace("{", "").replace("}", "").replace(":int", "7")
        path = path.replace(":path", "/deep")
        for method in sorted(route.methods or ()):
            status, body, _ = answer(INDEXED, method, path)
            assert (status, body) == answer(PLAIN, method, path)[:2]


def test_the_index_narrows_a_path_to_the_routes_that_may_match() -> None:
    routes = table()
    index = RouteIndex(routes)
    found = index.candidates("/v1/omni-ai/responses/abc")
    shapes = [getattr(route, "path", None) for route in found]
    # the routes it cannot narrow, in table order around the poll and the cancel (one template)
    assert shapes[2:4] == ["/v1/omni-ai/responses/{response_id}"] * 2
    assert all(not isinstance(r, Route) or ":" in r.path or "." in r.path for r in found[:2])
    assert all(not isinstance(r, Route) or ":" in r.path or "." in r.path for r in found[4:])
    assert "/healthz" in [getattr(route, "path", None) for route in index.candidates("/healthz")]


def test_a_route_added_later_is_found() -> None:
    router = IndexedRouter([Route("/a", endpoint("a"), methods=["GET"])])
    router.routes.append(Route("/b", endpoint("b"), methods=["GET"]))
    assert answer(router, "GET", "/b")[:2] == (200, b"b []")
