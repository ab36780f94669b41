"""Processes for the scale-out tests: ``omni worker``, API servers without a runner, and a
PostgreSQL database of their own.

Workers are started like servers (real processes, output to a file printed when the test
fails). The database is read directly where the API does not show what a test must check,
such as which worker holds a claim.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI
from tests.e2e.conftest import (
    START_TIMEOUT,
    OmniServer,
    clean_environment,
    failed,
    free_port,
    make_server,
    omni_command,
)
from tests.support import create_postgres_database, drop_postgres_database, postgres_reachable


@dataclass
class OmniWorker:
    """One ``omni worker`` process, with its probes on ``port``."""

    database: str
    port: int
    log_path: Path
    concurrency: int = 4
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        args = ["worker", "--database", self.database, "--port", str(self.port)]
        args += ["--concurrency", str(self.concurrency)]
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
                pytest.fail(f"omni worker exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        pytest.fail(f"omni worker was not ready after {timeout} s:\n{self.log_text()}")

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class Cluster:
    """API servers and workers of one test on one PostgreSQL database."""

    database: str
    directory: Path
    servers: list[OmniServer] = field(default_factory=list)
    workers: list[OmniWorker] = field(default_factory=list)

    def server(self, **env: object) -> OmniServer:
        made = make_server(
            self.directory / f"server{len(self.servers)}",
            database=self.database,
            runner="false",
            **env,
        )
        self.servers.append(made)
        made.start()
        return made

    def worker(self, concurrency: int = 4, **env: object) -> OmniWorker:
        directory = self.directory / f"worker{len(self.workers)}"
        directory.mkdir(parents=True, exist_ok=True)
        made = OmniWorker(
            database=self.database,
            port=free_port(),
            log_path=directory / "worker.log",
            concurrency=concurrency,
            env={f"OMNI_{k.upper()}": str(v) for k, v in env.items()},
        )
        self.workers.append(made)
        made.start()
        return made

    def rows(self, sql: str, *args: Any) -> list[Any]:
        """Read the database directly (asyncpg, ``$1`` placeholders, connection closed at once)."""
        return asyncio.run(_fetch(self.database, sql, args))

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        for server in self.servers:
            server.stop()


async def _fetch(url: str, sql: str, args: tuple[Any, ...]) -> list[Any]:
    import asyncpg

    from omni_server.worker.signals import asyncpg_arguments

    conn = await asyncpg.connect(**asyncpg_arguments(url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not postgres_reachable():
        if IN_CI:
            pytest.fail("PostgreSQL is not reachable, and CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not reachable (set OMNI_TEST_POSTGRES_URL)")
    url = asyncio.run(create_postgres_database())
    try:
        yield url
    finally:
        asyncio.run(drop_postgres_database(url))


@pytest.fixture
def cluster(request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str) -> Iterator[Cluster]:
    made = Cluster(database=postgres_url, directory=tmp_path)
    yield made
    made.stop()
    if failed(request):
        for proc in [*made.servers, *made.workers]:
            print(f"----- {proc.log_path} -----\n{proc.log_text()}")
