"""The live, pollable state of one assistant turn, and the answer to cancelling it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clear_street.types._base import WireModel
from clear_street.types.content_parts import ResponseContentPart
from clear_street.types.error_status import ErrorStatus

ResponseStatus = Literal["queued", "running", "succeeded", "failed", "canceled"]

TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "canceled"})
"""Statuses a response never leaves; once reached, its final message is in the history."""


class ResponseContent(WireModel):
    """Content produced so far; may include ``thinking`` parts."""

    parts: list[ResponseContentPart] = Field(description="Content parts in display order.")


class Response(WireModel):
    """A snapshot of an assistant turn: poll it until :attr:`is_terminal`."""

    id: str = Field(description="Response id (UUID).")
    status: ResponseStatus = Field(description="`queued`, `running`, or a terminal status.")
    thread_id: str = Field(description="The thread of the turn.")
    user_message_id: str = Field(description="The user message that started the turn.")
    content: ResponseContent | None = Field(default=None, description="Partial or final content.")
    error: ErrorStatus | None = Field(default=None, description="Set when the turn failed.")
    output_message_id: str | None = Field(
        default=None, description="The assistant message the turn produces."
    )

    @property
    def is_terminal(self) -> bool:
        """Whether the turn has ended (succeeded, failed or canceled)."""
        return self.status in TERMINAL_STATUSES


class CancelResponsePayload(WireModel):
    """The outcome of a cancel request, which is idempotent."""

    canceled: bool = Field(
        description="True when the response is canceled after the call; false when it had "
        "already ended otherwise."
    )
