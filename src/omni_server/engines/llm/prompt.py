"""The messages sent to the model: system prompt, history within budget, context, the turn.

Token counts are an estimate, not a tokenizer: ``ceil(characters / 4) + 4`` per message (the
usual average for English text with BPE vocabularies, plus the per-message framing). No
tokenizer is both offline and right for every model an OpenAI-compatible server may run, and
the budget only has to keep the prompt clearly inside the model's window.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from omni_server.domain.models import Message, Role, Turn
from omni_server.engines.portfolio import context_items

ChatMessage = dict[str, Any]

MESSAGE_OVERHEAD = 4


def estimate_tokens(message: ChatMessage) -> int:
    """Estimated tokens of one chat message (content, tool calls and tool results alike)."""
    text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    return math.ceil(len(text) / 4) + MESSAGE_OVERHEAD


def estimate_all(messages: Sequence[ChatMessage]) -> int:
    return sum(estimate_tokens(m) for m in messages)


def history_messages(history: Sequence[Message]) -> list[ChatMessage]:
    """Finalized messages as chat turns: their text parts only (thinking never reaches here)."""
    chat: list[ChatMessage] = []
    for message in history:
        text = "\n\n".join(
            str(p.get("text", "")) for p in message.parts if p.get("type") == "text"
        ).strip()
        if not text:
            continue
        role = "user" if message.role is Role.USER else "assistant"
        chat.append({"role": role, "content": text})
    return chat


def context_message(turn: Turn) -> ChatMessage:
    """The turn's snapshots and the account's data access, as one system message."""
    access = "on" if turn.account_data_enabled else "off"
    lines = [f"Account data access entitlement for account {turn.account_id}: {access}."]
    items = context_items(turn.request.context)
    if items:
        lines.append("The user attached these snapshots to this question:")
        for item in items:
            snapshot = {
                "kind": item.get("kind"),
                "label": item.get("label"),
                "data": item.get("data"),
            }
            lines.append(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")))
    return {"role": "system", "content": "\n".join(lines)}


def user_message(turn: Turn) -> ChatMessage:
    request = turn.request
    text = request.text
    if request.target:
        text += f"\n\nTarget: {json.dumps(request.target, ensure_ascii=False)}"
    if request.thesis:
        text += f"\n\nMy thesis: {request.thesis}"
    return {"role": "user", "content": text}


def build(turn: Turn, system_prompt: str, budget: int, reserved: int = 0) -> list[ChatMessage]:
    """The prompt of a turn, dropping the oldest history first when over ``budget`` tokens.

    ``reserved`` counts what is sent besides the messages (the tool definitions). The system
    prompt, the context and the question itself are never dropped.
    """
    fixed = [
        {"role": "system", "content": system_prompt},
        context_message(turn),
        user_message(turn),
    ]
    room = budget - reserved - estimate_all(fixed)
    history = list(turn.history)
    if history and history[-1].role is Role.USER:
        history.pop()  # the question of this very turn, sent last below
    past = history_messages(history)
    kept: list[ChatMessage] = []
    for message in reversed(past):
        cost = estimate_tokens(message)
        if cost > room:
            break
        kept.append(message)
        room -= cost
    kept.reverse()
    # A history that starts with an answer reads oddly to most chat templates.
    while kept and kept[0]["role"] == "assistant":
        kept.pop(0)
    return [fixed[0], *kept, fixed[1], fixed[2]]
