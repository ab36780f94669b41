"""Logs and metrics in process: the request id on error lines, both formats, the active gauge
read from the database, last-used tracking, and the banner's key command."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.routing import Route
from typer.testing import CliRunner

from omni_server.cli import app as cli_app
from omni_server.observability.logging import (
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    configure_logging,
)
from omni_server.settings import Settings
from omni_server.startup import invoked_as, key_command
from tests.conftest import fast_settings
from tests.support import Harness, running_app, sqlite_url, wait_for

API = "/v1/omni-ai"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Lines of the ``omni`` loggers, formatted as JSON by the real formatter and filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("omni")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def records(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_an_error_line_carries_the_request_id(
    harness: Harness, captured: io.StringIO
) -> None:
    async def boom(_request: Request) -> None:
        raise RuntimeError("the disk is on fire")

    harness.app.router.routes.insert(0, Route("/boom", boom))
    transport = httpx.ASGITransport(app=harness.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://omni.test") as client:
        answer = await client.get("/boom")
    assert answer.status_code == 500
    rid = answer.headers["x-request-id"]
    errors = [r for r in records(captured) if r["level"] == "error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == rid and "the disk is on fire" in str(errors[0]["exc"])
    [access] = [r for r in records(captured) if r["logger"] == "omni.access"]
    assert access["request_id"] == rid and access["status"] == 500
    assert access["route"] == "/boom"


async def test_unmatched_paths_share_one_label(harness: Harness, captured: io.StringIO) -> None:
    await harness.client.get("/no/such/path/123")
    [access] = [r for r in records(captured) if r["logger"] == "omni.access"]
    assert access["route"] == "<unmatched>" and access["path"] == "/no/such/path/123"
    assert access["status"] == 404


def test_text_lines_show_fields_not_in_the_message() -> None:
    record = logging.makeLogRecord(
        {
            "name": "omni.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "GET %s %d",
            "args": ("/healthz", 200),
            "request_id": "abc",
            "status": 200,
        }
    )
    line = TextFormatter().format(record)
    assert line.endswith("omni.access GET /healthz 200 request_id=abc")


def test_configure_logging_takes_over_uvicorn(capsys: pytest.CaptureFixture[str]) -> None:
    config = configure_logging(Settings(log_format="json", log_level="warning"))
    try:
        logging.getLogger("uvicorn.error").warning("from uvicorn")
        logging.getLogger("omni").info("below the level")
        line = json.loads(capsys.readouterr().err)
        assert line["logger"] == "uvicorn.error" and line["message"] == "from uvicorn"
        assert config["loggers"]["uvicorn.access"]["level"] == logging.WARNING
    finally:
        for name in config["loggers"]:
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True
            logger.setLevel(logging.NOTSET)


async def test_active_gauge_is_read_from_the_database(tmp_path: Path) -> None:
    """A second server, which never saw the turn, reports it running: the count survives
    restarts and covers every process."""
    database = sqlite_url(tmp_path)
    async with running_app(fast_settings(database)) as first:
        created = await first.client.post(
            f"{API}/threads", json={"type": "instant", "account_id": 1, "text": "!omni:hang"}
        )
        rid = created.json()["data"]["response_id"]

        async def running() -> bool:
            r = await first.client.get(f"{API}/responses/{rid}", params={"account_id": 1})
            return bool(r.json()["data"]["status"] == "running")

        await wait_for(running)
        async with running_app(fast_settings(database)) as second:
            text = (await second.client.get("/metrics")).text
        assert 'omni_responses_active{status="running"} 1.0' in text
        assert 'omni_responses_active{status="queued"} 0.0' in text


async def test_keys_list_shows_when_a_key_was_last_used(tmp_path: Path) -> None:
    database = sqlite_url(tmp_path)
    async with running_app(fast_settings(database)) as h:
        runner = CliRunner()

        async def keys_list() -> str:
            # The command runs its own event loop: give it a thread of its own.
            args = ["keys", "list", "--database", database]
            return (await asyncio.to_thread(runner.invoke, cli_app, args)).output

        before = await keys_list()
        header, row = before.splitlines()
        assert header.split() == [
            "ID",
            "PREFIX",
            "NAME",
            "ACCOUNTS",
            "CREATED",
            "LAST",
            "USED",
            "STATUS",
        ]
        assert row.split()[-2:] == ["-", "active"]
        assert (await h.client.get(f"{API}/threads", params={"account_id": 1})).status_code == 200
        after = await keys_list()
        row = after.splitlines()[1].split()
        assert row[-2] != "-" and ":" in row[-2]


def test_key_command_as_it_can_be_run_from_here(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "omni"
    script.parent.mkdir()
    script.write_text("")
    assert invoked_as(str(script)) == str(script)
    assert invoked_as("-c") == f"{sys.executable} -m omni_server"
    assert key_command(Settings(), "-c").endswith("keys create --account 1")
    explicit = Settings(database="sqlite:///x y/omni.db")
    assert key_command(explicit, str(script)) == (
        f"{script} keys create --account 1 --database 'sqlite:///x y/omni.db'"
    )


async def test_last_use_is_written_at_most_once_a_minute(harness: Harness) -> None:
    keys = harness.app.state.services.keys
    writes: list[object] = []
    real_touch = keys._store.touch

    async def counting_touch(key_id: object, now: object) -> None:
        writes.append(key_id)
        await real_touch(key_id, now)

    keys._store.touch = counting_touch
    keys._touched.clear()
    for _ in range(5):
        answer = await harness.client.get(f"{API}/threads", params={"account_id": 1})
        assert answer.status_code == 200
    assert len(writes) == 1
    keys._touched = {k: v - 61 for k, v in keys._touched.items()}  # a minute later
    await harness.client.get(f"{API}/threads", params={"account_id": 1})
    assert len(writes) == 2


async def test_access_lines_can_be_turned_off_and_metrics_stay(
    tmp_path: Path, captured: io.StringIO
) -> None:
    from prometheus_client import REGISTRY

    def healthz_count(method: str, status: str = "200") -> float:
        labels = {"route": "/healthz", "method": method, "status": status}
        return REGISTRY.get_sample_value("omni_http_requests_total", labels) or 0.0

    async with running_app(fast_settings(sqlite_url(tmp_path), access_log=False)) as h:
        before = healthz_count("GET")
        assert (await h.client.get("/healthz")).status_code == 200
        assert healthz_count("GET") == before + 1
        other = healthz_count("OTHER", "405")
        answer = await h.client.request("BREW", "/healthz")  # any method: one bounded label
        assert answer.status_code == 405
        assert healthz_count("OTHER", "405") == other + 1
    assert not [r for r in records(captured) if r["logger"] == "omni.access"]
