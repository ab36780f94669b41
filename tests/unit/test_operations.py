"""The operation table matches the routes the app serves, and the document is built from it.

The OpenAPI document (``api/openapi.py``) is made from ``api/operations.py`` and the strict
models alone; these checks keep the table and the served routes the same set, keep the
document self-consistent (every ``$ref`` resolves, every path parameter is declared), and use
Clear Street's own operation ids where the operation exists there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from starlette.routing import Mount, Route

from omni_server import __version__
from omni_server.api.openapi import document
from omni_server.api.operations import OPERATIONS, operation
from omni_server.app import create_app
from omni_server.settings import Settings

OFFICIAL = Path("shared/spec/official/omni-ai-openapi.yml")


def served() -> dict[tuple[str, str], str]:
    """(method, path) -> route name, for every route the app serves (HEAD aside)."""
    found: dict[tuple[str, str], str] = {}
    for route, prefix in _flatten(create_app(Settings()).routes, ""):
        for method in (route.methods or set()) - {"HEAD"}:
            found[(method, prefix + route.path)] = route.name
    return found


def _flatten(routes: Iterable[Any], prefix: str) -> Iterator[tuple[Route, str]]:
    """Routes with their path prefix, through mounts."""
    for route in routes:
        if isinstance(route, Mount):
            yield from _flatten(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield route, prefix


def declared() -> dict[tuple[str, str], str]:
    return {(op.method, op.path): op.name for op in OPERATIONS}


def test_every_api_route_is_an_operation_and_every_operation_is_served() -> None:
    routes = served()
    api_routes = {key: name for key, name in routes.items() if key[1].startswith("/v1/")}
    table = declared()
    assert {k: v for k, v in table.items() if k[1].startswith("/v1/")} == api_routes
    for key, name in table.items():
        assert routes.get(key) == name, f"{key} is declared as {name} but not served so"


def test_names_are_unique_and_found() -> None:
    assert len({op.name for op in OPERATIONS}) == len(OPERATIONS)
    assert len(declared()) == len(OPERATIONS)
    for op in OPERATIONS:
        assert operation(op.name) is op
    with pytest.raises(KeyError):
        operation("nope")


async def test_the_app_serves_the_built_document() -> None:
    transport = httpx.ASGITransport(app=create_app(Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://omni.test") as client:
        assert (await client.get("/openapi.json")).json() == document(__version__)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [r for v in node.values() for r in _refs(v)] + (
            [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        )
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_document_is_self_consistent() -> None:
    doc = document("test")
    assert doc["openapi"] == "3.1.0"
    for ref in _refs(doc):
        section, name = ref.removeprefix("#/components/").split("/")
        assert name in doc["components"][section], ref
    for path, methods in doc["paths"].items():
        for method, spec in methods.items():
            named = {p["name"] for p in spec.get("parameters", []) if p["in"] == "path"}
            assert named == {part[1:-1] for part in path.split("/") if part.startswith("{")}
            assert spec["operationId"] == declared()[(method.upper(), path)]
            assert ("security" in spec) == path.startswith("/v1/")
            if method in ("get", "delete"):
                assert "422" not in spec["responses"] and "408" not in spec["responses"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def _official() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        if (parent / OFFICIAL).is_file():
            return parent / OFFICIAL
    return None


def test_operation_ids_are_clear_streets_where_the_operation_exists_there() -> None:
    found = _official()
    if found is None:
        pytest.skip(f"{OFFICIAL} is not beside the repository")
    official = yaml.safe_load(found.read_text())
    ids = {
        (method.upper(), path): spec["operationId"]
        for path, methods in official["paths"].items()
        for method, spec in methods.items()
        if isinstance(spec, dict) and "operationId" in spec
    }
    table = declared()
    assert ids, "no operations in the official document"
    for key, operation_id in ids.items():
        assert table[key] == operation_id
