"""Pages for people: the playground and the API docs, all from files shipped in the package.

Nothing is loaded from another host (no CDN): Swagger UI and ReDoc are vendored under
``static/vendor`` (see its README.txt for versions and licences) and the playground is plain
HTML, CSS and JavaScript under ``static/playground``, with no build step.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
PREFIX = "/static"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Omni AI API - Swagger UI",
        swagger_js_url=f"{PREFIX}/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{PREFIX}/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{PREFIX}/vendor/swagger-ui/favicon-32x32.png",
        # The default would ask validator.swagger.io to validate the document.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title="Omni AI API - ReDoc",
        redoc_js_url=f"{PREFIX}/vendor/redoc/redoc.standalone.js",
        redoc_favicon_url=f"{PREFIX}/vendor/swagger-ui/favicon-32x32.png",
        with_google_fonts=False,
    )


@router.get("/playground")
async def playground() -> FileResponse:
    return FileResponse(STATIC / "playground" / "index.html", media_type="text/html")


def install(app: FastAPI) -> None:
    """Add the pages and the static files they load."""
    app.include_router(router)
    app.mount(PREFIX, StaticFiles(directory=STATIC), name="static")
