"""Response headers: no-store under /v1, nosniff everywhere, no server banner, CORS opt-in."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from omni_server.settings import Settings
from tests.conftest import fast_settings
from tests.edge.conftest import Served
from tests.support import Harness, running_app, sqlite_url

API = "/v1/omni-ai"


async def test_api_answers_are_not_stored_and_never_sniffed(harness: Harness) -> None:
    ok = await harness.client.get(f"{API}/threads", params={"account_id": 1})
    refused = await harness.client.get(f"{API}/threads", params={"account_id": 99})
    missing = await harness.client.get(f"{API}/nowhere")
    for r in (ok, refused, missing):
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
    health = await harness.client.get("/healthz")
    assert health.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in health.headers


def test_no_server_banner_over_a_socket(served: Served) -> None:
    r = httpx.get(f"{served.url}{API}/threads", params={"account_id": 1}, headers=served.headers)
    assert r.status_code == 200
    assert "server" not in r.headers
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


async def test_cors_is_off_by_default(harness: Harness) -> None:
    preflight = await harness.client.options(
        f"{API}/threads",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    r = await harness.client.get(
        f"{API}/threads", params={"account_id": 1}, headers={"Origin": "https://app.example"}
    )
    assert "access-control-allow-origin" not in r.headers


async def test_cors_origins_turn_it_on(tmp_path: Path) -> None:
    settings = fast_settings(
        sqlite_url(tmp_path), cors_origins="https://app.example, https://other.example"
    )
    async with running_app(settings) as h:
        preflight = await h.client.options(
            f"{API}/threads",
            headers={
                "Origin": "https://other.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://other.example"
        r = await h.client.get(
            f"{API}/threads", params={"account_id": 1}, headers={"Origin": "https://app.example"}
        )
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        assert "x-request-id" in r.headers["access-control-expose-headers"]
        stranger = await h.client.get(
            f"{API}/threads", params={"account_id": 1}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in stranger.headers


def test_cors_origins_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNI_CORS_ORIGINS", "https://a.example https://b.example")
    assert Settings().cors_origins.split() == ["https://a.example", "https://b.example"]
