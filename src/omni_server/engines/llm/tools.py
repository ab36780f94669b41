"""Tools the model may call, and the public protocol site-specific tools implement.

A tool is an object with ``name``, ``description``, ``parameters`` (a JSON Schema object),
``capability`` (``None`` when always offered, else the ``capabilities`` entry a turn must
declare for the tool to be offered) and ``async run(arguments, context) -> ToolResult``.
Site tools are found through the ``omni.tools`` entry point group: each entry point names a
tool object, or a callable returning one or a list of them.

A tool signals bad arguments by raising :class:`ToolArgumentError` (or pydantic's
``ValidationError``); the message goes back to the model as the tool's answer so it can try
again, and the turn goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError

from omni_server.domain.models import Part, Turn
from omni_server.engines.llm.stream import ToolCall
from omni_server.engines.structured import Ids, allowed

log = logging.getLogger("omni.engine.llm")

TOOLS_GROUP = "omni.tools"


class ToolArgumentError(ValueError):
    """The model's arguments do not fit the tool; the message is sent back to the model."""


@dataclass(frozen=True)
class ToolContext:
    """What a tool may know about the turn: the turn itself and its deterministic ids."""

    turn: Turn
    ids: Ids


@dataclass
class ToolResult:
    """``content`` goes back to the model; ``parts`` become content of the answer."""

    content: Any
    parts: list[Part] = field(default_factory=list)


@runtime_checkable
class Tool(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def parameters(self) -> dict[str, Any]: ...
    @property
    def capability(self) -> str | None: ...

    async def run(self, arguments: dict[str, Any], context: ToolContext) -> ToolResult: ...


def definition(tool: Tool) -> dict[str, Any]:
    """The tool as the chat-completions ``tools`` list describes it."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def offered(tools: Iterable[Tool], capabilities: Sequence[str]) -> list[Tool]:
    """The tools a turn may use: always-on ones and those whose capability it declared."""
    return [t for t in tools if t.capability is None or allowed(capabilities, t.capability)]


def load_plugins() -> list[Tool]:
    """Tools registered by installed packages under ``omni.tools``."""
    found: list[Tool] = []
    for point in entry_points(group=TOOLS_GROUP):
        loaded = point.load()
        factory = isinstance(loaded, type) or (callable(loaded) and not isinstance(loaded, Tool))
        made = loaded() if factory else loaded
        for tool in made if isinstance(made, list | tuple) else [made]:
            if not isinstance(tool, Tool):
                raise TypeError(f"entry point {point.name!r} in {TOOLS_GROUP} is not a tool")
            found.append(tool)
    return found


@dataclass(frozen=True)
class Outcome:
    """One call's answer for the model, and any parts it adds to the answer."""

    call: ToolCall
    content: str
    parts: list[Part]


async def call(tools: Sequence[Tool], tool_call: ToolCall, context: ToolContext) -> Outcome:
    """Run one call; unknown tools and bad arguments become an error answer, not a failure."""
    tool = next((t for t in tools if t.name == tool_call.name), None)
    if tool is None:
        return _error(tool_call, f"There is no tool named {tool_call.name!r}.")
    try:
        arguments = json.loads(tool_call.arguments or "{}")
        if not isinstance(arguments, dict):
            raise ToolArgumentError("The arguments must be a JSON object.")
        result = await tool.run(arguments, context)
    except json.JSONDecodeError as exc:
        return _error(tool_call, f"The arguments are not valid JSON: {exc.msg}.")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.errors()
        )
        return _error(tool_call, f"Invalid arguments: {problems}.")
    except ToolArgumentError as exc:
        return _error(tool_call, str(exc))
    content = result.content if isinstance(result.content, str) else json.dumps(result.content)
    return Outcome(tool_call, content, list(result.parts))


def _error(tool_call: ToolCall, message: str) -> Outcome:
    log.info("tool %s: %s", tool_call.name, message)
    return Outcome(tool_call, json.dumps({"error": message}), [])
