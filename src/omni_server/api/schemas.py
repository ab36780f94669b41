"""The server's answers as strict models: the OpenAPI document's schemas and the tests' oracle.

``api/wire.py`` builds the JSON as plain dicts (the fast path); these models say exactly what
it may contain. Unlike the client's lenient models, every field the server always sends is
required, a field is nullable only where the server can send ``null``, and unknown keys are
refused, so a dropped or renamed field fails ``tests/unit/test_wire_contract.py`` and the
schemathesis run against the served document.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import Field, RootModel

from omni_server.api.content import (
    AgreementKey,
    EntitlementCode,
    MessagePart,
    ResponsePart,
    Strict,
    optional,
)
from omni_server.domain.lifecycle import MessageOutcome, ResponseStatus
from omni_server.domain.models import Role

TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$"
Timestamp = Annotated[
    str,
    Field(
        pattern=TIMESTAMP_PATTERN,
        json_schema_extra={"format": "date-time"},
        examples=["2026-04-23T15:15:54.929830+00:00"],
    ),
]
"""RFC 3339 in UTC with microseconds and ``+00:00`` (``domain.ids.isoformat``)."""

T = TypeVar("T")


# -- resources ----------------------------------------------------------------------------


class ErrorStatus(Strict):
    """Why a turn failed, sanitized (no stack traces, no provider details)."""

    code: str = Field(description="`engine_error`, `timeout`, `worker_lost` or `internal`.")
    message: str = Field(description="Human readable explanation.")


class Thread(Strict):
    """A conversation's metadata; its history is read through the messages endpoint."""

    id: uuid.UUID = Field(description="Thread id (UUIDv7).")
    title: str = Field(description="The first prompt, trimmed to 80 characters.")
    created_at: Timestamp = Field(description="When the thread was created.")
    updated_at: Timestamp = Field(description="Last activity: a new message or a turn's end.")


class MessageContextItem(Strict):
    """One snapshot the user attached, as it was received (``captured_at`` in UTC)."""

    data: dict[str, Any] = Field(description="Snapshot data.")
    kind: str = Field(description="Free-form category.")
    label: str = Field(description="Label shown with the attachment.")
    captured_at: Timestamp = optional(description="When the client captured it, if known.")


class MessageContext(Strict):
    items: list[MessageContextItem] = Field(description="The snapshots, in the order given.")


class MessageContent(Strict):
    parts: list[MessagePart] = Field(description="Content parts in display order.")


class Message(Strict):
    """A finalized, immutable entry of a thread's history."""

    id: uuid.UUID = Field(description="Message id (UUIDv7).")
    thread_id: uuid.UUID = Field(description="The thread the message belongs to.")
    created_at: Timestamp = Field(description="When the message was written.")
    seq: int = Field(ge=1, description="Position in the thread, from 1, without gaps.")
    role: Role = Field(description="`USER` or `ASSISTANT`.")
    outcome: MessageOutcome = Field(
        description="`completed` (user messages too), `errored` or `canceled`."
    )
    content: MessageContent = Field(description="Never holds `thinking` parts.")
    error: ErrorStatus | None = Field(description="Set on an `errored` message, else null.")
    context: MessageContext = optional(
        description="Snapshots attached to a user message; absent when none were."
    )


class ResponseContent(Strict):
    parts: list[ResponsePart] = Field(description="Content parts in display order.")


class Response(Strict):
    """The live, pollable state of one assistant turn."""

    id: uuid.UUID = Field(description="Response id (UUIDv7).")
    status: ResponseStatus = Field(description="`queued`, `running`, or a terminal status.")
    thread_id: uuid.UUID = Field(description="The thread of the turn.")
    user_message_id: uuid.UUID = Field(description="The user message that started the turn.")
    output_message_id: uuid.UUID = Field(
        description="The final assistant message (allocated when the turn is created)."
    )
    content: ResponseContent = Field(description="Partial while active; may hold `thinking`.")
    error: ErrorStatus | None = Field(description="Set when the turn failed, else null.")


class AcceptedTurn(Strict):
    """A turn was accepted: poll ``response_id`` for the assistant's output."""

    response_id: uuid.UUID = Field(description="The response to poll.")
    thread_id: uuid.UUID = Field(description="The thread of the turn.")
    user_message_id: uuid.UUID = Field(description="The user message just written.")


class CancelResult(Strict):
    canceled: bool = Field(
        description="True when the response is `canceled` after the call (by it or an "
        "earlier cancel); false when it had already ended otherwise."
    )


class FeedbackReceipt(Strict):
    feedback_id: uuid.UUID = Field(description="Id of the recorded feedback.")
    created_at: Timestamp = Field(description="When it was recorded.")


class EntitlementAgreement(Strict):
    agreement_id: str = Field(description="Id to sign with.")
    agreement_key: AgreementKey = Field(description="Agreement family.")
    version: int = Field(description="Version of the agreement's text.")
    title: str = Field(description="Title to show.")
    document_content: str = Field(description="The text the user consents to.")
    document_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of `document_content`, hex."
    )
    entitlement_codes: list[EntitlementCode] = Field(description="What signing grants.")


class EntitlementGrant(Strict):
    entitlement_id: uuid.UUID = Field(description="Grant id (for the deprecated delete).")
    account_id: int = Field(description="The account granted.")
    entitlement_code: EntitlementCode = Field(description="The entitlement granted.")
    agreement_id: str = Field(description="The agreement signed.")
    granted_at: Timestamp = Field(description="When it was last signed.")


class RevokedGrant(Strict):
    entitlement_id: uuid.UUID = Field(description="The grant revoked.")
    revoked: Literal[True] = Field(description="Always true.")


class EntitlementStatus(Strict):
    account_id: int = Field(description="The account.")
    enabled: bool = Field(description="Accounts with no recorded choice are enabled.")
    entitlement_code: EntitlementCode = Field(description="The entitlement.")


# -- envelopes ----------------------------------------------------------------------------


class Metadata(Strict):
    request_id: uuid.UUID = Field(description="This request's id (UUIDv4), also `X-Request-Id`.")


class PageMetadata(Metadata):
    next_page_token: str | None = Field(
        description="Token of the next page (threads: older activity; messages: older "
        "messages), null at the end."
    )
    previous_page_token: str | None = Field(
        description="Token of the previous page (newer), null at the start."
    )


class Envelope(Strict, Generic[T]):
    data: T = Field(description="The payload.")
    metadata: Metadata = Field(description="The request id.")


class PageEnvelope(Strict, Generic[T]):
    data: list[T] = Field(description="The items of this page, in the endpoint's order.")
    metadata: PageMetadata = Field(description="The request id and the neighbouring pages.")


class ThreadAnswer(Envelope[Thread]):
    pass


class ThreadPage(PageEnvelope[Thread]):
    pass


class MessageAnswer(Envelope[Message]):
    pass


class MessagePage(PageEnvelope[Message]):
    pass


class ResponseAnswer(Envelope[Response]):
    pass


class ActiveResponseAnswer(Envelope[Response | None]):
    """``data`` is null when the thread is idle."""


class AcceptedTurnAnswer(Envelope[AcceptedTurn]):
    pass


class CancelAnswer(Envelope[CancelResult]):
    pass


class FeedbackAnswer(Envelope[FeedbackReceipt]):
    pass


class AgreementList(Envelope[list[EntitlementAgreement]]):
    pass


class GrantList(Envelope[list[EntitlementGrant]]):
    pass


class RevokedGrantAnswer(Envelope[RevokedGrant]):
    pass


class EntitlementStatusList(Envelope[list[EntitlementStatus]]):
    pass


class ErrorBody(Strict):
    code: int = Field(ge=400, le=599, description="The HTTP status of the answer.")
    message: str = Field(description="What went wrong, in the contract's words.")
    details: list[dict[str, Any]] = optional(
        description="Structured context where it helps, e.g. `active_response_id` on 409."
    )


class ErrorEnvelope(Strict):
    """Every error: no `data` key, never a stack trace."""

    error: ErrorBody = Field(description="What went wrong.")
    metadata: Metadata = Field(description="The request id.")


# -- probes (our extension) ---------------------------------------------------------------


class Alive(Strict):
    status: Literal["ok"] = Field(description="The process is up.")


class Ready(Strict):
    status: Literal["ok"] = Field(description="Ready for traffic.")
    database: Literal["sqlite", "postgresql"] = Field(description="The database backend.")
    engine: str = Field(description="The engine answering turns.")


class Draining(Strict):
    status: Literal["unavailable"] = Field(description="Not ready.")
    draining: Literal[True] = Field(description="SIGTERM received; finishing in-flight work.")


class DatabaseProblem(Strict):
    status: Literal["unavailable"] = Field(description="Not ready.")
    database: str = Field(description="What is wrong with the database.")


class NotReady(RootModel[Draining | DatabaseProblem]):
    """Not ready: draining after SIGTERM, or the database is unreachable, not migrated or not
    the configured file."""
