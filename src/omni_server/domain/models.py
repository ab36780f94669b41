"""Domain values: frozen dataclasses that stores return and services pass around.

Content parts are kept as JSON-shaped dicts in their wire form (``{"type": "text", ...}``):
engines produce them already validated, and the API serves them as they are, so no layer has
to translate them back and forth.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from omni_server.domain.lifecycle import MessageOutcome, ResponseStatus

Part = dict[str, Any]


class Role(StrEnum):
    USER = "USER"
    ASSISTANT = "ASSISTANT"


class Mode(StrEnum):
    INSTANT = "instant"
    DEEP_INSIGHTS = "deep_insights"


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """``ErrorStatus`` of a failed turn: a sanitized code and message, never internals."""

    code: str
    message: str

    def as_wire(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Thread:
    id: uuid.UUID
    account_id: int
    title: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Message:
    id: uuid.UUID
    thread_id: uuid.UUID
    seq: int
    role: Role
    outcome: MessageOutcome
    parts: tuple[Part, ...]
    created_at: datetime
    error: ErrorInfo | None = None
    context: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class TurnRequest:
    """What the user asked for in one turn: everything an engine needs besides history."""

    mode: Mode
    text: str
    capabilities: tuple[str, ...] = ()
    target: dict[str, Any] | None = None
    thesis: str | None = None
    context: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Response:
    id: uuid.UUID
    thread_id: uuid.UUID
    account_id: int
    user_message_id: uuid.UUID
    output_message_id: uuid.UUID
    output_seq: int
    status: ResponseStatus
    parts: tuple[Part, ...]
    created_at: datetime
    request: TurnRequest
    error: ErrorInfo | None = None
    attempt: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AcceptedTurn:
    """The ids a create hands back (``202``): the user message and the response now queued."""

    thread_id: uuid.UUID
    user_message_id: uuid.UUID
    response_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Claim:
    """A worker's lease on a running response; every write it makes is fenced by ``attempt``."""

    response: Response
    worker_id: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Turn:
    """The input of an engine: the request, the finalized history and the account's data flag."""

    response_id: uuid.UUID
    thread_id: uuid.UUID
    account_id: int
    request: TurnRequest
    history: Sequence[Message] = field(default_factory=tuple)
    account_data_enabled: bool = True


@dataclass(frozen=True, slots=True)
class Feedback:
    """A score (and optional comment) a caller gave a finalized assistant message."""

    id: uuid.UUID
    message_id: uuid.UUID
    account_id: int
    api_key_id: uuid.UUID
    score: int
    created_at: datetime
    comment: str | None = None
    metadata: dict[str, Any] | None = None


def final_parts(parts: Iterable[Part]) -> tuple[Part, ...]:
    """Parts fit for a finalized message: everything but ``thinking``."""
    return tuple(p for p in parts if p.get("type") != "thinking")


def thread_title(request: TurnRequest) -> str:
    """The first prompt trimmed to 80 characters; deep insights name their ticker."""
    if request.mode is Mode.DEEP_INSIGHTS and request.target is not None:
        return f"Deep insights: {str(request.target.get('ticker', '')).upper()}"
    return " ".join(request.text.split())[:80]
