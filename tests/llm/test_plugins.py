"""Engines and tools from outside Omni: ``module:attribute``, ``omni.engines``, ``omni.tools``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omni_server.cli import app as cli
from omni_server.engines import registry
from omni_server.settings import Settings
from tests.conftest import fast_settings
from tests.llm.conftest import llm_settings
from tests.llm.fake_provider import FakeProvider, text_reply, tool_call
from tests.llm.helpers import ask, parts, text_of
from tests.llm.plugins import EXAMPLES, installed
from tests.llm.test_tools import calls, tool_messages
from tests.support import running_app, sqlite_url

ECHO_POINTS = "[omni.engines]\necho = omni_echo_engine:EchoEngine\n"
TOOL_POINTS = "[omni.tools]\nposition_size = omni_example_tools:PositionSizeTool\n"


@pytest.fixture
def echo_on_path() -> object:
    sys.path.insert(0, str(EXAMPLES / "echo_engine"))
    yield
    sys.path.remove(str(EXAMPLES / "echo_engine"))


@pytest.mark.usefixtures("echo_on_path")
async def test_module_attribute_engine_runs_through_the_server(database_url: str) -> None:
    settings = fast_settings(database_url, engine="omni_echo_engine:EchoEngine")
    async with running_app(settings) as h:
        assert (await h.client.get("/readyz")).json()["engine"] == "echo"
        final = await ask(h, "hello from the example")
        assert final["status"] == "succeeded"
        assert text_of(final) == "hello from the example "
        assert parts(final, "thinking")[0]["thoughts"] == ["Echoing; the thread has 1 messages."]
        deep = {"type": "deep_insights", "target": {"type": "ticker", "ticker": "NVDA"}}
        failed = await ask(h, **deep)
        assert failed["error"] == {
            "code": "engine_error",
            "message": "The echo engine only answers instant questions.",
        }


async def test_entry_point_engine_by_name(tmp_path: Path) -> None:
    with installed(tmp_path, "omni_echo_engine", "echo_engine", ECHO_POINTS):
        assert "echo" in registry.available()
        async with running_app(fast_settings(sqlite_url(tmp_path), engine="echo")) as h:
            assert text_of(await ask(h, "by name")) == "by name "


async def test_example_tool_is_offered_and_called(provider: FakeProvider, tmp_path: Path) -> None:
    args = {"equity": 100000, "risk_fraction": 0.01, "entry": 50, "stop": 45}
    provider.script(calls(tool_call(0, "p", "position_size", json.dumps(args))), text_reply("200."))
    with installed(tmp_path, "omni_example_tools", "example_tools", TOOL_POINTS):
        settings = llm_settings(sqlite_url(tmp_path), provider)
        async with running_app(settings) as h:  # type: ignore[arg-type]
            final = await ask(h, "How many shares?")
    assert final["status"] == "succeeded"
    tools = [t["function"]["name"] for t in provider.received[0].body["tools"]]
    assert "position_size" in tools
    (answer,) = tool_messages(provider.received[1].body)
    assert json.loads(answer["content"]) == {"shares": 200, "max_loss": 1000.0}


@pytest.mark.parametrize(
    "name",
    ["nope", "no_such_module:Engine", "json:NoSuchThing", "json:dumps", "collections:OrderedDict"],
)
def test_unknown_engine_is_one_line_naming_what_exists(name: str, tmp_path: Path) -> None:
    with pytest.raises(registry.UnknownEngine) as caught:
        registry.build(Settings(engine=name))
    if name not in ("json:dumps", "collections:OrderedDict"):
        message = str(caught.value)
        assert "\n" not in message and "builtin, openai" in message and name in message


def test_serve_refuses_an_unknown_engine_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--engine", "nope", "--database", f"sqlite:///{tmp_path}/o.db"]
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        "error: unknown engine 'nope'; available: builtin, openai, or package.module:attribute"
    ]


async def test_readyz_names_the_llm_engine(provider: FakeProvider, tmp_path: Path) -> None:
    async with running_app(llm_settings(sqlite_url(tmp_path), provider)) as h:  # type: ignore[arg-type]
        assert (await h.client.get("/readyz")).json()["engine"] == "openai"
