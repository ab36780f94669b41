"""Finalized, immutable entries of a thread's history."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clear_street.types._base import Timestamp, WireModel
from clear_street.types.content_parts import MessageContentPart
from clear_street.types.context import TurnContext
from clear_street.types.error_status import ErrorStatus

MessageRole = Literal["USER", "ASSISTANT"]
MessageOutcome = Literal["completed", "errored", "canceled"]
"""How the turn ended: ``completed`` (user messages too), ``errored`` or ``canceled``."""


class MessageContent(WireModel):
    """The parts of a message; never contains ``thinking`` parts."""

    parts: list[MessageContentPart] = Field(description="Content parts in display order.")


class Message(WireModel):
    """One finalized message; in-progress turns are read through their response instead."""

    id: str = Field(description="Message id (UUID).")
    thread_id: str = Field(description="The thread the message belongs to.")
    seq: int = Field(description="Position in the thread, from 1, without gaps.")
    role: MessageRole = Field(description="Who wrote it: `USER` or `ASSISTANT`.")
    outcome: MessageOutcome = Field(description="How the turn ended.")
    content: MessageContent = Field(description="The message's content parts.")
    created_at: Timestamp = Field(description="When the message was finalized.")
    error: ErrorStatus | None = Field(default=None, description="Set when the turn failed.")
    context: TurnContext | None = Field(
        default=None, description="Snapshots the user attached to this message, if any."
    )
