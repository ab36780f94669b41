"""The graph that ``bench_langgraph.py`` serves with LangGraph Server: a one-node turn.

Loaded by the LangGraph Server of ``bench/.langgraph-venv`` (not by Omni's virtualenv). The
node does what Omni's ``!omni:sleep=S`` directive does with the built-in engine: it writes a
short chunk every 50 ms for ``seconds`` (no model call), streamed as ``custom`` events while it
runs, and returns the whole text as the node's update when it ends. ``seconds < 0`` runs until
the run is canceled, like ``!omni:hang``.
"""

from __future__ import annotations

import asyncio
from typing import TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

CHUNK = ". "
STEP = 0.05  # seconds between chunks, as the built-in engine's sleep directive


class Turn(TypedDict, total=False):
    prompt: str
    seconds: float
    output: str


async def answer(state: Turn) -> Turn:
    write = get_stream_writer()
    loop = asyncio.get_running_loop()
    seconds = float(state.get("seconds", 1.0))
    deadline = None if seconds < 0 else loop.time() + seconds
    parts: list[str] = []
    while deadline is None or (left := deadline - loop.time()) > 0:
        parts.append(CHUNK)
        write(CHUNK)
        await asyncio.sleep(STEP if deadline is None else min(STEP, left))
    parts.append("\n\n")
    return {"output": "".join(parts)}


builder = StateGraph(Turn)
builder.add_node("answer", answer)
builder.add_edge(START, "answer")
builder.add_edge("answer", END)
graph = builder.compile()
