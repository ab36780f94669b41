"""Pages for people: the playground, the API docs and the OpenAPI document.

Nothing is loaded from another host (no CDN): Swagger UI and ReDoc are vendored under
``static/vendor`` (see its README.txt for versions and licences), their two host pages are
plain HTML under ``static/docs``, and the playground is plain HTML, CSS and JavaScript under
``static/playground``, with no build step.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from omni_server import __version__
from omni_server.api import openapi
from omni_server.api.envelope import JSON

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
PREFIX = "/static"


def _page(url: str, file: Path) -> Route:
    async def serve(_request: Request) -> FileResponse:
        return FileResponse(file, media_type="text/html")

    return Route(url, serve, methods=["GET"])


async def openapi_json(request: Request) -> JSON:
    """The document, built once per app from the operation table and the wire models."""
    state = request.app.state
    document = getattr(state, "openapi_document", None)
    if document is None:
        document = state.openapi_document = openapi.document(__version__)
    return JSON(document)


def routes() -> list[BaseRoute]:
    return [
        Route("/openapi.json", openapi_json, methods=["GET"]),
        _page("/docs", STATIC / "docs" / "swagger.html"),
        _page("/redoc", STATIC / "docs" / "redoc.html"),
        _page("/playground", STATIC / "playground" / "index.html"),
        Mount(PREFIX, StaticFiles(directory=STATIC), name="static"),
    ]
