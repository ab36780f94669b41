"""The engine protocol: how the runner hands a turn to whatever writes the answer.

An engine gets the :class:`~omni_server.domain.models.Turn` and a :class:`TurnOutput`. It
adds parts through the output and returns when the answer is complete. It never touches the
store: the runner persists what it emits, fences it, and finalizes the response. To stop, the
runner cancels the engine's task, so an engine only has to await often (every ``emit`` or
``sleep`` is such a point).
"""

from __future__ import annotations

from typing import Protocol

from omni_server.domain.models import Part, Turn


class EngineError(Exception):
    """A failure the engine reports on purpose; becomes ``ErrorStatus`` of the failed turn.

    ``message`` reaches the user, so it must not carry internals.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TurnOutput(Protocol):
    """Where an engine writes its content; every call may be a persistence point."""

    async def add_part(self, part: Part) -> None:
        """Append a complete part (thinking, chart, suggested actions, ...)."""

    async def append_text(self, delta: str) -> None:
        """Extend the current text part, starting one if the last part is not text."""

    async def add_thought(self, thought: str) -> None:
        """Extend the current thinking part, starting one if the last part is not thinking."""

    async def append_thought(self, delta: str) -> None:
        """Extend the last thought (streamed reasoning); saved on the text's schedule."""

    def record_usage(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Add tokens the provider reported; stored for operators when the turn ends."""


class Engine(Protocol):
    name: str

    async def run(self, turn: Turn, output: TurnOutput) -> None:
        """Produce the answer to ``turn``; raise :class:`EngineError` to fail it."""
