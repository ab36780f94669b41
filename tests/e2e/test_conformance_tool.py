"""``omni conformance`` as a user runs it: against ``omni serve``, a fake, and nothing at all."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import ServerFactory, create_key, free_port, omni_command


def conformance(*args: str, via_launcher: bool = False) -> subprocess.CompletedProcess[str]:
    command = (
        omni_command("conformance", *args)
        if via_launcher
        else [sys.executable, "-m", "omni_conformance", *args]
    )
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def test_every_check_holds_against_omni_serve(
    server_factory: ServerFactory, database_url: str
) -> None:
    server = server_factory(database=database_url, chunk_delay=0.005)
    key = create_key(server.database, 7)
    server.start()
    done = conformance(
        "--base-url", server.url, "--api-key", key, "--account-id", "7", via_launcher=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "creates 4 threads in that account" in done.stdout
    assert "10 of 10 checks hold, 0 fail, 0 untested." in done.stdout
    assert "FAILS" not in done.stdout


class Canned(BaseHTTPRequestHandler):
    """Not an implementation: the same JSON for every request."""

    def _answer(self) -> None:
        body = json.dumps({"data": {"ok": True}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canned_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_canned_server_fails_cleanly(canned_url: str) -> None:
    done = conformance("--base-url", canned_url, "--api-key", "k", "--account-id", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "0 of 10 checks hold, 7 fail, 3 untested." in done.stdout


def test_nothing_listening_cannot_run() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = conformance("--base-url", url, "--api-key", "k", "--account-id", "1")
    assert done.returncode == 2
    assert done.stderr.strip().startswith("omni conformance: cannot reach")
    assert "Traceback" not in done.stderr


def test_a_refused_key_cannot_run(server_factory: ServerFactory) -> None:
    server = server_factory()
    server.start()
    done = conformance("--base-url", server.url, "--api-key", "omni_wrong", "--account-id", "1")
    assert done.returncode == 2
    assert "refused the key for account 1 (401)" in done.stderr
