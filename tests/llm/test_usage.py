"""Token usage: stored per response on each backend, shown by the CLI, never on the API."""

from __future__ import annotations

import asyncio
import json
import uuid

from typer.testing import CliRunner

from omni_server.cli import app as cli
from omni_server.store.usage import UsageStore
from tests.conftest import fast_settings
from tests.llm.conftest import llm_settings
from tests.llm.fake_provider import FakeProvider, Reply, chunk, text_reply, tool_call, usage
from tests.llm.helpers import API, ask
from tests.support import running_app


async def test_usage_is_summed_over_rounds_and_shown_by_the_cli(
    provider: FakeProvider, database_url: str
) -> None:
    args = json.dumps({"label": "x"})
    provider.script(
        Reply(
            chunks=[
                chunk(tool_calls=[tool_call(0, "c", "read_context_snapshot", args)]),
                usage(120, 9),
            ]
        ),
        text_reply("Answer in three", " pieces", ".", prompt=150),
    )
    async with running_app(llm_settings(database_url, provider)) as h:  # type: ignore[arg-type]
        final = await ask(h)
        stored = await UsageStore(h.app.state.db).get(uuid.UUID(final["id"]))
        served = [
            (await h.client.get(f"{API}/responses/{final['id']}", params={"account_id": 1})).text,
            (
                await h.client.get(
                    f"{API}/threads/{final['thread_id']}/messages", params={"account_id": 1}
                )
            ).text,
        ]
    assert stored is not None
    assert (stored.engine, stored.prompt_tokens, stored.completion_tokens) == ("openai", 270, 12)
    assert all("prompt_tokens" not in body and "usage" not in body for body in served)

    shown = await asyncio.to_thread(
        CliRunner().invoke, cli, ["responses", "show", final["id"], "--database", database_url]
    )
    assert shown.exit_code == 0, shown.output
    assert "status    succeeded" in shown.output
    assert "tokens    prompt 270, completion 12, total 282" in shown.output


async def test_cli_for_unknown_and_usage_free_responses(database_url: str) -> None:
    async with running_app(fast_settings(database_url)) as h:
        r = await h.client.post(
            f"{API}/threads",
            json={"type": "instant", "account_id": 1, "text": "!omni:fail=timeout"},
        )
        rid = r.json()["data"]["response_id"]
        while (await h.client.get(f"{API}/responses/{rid}", params={"account_id": 1})).json()[
            "data"
        ]["status"] not in ("failed",):
            await asyncio.sleep(0.02)
    runner = CliRunner()
    shown = await asyncio.to_thread(
        runner.invoke, cli, ["responses", "show", rid, "--database", database_url]
    )
    assert shown.exit_code == 0 and "usage     none reported" in shown.output
    assert "error     timeout: The turn failed as a test directive asked." in shown.output
    missing = await asyncio.to_thread(
        runner.invoke, cli, ["responses", "show", str(uuid.uuid4()), "--database", database_url]
    )
    assert missing.exit_code == 1 and "no response" in missing.output
    bad = await asyncio.to_thread(
        runner.invoke, cli, ["responses", "show", "nope", "--database", database_url]
    )
    assert bad.exit_code == 2 and "is not a response id" in bad.output
