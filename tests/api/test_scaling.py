"""Scale-out plumbing in this process: ``serve`` options, SIGTERM drain, readiness."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from types import FrameType

import pytest
from typer.testing import CliRunner

from omni_server import scaling
from omni_server.api.reading.limits import BodyLimits
from omni_server.cli import app
from omni_server.settings import Settings
from omni_server.shutdown import SigtermDrain
from tests.conftest import fast_settings
from tests.support import running_app, sqlite_url, wait_for

runner = CliRunner()


def test_serve_with_several_processes_on_sqlite_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--workers", "2", "--database", sqlite_url(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == scaling.SQLITE_WORKERS
    assert "needs PostgreSQL" in result.output


def test_per_account_cap_defaults_below_max_running() -> None:
    assert Settings(max_running=64).per_account_cap == 48
    assert Settings(max_running=1).per_account_cap == 1
    assert Settings(max_running=8, max_running_per_account=8).per_account_cap == 8
    assert Settings(shutdown_grace=0.5).http_grace == 1
    assert Settings().http_grace == 30


def test_settings_reach_child_processes_through_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.startswith("OMNI_"):
            monkeypatch.delenv(name)
    settings = Settings(database=sqlite_url(tmp_path), workers=3, runner=False, shutdown_grace=7)
    with monkeypatch.context() as env:
        for field in Settings.model_fields:
            env.delenv(f"OMNI_{field.upper()}", raising=False)
        scaling.settings_to_environment(settings)
        assert Settings() == settings
        app = scaling.app_from_environment()
        assert app.state.body_limits == BodyLimits.from_settings(settings)
        for field in Settings.model_fields:
            os.environ.pop(f"OMNI_{field.upper()}", None)


def test_postgres_url_check() -> None:
    assert scaling.is_postgres(Settings(database="postgres://u@h/db"))
    assert not scaling.is_postgres(Settings(database="sqlite:///x.db"))
    assert scaling.workers_note(Settings(workers=2)) == " (2 processes)"
    assert scaling.workers_note(Settings()) == ""


async def test_sigterm_drains_before_handing_the_signal_on() -> None:
    """The first SIGTERM runs the drain while the process keeps going, then calls the handler
    that was installed before (uvicorn's); a second SIGTERM during the drain is ignored."""
    handed_on: list[int] = []
    drained = asyncio.Event()
    release = asyncio.Event()

    def previous(sig: int, _frame: FrameType | None) -> None:
        handed_on.append(sig)

    async def drain() -> None:
        drained.set()
        await release.wait()

    before = signal.signal(signal.SIGTERM, previous)
    hook = SigtermDrain(drain)
    try:
        hook.install()
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(drained.wait(), timeout=5)
        assert hook.draining and handed_on == []
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(0.05)
        release.set()

        async def handed() -> bool:
            return handed_on == [signal.SIGTERM]

        await wait_for(handed, timeout=5)
        hook.uninstall()
        assert signal.getsignal(signal.SIGTERM) == previous
    finally:
        signal.signal(signal.SIGTERM, before)


async def test_api_readyz_is_503_while_draining(tmp_path: Path) -> None:
    async with running_app(fast_settings(sqlite_url(tmp_path), runner=False)) as h:
        assert (await h.client.get("/readyz")).status_code == 200
        h.app.state.drain.draining = True
        r = await h.client.get("/readyz")
        assert r.status_code == 503 and r.json()["draining"] is True
        # Without a runner, a created turn stays queued (workers run it).
        created = await h.client.post(
            "/v1/omni-ai/threads", json={"type": "instant", "account_id": 1, "text": "hi"}
        )
        rid = created.json()["data"]["response_id"]
        got = await h.client.get(f"/v1/omni-ai/responses/{rid}", params={"account_id": 1})
        assert got.json()["data"]["status"] == "queued"
        await h.client.delete(f"/v1/omni-ai/responses/{rid}", params={"account_id": 1})


def test_worker_with_a_bad_database_is_one_line() -> None:
    unsupported = runner.invoke(app, ["worker", "--database", "mysql://x/y"])
    assert unsupported.exit_code == 2 and "unsupported database" in unsupported.output
    unreachable = runner.invoke(
        app, ["worker", "--database", "postgresql://nobody@127.0.0.1:1/none"]
    )
    assert unreachable.exit_code == 1
    assert "cannot use the database" in unreachable.output
    assert "Traceback" not in unreachable.output
