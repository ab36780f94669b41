"""``omni``'s entry point and start-up helpers in process (the subprocess tests are in e2e)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from omni_server import cli, startup
from omni_server.settings import Settings


def run_main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["omni", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    return int(exited.value.code or 0)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["serve", "--port", "abc"], "error: omni serve: Invalid value for '--port'"),
        (["serve", "--port", "70000"], "error: invalid OMNI_PORT / --port 70000"),
        (["nope"], "error: omni: No such command 'nope'"),
    ],
)
def test_main_turns_mistakes_into_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    assert run_main(monkeypatch, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith(says) and err.count("\n") == 1


def test_main_without_arguments_shows_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_main(monkeypatch) == 2
    shown = capsys.readouterr()
    assert "serve" in shown.out + shown.err


def test_main_version_and_success(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run_main(monkeypatch, "--version") == 0
    assert capsys.readouterr().out.startswith("omni ")
    database = f"sqlite:///{tmp_path / 'omni.db'}"
    assert run_main(monkeypatch, "migrate", "--database", database) == 0


def test_bind_and_banner() -> None:
    sock = startup.bind("127.0.0.1", 0)
    try:
        url = startup.url_of(sock, "127.0.0.1")
        port = sock.getsockname()[1]
        assert url == f"http://127.0.0.1:{port}"
        with pytest.raises(OSError):
            startup.bind("127.0.0.1", port)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # listening already: a client may connect before uvicorn accepts
        assert startup.url_of(sock, "::1") == f"http://[::1]:{port}"
    finally:
        sock.close()
    lines = startup.banner(Settings(engine="builtin"), url, "sqlite:///x.db", has_key=True)
    assert lines[0] == f"Omni listening on {url} (API docs: {url}/docs, metrics: {url}/metrics)"
    assert "engine: builtin" in lines[2]
    assert lines[3].startswith("create an API key with: ")
