"""End-to-end fixtures: ``omni serve`` as a real process, keys made with the real CLI.

A server's output goes to a file; when a test that used the server fails, the part of the
log written during that test is printed, so the failure report shows what the server said.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.support import sqlite_url

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def omni_command(*args: str) -> list[str]:
    """The ``omni`` console script of this interpreter's environment (or the module behind it)."""
    script = Path(sys.executable).with_name("omni")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from omni_server.cli import main; main()", *args]


T = TypeVar("T")


def poll(
    check: Callable[[], T | None],
    *,
    timeout: float = 15.0,
    what: str = "condition",
    interval: float = 0.02,
) -> T:
    """Call ``check`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def clean_environment(**overrides: str) -> dict[str, str]:
    """This environment without OMNI_* and CLEAR_STREET_* settings, plus ``overrides``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMNI_", "CLEAR_STREET_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def create_key(database: str, *accounts: int) -> str:
    """A key made by ``omni keys create``; the secret is alone on the last line."""
    args = ["keys", "create", "--name", "e2e", "--database", database]
    for account in accounts:
        args += ["--account", str(account)]
    done = subprocess.run(
        omni_command(*args), env=clean_environment(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"omni keys create failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout.strip().splitlines()[-1].strip()


@dataclass
class OmniServer:
    """One ``omni serve`` process at a time on a fixed port and database (restartable)."""

    database: str
    port: int
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--database", self.database]
        with self.log_path.open("ab") as log:
            log.write(f"\n===== omni {' '.join(args)} (env {self.env}) =====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                omni_command(*args),
                env=clean_environment(**self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                pytest.fail(f"omni serve exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        pytest.fail(f"omni serve was not ready after {timeout} s:\n{self.log_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine dies."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if the server does not stop in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_size(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0


ServerFactory = Callable[..., OmniServer]


def make_server(directory: Path, *, database: str | None = None, **env: object) -> OmniServer:
    """A server on ``database`` (default: a SQLite file in ``directory``), not started yet."""
    directory.mkdir(parents=True, exist_ok=True)
    return OmniServer(
        database=database or sqlite_url(directory),
        port=free_port(),
        log_path=directory / "server.log",
        env={f"OMNI_{k.upper()}": str(v) for k, v in env.items()},
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report: pytest.TestReport = yield
    item.stash.setdefault(PHASES, {})[report.when] = report
    return report


PHASES = pytest.StashKey[dict[str, pytest.TestReport]]()


def failed(request: pytest.FixtureRequest) -> bool:
    reports = request.node.stash.get(PHASES, {})
    return any(r.failed for r in reports.values())


def print_log_on_failure(request: pytest.FixtureRequest, server: OmniServer, since: int) -> None:
    if failed(request):
        text = server.log_path.read_bytes()[since:].decode(errors="replace")
        print(f"----- omni serve output ({server.log_path}) -----\n{text}")


@pytest.fixture
def server_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerFactory]:
    """Make servers for this test; they are stopped after it, their output printed if it failed."""
    made: list[OmniServer] = []

    def factory(*, database: str | None = None, **env: object) -> OmniServer:
        server = make_server(tmp_path / f"server{len(made)}", database=database, **env)
        made.append(server)
        return server

    yield factory
    for server in made:
        server.stop()
    for server in made:
        print_log_on_failure(request, server, 0)
