"""A complete Omni engine in 30 lines: it streams the question back, word by word.

Run it with ``OMNI_ENGINE=omni_echo_engine:EchoEngine omni serve`` (this folder on
``PYTHONPATH``), or install this folder and use ``OMNI_ENGINE=echo``.
"""

from __future__ import annotations

import asyncio

from omni_server.domain.models import Mode, Turn
from omni_server.engines.base import EngineError, TurnOutput


class EchoEngine:
    """Implements ``omni_server.engines.base.Engine``: a ``name`` and ``async run``."""

    name = "echo"

    def __init__(self, settings: object = None) -> None:
        self.pause = 0.01  # settings holds every OMNI_* value if an engine needs them

    async def run(self, turn: Turn, output: TurnOutput) -> None:
        if turn.request.mode is not Mode.INSTANT:  # a failed turn, with a readable message
            raise EngineError("engine_error", "The echo engine only answers instant questions.")
        await output.add_thought(f"Echoing; the thread has {len(turn.history)} messages.")
        for word in turn.request.text.split():
            await output.append_text(word + " ")  # a poll sees the answer grow
            await asyncio.sleep(self.pause)  # a cancel arrives at any await
