"""``omni chat`` in a real terminal (a pty driven by pexpect) against ``omni serve``."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pexpect
import pytest

from tests.e2e.conftest import (
    OmniServer,
    ServerFactory,
    clean_environment,
    create_key,
    omni_command,
)

pytestmark = pytest.mark.slow


def spawn_chat(server: OmniServer, key: str, *extra: str) -> pexpect.spawn:
    command = omni_command("chat", "--account-id", "1", *extra)
    env = clean_environment(CLEAR_STREET_BASE_URL=server.url, CLEAR_STREET_API_KEY=key)
    env["TERM"] = "xterm"
    child = pexpect.spawn(
        command[0], command[1:], env=env, encoding="utf-8", timeout=30, dimensions=(40, 200)
    )
    return child


def test_send_see_answer_cancel_and_resume(server_factory: ServerFactory) -> None:
    server = server_factory(chunk_delay=0.01)
    server.start()
    key = create_key(server.database, 1)
    child = spawn_chat(server, key)
    child.expect_exact("you> ")
    child.sendline("How is AAPL doing?")
    child.expect_exact("omni:")
    child.expect_exact("simulated price")
    child.expect_exact("you> ")

    child.sendline("!omni:hang")
    child.expect_exact("Still working.")
    child.expect_exact("Still working.")  # by now the first one is saved, and kept by a cancel
    child.sendintr()
    child.expect_exact("[canceled")
    child.expect_exact("you> ")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    headers = {"Authorization": f"Bearer {key}"}
    threads = httpx.get(
        f"{server.url}/v1/omni-ai/threads", params={"account_id": 1}, headers=headers
    ).json()["data"]
    assert len(threads) == 1
    thread_id = threads[0]["id"]
    messages = httpx.get(
        f"{server.url}/v1/omni-ai/threads/{thread_id}/messages",
        params={"account_id": 1},
        headers=headers,
    ).json()["data"]
    assert [m["outcome"] for m in messages][-1] == "canceled"
    assert "Still working." in messages[-1]["content"]["parts"][0]["text"]

    # Resuming shows the history, then Ctrl-C at the prompt quits.
    again = spawn_chat(server, key, "--thread", thread_id)
    again.expect_exact("How is AAPL doing?")
    again.expect_exact("[canceled]")
    again.expect_exact("you> ")
    # A person's pace: a SIGINT in the instant between the prompt being written and the read
    # starting is only seen at the next read (a CPython race), which no human can hit.
    time.sleep(0.5)
    again.sendintr()
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0


def test_deep_insights_from_the_command_line(server_factory: ServerFactory) -> None:
    server = server_factory(chunk_delay=0.001)
    server.start()
    key = create_key(server.database, 1)
    child = spawn_chat(server, key, "--deep", "msft")
    child.expect_exact("Running parallel analysis on MSFT")
    child.expect_exact("Deep insights: MSFT")
    child.expect_exact("you> ")
    child.sendeof()
    child.expect(pexpect.EOF)


def test_chat_runs_without_the_server_dependencies() -> None:
    blocked = ["fastapi", "starlette", "sqlalchemy", "uvicorn", "asyncpg", "typer", "alembic"]
    code = f"""
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"blocked: {{name}}")
sys.meta_path.insert(0, Block())
sys.argv = ["omni", "chat", "--help"]
from omni_server.launcher import main
main()
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--account-id" in done.stdout


def test_chat_needs_a_base_url_and_key() -> None:
    command = omni_command("chat", "--account-id", "1")
    done = subprocess.run(
        command, env=clean_environment(), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "CLEAR_STREET_BASE_URL" in done.stderr
