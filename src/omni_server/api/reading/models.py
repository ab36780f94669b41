"""The request bodies: their fields, types, order and documentation.

The models serve the OpenAPI document and the handlers. They are filled by
:func:`omni_server.api.reading.body.parse_body`, never by pydantic parsing a body: the
contract's error texts are serde's, so a body is read by a serde emulation driven by these
very annotations (field order, required fields, integer widths), and pydantic only receives
values that already passed. Required fields are declared in the order the Rust structs
report a missing one (the official schema lists ``required`` in that order, e.g.
``account_id`` before ``type``). The limits types cannot express are in :mod:`.limits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class RustInt:
    """The Rust integer type behind a field: bounds, and the name serde's messages use."""

    name: str
    min: int
    max: int


I64 = Annotated[
    int, RustInt("i64", -(2**63), 2**63 - 1), Field(json_schema_extra={"format": "int64"})
]
"""A signed 64-bit integer; a JSON number with a fraction or exponent is refused."""

I32 = Annotated[
    int, RustInt("i32", -(2**31), 2**31 - 1), Field(json_schema_extra={"format": "int32"})
]
"""A signed 32-bit integer, likewise."""


class ConversationMode(StrEnum):
    """Thread creation mode: answer a prompt, or research a target at length."""

    INSTANT = "instant"
    DEEP_INSIGHTS = "deep_insights"


class Capability(StrEnum):
    """A structured action the client can render; the assistant only emits declared ones."""

    PREFILL_ORDER = "PREFILL_ORDER"
    OPEN_CHART = "OPEN_CHART"
    OPEN_SCREENER = "OPEN_SCREENER"
    OPEN_ENTITLEMENT_CONSENT = "OPEN_ENTITLEMENT_CONSENT"


class DeepInsightsTargetType(StrEnum):
    """What a deep-insights target names; only tickers exist."""

    TICKER = "ticker"


class EntitlementCode(StrEnum):
    """A stable entitlement code granted by an agreement."""

    OMNI_ACCOUNT_DATA = "omni.account_data"


class RequestModel(BaseModel):
    """Base of request bodies: unknown fields are ignored, as serde does by default."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class DeepInsightsTarget(RequestModel):
    """What a `deep_insights` thread researches."""

    type: DeepInsightsTargetType = Field(description="Kind of target; only `ticker` exists.")
    ticker: str = Field(description="The ticker symbol to research, e.g. `NVDA`.")


class ContextItem(RequestModel):
    """One client snapshot (widget data, selections) attached to a user message."""

    data: dict[str, Any] = Field(
        description="Snapshot data, nested at most 32 levels; prefer strings for exact "
        "decimals and large ids."
    )
    kind: str = Field(min_length=1, description="Free-form, non-blank category of the snapshot.")
    label: str = Field(min_length=1, description="Non-blank label shown with the attachment.")
    captured_at: datetime | None = Field(
        default=None, description="When the client captured it (RFC 3339); omit if unknown."
    )


class TurnContext(RequestModel):
    """Snapshots for one user message: informative only, they never grant account access."""

    items: list[ContextItem] = Field(
        min_length=1,
        max_length=4,
        description="One to four snapshots; the whole context is at most 64 KiB as compact JSON.",
    )


class CreateThreadRequest(RequestModel):
    """Create a thread and submit its first turn."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"account_id": 4201, "type": "instant", "text": "How did AAPL do today?"}
        }
    )

    account_id: I64 = Field(description="Trading account the thread belongs to.")
    type: ConversationMode = Field(description="`instant` or `deep_insights`.")
    capabilities: list[Capability] | None = Field(
        default=None, description="Structured actions the client can render."
    )
    text: str | None = Field(default=None, description="The prompt; required for `instant`.")
    target: DeepInsightsTarget | None = Field(
        default=None, description="What to research; required for `deep_insights`."
    )
    thesis: str | None = Field(
        default=None, description="Optional research thesis for `deep_insights`."
    )
    context: TurnContext | None = Field(
        default=None, description="Snapshots attached to the first message; omit for none."
    )


class CreateMessageRequest(RequestModel):
    """Continue a thread with a user message."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"account_id": 4201, "text": "And compared to MSFT?"}}
    )

    account_id: I64 = Field(description="Trading account the thread belongs to.")
    text: str = Field(description="The user's message.")
    capabilities: list[Capability] | None = Field(
        default=None, description="Structured actions the client can render."
    )
    context: TurnContext | None = Field(
        default=None,
        description="Snapshots attached to this message; omitting it keeps earlier ones.",
    )


class CreateFeedbackRequest(RequestModel):
    """Rate a finalized assistant message."""

    account_id: I64 = Field(description="Trading account the message belongs to.")
    score: I32 = Field(
        ge=-1, le=5, description="Feedback score: -1, 0 or +1 (thumbs), or 1 to 5 (stars)."
    )
    comment: str | None = Field(default=None, description="Optional feedback comment.")
    metadata: dict[str, Any] | None = Field(default=None, description="Optional metadata.")


class CreateEntitlementsRequest(RequestModel):
    """Record consent to an agreement and grant its entitlements to accounts."""

    agreement_id: str = Field(description="The agreement being signed.")
    entitlement_codes: list[EntitlementCode] = Field(
        description="Codes to grant; they must belong to the agreement."
    )
    account_ids: list[I64] = Field(description="Accounts to grant them to.")


class OptOutEntitlementsRequest(RequestModel):
    """Turn entitlements off for accounts (idempotent)."""

    account_ids: list[I64] = Field(description="Accounts to opt out.")
    entitlement_codes: list[EntitlementCode] = Field(description="Codes to turn off.")
