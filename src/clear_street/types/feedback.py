"""The acknowledgement of feedback on an assistant message."""

from __future__ import annotations

from pydantic import Field

from clear_street.types._base import Timestamp, WireModel


class CreateFeedbackResponse(WireModel):
    """Feedback was recorded."""

    created_at: Timestamp = Field(description="When the feedback was recorded.")
    feedback_id: str | None = Field(default=None, description="Id of the feedback record.")
