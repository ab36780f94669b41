"""Starting a turn: the modes and capabilities a caller declares, and what the API answers.

Creating a thread and posting a message both submit a user turn and answer with the ids
needed to follow it: the response to poll and the user message that was recorded.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from pydantic import Field

from clear_street.types._base import WireModel

ConversationMode = Literal["instant", "deep_insights"]
"""``instant`` answers a prompt; ``deep_insights`` researches a target at length."""

Capability = Literal["PREFILL_ORDER", "OPEN_CHART", "OPEN_SCREENER", "OPEN_ENTITLEMENT_CONSENT"]
"""Structured actions the caller can render; the assistant only emits declared ones."""

DeepInsightsTargetType = Literal["ticker"]


class DeepInsightsTarget(WireModel):
    """What a ``deep_insights`` thread researches."""

    type: DeepInsightsTargetType = Field(description="Kind of target; only `ticker` exists.")
    ticker: str = Field(description="The ticker symbol to research.")


class DeepInsightsTargetParam(TypedDict):
    """A research target to send; see :class:`DeepInsightsTarget`."""

    type: DeepInsightsTargetType
    ticker: str


class CreateThreadResponse(WireModel):
    """The turn accepted by thread creation: poll ``response_id`` for the answer."""

    response_id: str = Field(description="The assistant response to poll.")
    thread_id: str = Field(description="The new thread.")
    user_message_id: str = Field(description="The recorded user message.")


class CreateMessageResponse(WireModel):
    """The turn accepted by posting a message: poll ``response_id`` for the answer."""

    response_id: str = Field(description="The assistant response to poll.")
    thread_id: str = Field(description="The thread continued.")
    user_message_id: str = Field(description="The recorded user message.")
