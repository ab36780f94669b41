"""Operating a real ``omni serve``: JSON logs line by line, the banner, metrics over HTTP,
and every command-line mistake as one line with exit status 2."""

from __future__ import annotations

import json
import queue
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import clean_environment, create_key, omni_command
from tests.support import sqlite_url

API = "/v1/omni-ai"
URL = re.compile(r"http://127\.0\.0\.1:\d+")


class Served:
    """``omni serve --port 0`` with its output read line by line as it comes."""

    def __init__(self, directory: Path, database: str, **env: str) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            omni_command("serve", "--port", "0", "--database", database),
            env=clean_environment(**env),
            cwd=directory,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))

    def next_line(self, timeout: float = 30.0) -> str:
        line = self._queue.get(timeout=timeout)
        self.lines.append(line)
        return line

    def wait_for_line(self, pattern: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.next_line(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if re.search(pattern, line):
                return line
        pytest.fail(f"no line matching {pattern!r}; output so far:\n" + "\n".join(self.lines))

    def stop(self) -> list[str]:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
        self._reader.join(timeout=10)  # the pipe reaches its end once the process is gone
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return self.lines


def metric_samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def sample(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def run_turn(client: httpx.Client, text: str) -> dict[str, Any]:
    created = client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": text}
    ).json()["data"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        data: dict[str, Any] = client.get(
            f"{API}/responses/{created['response_id']}", params={"account_id": 1}
        ).json()["data"]
        if data["status"] in ("succeeded", "failed", "canceled"):
            return {**data, "thread_id": created["thread_id"]}
        time.sleep(0.02)
    pytest.fail(f"turn {text!r} did not end")


def cancel_running_turn(client: httpx.Client) -> str:
    created = client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": "!omni:hang"}
    ).json()["data"]
    rid = created["response_id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        got = client.get(f"{API}/responses/{rid}", params={"account_id": 1}).json()["data"]
        if got["status"] == "running":
            break
        time.sleep(0.02)
    canceled = client.delete(f"{API}/responses/{rid}", params={"account_id": 1})
    assert canceled.json()["data"] == {"canceled": True}
    return str(rid)


def test_json_logs_banner_and_metrics_of_a_real_server(tmp_path: Path) -> None:
    database = sqlite_url(tmp_path)
    key = create_key(database, 1)
    served = Served(tmp_path, database, OMNI_LOG_FORMAT="json", OMNI_CHUNK_DELAY="0.001")
    try:
        banner = served.wait_for_line("listening on")
        url = URL.search(banner)
        assert url is not None, banner
        # The banner comes after the bind: the URL it names answers at once.
        assert httpx.get(f"{url.group()}/healthz", timeout=5).status_code == 200
        with httpx.Client(
            base_url=url.group(), headers={"Authorization": f"Bearer {key}"}, timeout=10
        ) as client:
            done = run_turn(client, "What is AAPL at?")
            failed = run_turn(client, "!omni:fail=engine_error")
            canceled = cancel_running_turn(client)
            traced = client.get(f"{API}/threads", params={"account_id": 1})
            exposition = client.get("/metrics")
    finally:
        lines = served.stop()

    assert done["status"] == "succeeded" and failed["status"] == "failed"
    assert exposition.headers["content-type"].startswith("text/plain")
    samples = metric_samples(exposition.text)
    assert sample(samples, "omni_responses_total", status="succeeded") == 1
    assert sample(samples, "omni_responses_total", status="failed") == 1
    assert sample(samples, "omni_responses_total", status="canceled") == 1
    assert sample(samples, "omni_engine_errors_total", code="engine_error") == 1
    assert sample(samples, "omni_response_queue_seconds_count") == 3
    assert sample(samples, "omni_response_run_seconds_count") == 3
    assert sample(samples, "omni_responses_active", status="running") == 0
    assert sample(samples, "omni_responses_active", status="queued") == 0
    polls = sample(
        samples,
        "omni_http_requests_total",
        route=f"{API}/responses/{{response_id}}",
        method="GET",
        status="200",
    )
    assert polls >= 3
    assert (
        sample(
            samples,
            "omni_http_request_duration_seconds_count",
            route=f"{API}/threads",
            method="POST",
        )
        == 3
    )
    # Raw paths never become labels: no label value holds an id.
    assert not re.search(r'route="[^"]*[0-9a-f]{8}-', exposition.text)

    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    assert len(records) == len([line for line in lines if line.strip()])
    messages = [r["message"] for r in records]
    assert any("/docs" in m for m in messages)
    assert any("keys create --account 1" in m for m in messages)
    assert any(r["logger"].startswith("uvicorn") for r in records)

    access = [r for r in records if r["logger"] == "omni.access"]
    mine = [r for r in access if r["request_id"] == traced.headers["x-request-id"]]
    assert len(mine) == 1
    assert mine[0]["route"] == f"{API}/threads" and mine[0]["status"] == 200
    assert mine[0]["method"] == "GET" and mine[0]["duration_ms"] >= 0

    lifecycle = [r for r in records if r["logger"] == "omni.lifecycle"]
    by_response: dict[str, list[str]] = {}
    for r in lifecycle:
        assert r["account_id"] == 1 and r["thread_id"]
        by_response.setdefault(r["response_id"], []).append(r["status"])
    assert by_response[done["id"]] == ["queued", "running", "succeeded"]
    assert by_response[failed["id"]] == ["queued", "running", "failed"]
    assert by_response[canceled] == ["queued", "running", "canceled"]


def test_banner_names_a_key_command_that_works_from_here(tmp_path: Path) -> None:
    database = sqlite_url(tmp_path / "db")
    served = Served(tmp_path, database)
    try:
        line = served.wait_for_line("keys create")
    finally:
        served.stop()
    assert "no API key exists yet" in line
    command = line.split("create one with: ", 1)[1]
    assert "--database" in command
    done = subprocess.run(
        shlex.split(command),
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith("omni_")


MISTAKES = [
    (["serve", "--database", "foo"], {}, "OMNI_DATABASE / --database"),
    (["serve", "--log-level", "verbose"], {}, "'critical', 'error'"),
    (["serve", "--port", "99999"], {}, "less than or equal to 65535"),
    (["serve", "--port", "abc"], {}, "--port"),
    (["serve"], {"OMNI_TURN_TIMEOUT": "abc"}, "OMNI_TURN_TIMEOUT"),
    (["serve"], {"OMNI_ENGINE": "gpt9"}, "available: builtin"),
    (["serve"], {"OMNI_LOG_FORMAT": "xml"}, "'text' or 'json'"),
    (["serve"], {"OMNI_RATE_LIMIT": "fast"}, "20/s burst 40"),
    (["serve"], {"OMNI_MAX_ACTIVE_PER_KEY": "-1"}, "OMNI_MAX_ACTIVE_PER_KEY"),
    (["keys", "list"], {"OMNI_TURN_TIMEOUT": "abc"}, "OMNI_TURN_TIMEOUT"),
    (["keys", "create"], {}, "--account"),
    (["serve", "--no-such-option"], {}, "No such option"),
]


@pytest.mark.parametrize(("args", "env", "says"), MISTAKES)
def test_each_mistake_is_one_line_and_status_2(
    tmp_path: Path, args: list[str], env: dict[str, str], says: str
) -> None:
    done = subprocess.run(
        omni_command(*args),
        cwd=tmp_path,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ") and says in lines[0]
    assert not (tmp_path / "omni-data").exists()  # nothing was created


def test_version() -> None:
    done = subprocess.run(
        omni_command("--version"), env=clean_environment(), capture_output=True, text=True
    )
    assert done.returncode == 0 and re.fullmatch(r"omni \d+\.\d+\.\d+\n", done.stdout)


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            omni_command("serve", "--port", str(port), "--database", sqlite_url(tmp_path)),
            cwd=tmp_path,
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot listen on 127.0.0.1:{port}")


def test_python_dash_m_runs_the_same_command() -> None:
    """What the banner suggests when ``omni`` was not started as a script."""
    done = subprocess.run(
        [sys.executable, "-m", "omni_server", "--version"],
        env=clean_environment(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.startswith("omni ")
