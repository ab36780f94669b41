"""A conversation's metadata; its history is read through the messages endpoints."""

from __future__ import annotations

from pydantic import Field

from clear_street.types._base import Timestamp, WireModel


class Thread(WireModel):
    """A conversation: its title and when it was created and last active."""

    id: str = Field(description="Thread id (UUID).")
    title: str = Field(description="The first prompt, shortened; set when the thread starts.")
    created_at: Timestamp = Field(description="When the thread was created.")
    updated_at: Timestamp = Field(
        description="Time of the last activity: a new message or a finished response."
    )
