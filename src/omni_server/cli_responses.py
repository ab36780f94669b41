"""What ``omni responses show`` prints: one response and the tokens it used.

Token usage is for operators (cost, quotas); the contract has no field for it, so it is read
here from its own table and never served on the official paths.
"""

from __future__ import annotations

import uuid

from omni_server.domain.ids import isoformat
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.store.usage import UsageStore


async def show(db: Database, response_id: uuid.UUID) -> list[str] | None:
    """The lines describing ``response_id``, or ``None`` when there is no such response."""
    response = await QueryStore(db).response(response_id)
    if response is None:
        return None
    lines = [
        f"response  {response.id}",
        f"thread    {response.thread_id}",
        f"account   {response.account_id}",
        f"status    {response.status.value}",
        f"created   {isoformat(response.created_at)}",
    ]
    if response.error is not None:
        lines.append(f"error     {response.error.code}: {response.error.message}")
    usage = await UsageStore(db).get(response_id)
    if usage is None:
        lines.append("usage     none reported")
    else:
        total = usage.prompt_tokens + usage.completion_tokens
        lines += [
            f"engine    {usage.engine}",
            f"tokens    prompt {usage.prompt_tokens}, completion {usage.completion_tokens}, "
            f"total {total}",
        ]
    return lines
