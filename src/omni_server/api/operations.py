"""Every operation of the API, declared once: path, parameters, body, answers and errors.

Routes are matched by ``name`` (the route function's name, which is also the operationId,
as in Clear Street's own document); ``api/openapi.py`` builds the OpenAPI document from this
table and the strict models of ``api/schemas.py``, so nothing in the document comes from a
web framework's guesses.

Error statuses are the ones a route can really answer, and why:

- every ``/v1`` operation: 400 (the edge refuses a NUL in a header value or the query, and a
  repeated query field), 401 (no or unknown key), 429 (the per-key request rate, when
  ``OMNI_RATE_LIMIT`` is set), 500 (the failsafe's complete answer), 503 (SQLite ``Busy``: even
  a read may write the key's ``last_used_at``);
- with a path id or account: 403 for an account the key was not granted, 404 for an id not in
  it;
- with a JSON body: 422 (wrong shape, a broken limit, a reused ``Idempotency-Key``), 413 (too
  large) and 408 (stalled); GET and DELETE read no body and never answer 422 or 408;
- creates: 409 (one active response per thread; a repeat whose first request is still
  running) and 429 also for the per-key active-turn limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from omni_server.api import schemas
from omni_server.api.reading.models import (
    CreateEntitlementsRequest,
    CreateFeedbackRequest,
    CreateMessageRequest,
    CreateThreadRequest,
    OptOutEntitlementsRequest,
)

API = "/v1/omni-ai"
I64_MIN, I64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter."""

    name: str
    where: Literal["path", "query", "header"]
    description: str
    schema: dict[str, Any]
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One method on one path, with everything the OpenAPI document says about it."""

    name: str
    method: str
    path: str
    summary: str
    tag: str
    success: type[BaseModel] | None
    """The 200 body's model; ``None`` for the event stream (``text/event-stream``)."""
    errors: tuple[int, ...]
    description: str = ""
    params: tuple[Param, ...] = ()
    body: type[BaseModel] | None = None
    not_modified: bool = False
    """Answers 304 to a matching ``If-None-Match`` (polls)."""
    replayable: bool = False
    """Takes ``Idempotency-Key`` and may answer with ``Idempotent-Replayed: true``."""
    success_description: str = "OK"
    failure: type[BaseModel] = schemas.ErrorEnvelope
    """The model of every error answer (``/readyz`` has its own)."""
    secured: bool = True


# -- parameters ---------------------------------------------------------------------------


def _uuid(name: str, description: str) -> Param:
    return Param(name, "path", description, {"type": "string", "format": "uuid"}, True)


def _account(*, required: bool) -> Param:
    description = (
        "Trading account the request acts for."
        if required
        else "One account to cover; omit for every account the key may act for."
    )
    schema = {"type": "integer", "format": "int64", "minimum": I64_MIN, "maximum": I64_MAX}
    return Param("account_id", "query", description, schema, required)


RESPONSE_ID = _uuid("response_id", "Response identifier (UUID).")
THREAD_ID = _uuid("thread_id", "Thread identifier (UUID).")
MESSAGE_ID = _uuid("message_id", "Message identifier (UUID).")
ENTITLEMENT_ID = Param("entitlement_id", "path", "Entitlement grant id.", {"type": "string"}, True)
ACCOUNT = _account(required=True)
SOME_ACCOUNT = _account(required=False)
PAGING = (
    Param(
        "page_size",
        "query",
        "Items per page (used without page_token).",
        {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
    ),
    Param(
        "page_token",
        "query",
        "Base64URL token from next_page_token/previous_page_token; page_size is then ignored.",
        {"type": "string"},
    ),
)
IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    "header",
    "Makes the request safe to retry (1 to 255 characters). The same key, from the same API "
    "key within 24 hours, with the same method, path and JSON body (whitespace and key order "
    "aside) replays the first request's 200 answer (same ids, a new `request_id`, header "
    "`Idempotent-Replayed: true`) and starts nothing; with a different request it is refused "
    "with 422 `Idempotency-Key was already used with a different request`. Errors are not "
    "remembered: after a 4xx the key is free again. A repeat that arrives while the first "
    "request is still running waits for its answer (409 if it is still running after the wait).",
    {"type": "string", "minLength": 1, "maxLength": 255},
)
LAST_EVENT_ID = Param(
    "Last-Event-ID",
    "header",
    "Resume after this event id (sent by EventSource on reconnect).",
    {"type": "string"},
)

# -- error sets (see the module docstring) ------------------------------------------------

EDGE = (400, 401, 429, 500, 503)
READ = (*EDGE, 403, 404)
BODY = (408, 413, 422)

POLL_DESCRIPTION = (
    "The response's current state; partial content (and `thinking`) while it is active. Every "
    "200 carries an `ETag`: with `If-None-Match` naming it the answer is 304, and with "
    "`Prefer: wait=N` (N at most 30) as well, the answer is held until the response changes "
    "(200, `Preference-Applied: wait=N`) or N seconds pass (304). A terminal response gets "
    "304 at once."
)
EVENTS_DESCRIPTION = (
    "Server-Sent Events: `snapshot` (the response as the poll returns it), then `status`, "
    "`delta` and `part` as the turn progresses, and `done` (the final response). Each event's "
    "`id` is a cursor that `Last-Event-ID` resumes after exactly; an idle stream gets a "
    "keep-alive comment."
)

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get_response_by_id",
        "GET",
        f"{API}/responses/{{response_id}}",
        "Poll a response (partial content while active)",
        "responses",
        schemas.ResponseAnswer,
        READ,
        description=POLL_DESCRIPTION,
        params=(RESPONSE_ID, ACCOUNT),
        not_modified=True,
    ),
    Operation(
        "cancel_response",
        "DELETE",
        f"{API}/responses/{{response_id}}",
        "Cancel a response (synchronous, idempotent)",
        "responses",
        schemas.CancelAnswer,
        READ,
        description="When this answers, the response is terminal and its final message is "
        "in the history; cancelling twice is never an error.",
        params=(RESPONSE_ID, ACCOUNT),
    ),
    Operation(
        "response_events",
        "GET",
        f"{API}/responses/{{response_id}}/events",
        "Watch a response live (Server-Sent Events; an extension of this server)",
        "responses",
        None,
        READ,
        description=EVENTS_DESCRIPTION,
        params=(RESPONSE_ID, ACCOUNT, LAST_EVENT_ID),
        success_description="The event stream (`text/event-stream`).",
    ),
    Operation(
        "create_thread",
        "POST",
        f"{API}/threads",
        "Create a thread and submit its first turn",
        "threads",
        schemas.AcceptedTurnAnswer,
        (*EDGE, 403, 409, *BODY),
        description="Poll the returned `response_id` for the assistant's output.",
        params=(IDEMPOTENCY_KEY,),
        body=CreateThreadRequest,
        replayable=True,
    ),
    Operation(
        "get_threads",
        "GET",
        f"{API}/threads",
        "List threads, most recently active first",
        "threads",
        schemas.ThreadPage,
        (*EDGE, 403),
        params=(ACCOUNT, *PAGING),
    ),
    Operation(
        "get_thread_by_id",
        "GET",
        f"{API}/threads/{{thread_id}}",
        "Get a thread's metadata",
        "threads",
        schemas.ThreadAnswer,
        READ,
        params=(THREAD_ID, ACCOUNT),
    ),
    Operation(
        "get_messages",
        "GET",
        f"{API}/threads/{{thread_id}}/messages",
        "List finalized messages (latest page first)",
        "threads",
        schemas.MessagePage,
        READ,
        description="The latest page by default, ascending `seq` within a page; "
        "`next_page_token` leads to older messages, `previous_page_token` to newer ones.",
        params=(THREAD_ID, ACCOUNT, *PAGING),
    ),
    Operation(
        "create_message",
        "POST",
        f"{API}/threads/{{thread_id}}/messages",
        "Continue a thread with a user message",
        "threads",
        schemas.AcceptedTurnAnswer,
        (*READ, 409, *BODY),
        description="409 `thread already has an active response` while a turn is queued or "
        'running, with `details: [{"active_response_id": ...}]`.',
        params=(THREAD_ID, IDEMPOTENCY_KEY),
        body=CreateMessageRequest,
        replayable=True,
    ),
    Operation(
        "get_thread_response",
        "GET",
        f"{API}/threads/{{thread_id}}/response",
        "Get the thread's active response, if any",
        "threads",
        schemas.ActiveResponseAnswer,
        READ,
        description="`data` is null when the thread is idle.",
        params=(THREAD_ID, ACCOUNT),
    ),
    Operation(
        "get_message_by_id",
        "GET",
        f"{API}/messages/{{message_id}}",
        "Get a finalized message",
        "messages",
        schemas.MessageAnswer,
        READ,
        description="A message of a turn still in progress is not found until the turn ends.",
        params=(MESSAGE_ID, ACCOUNT),
    ),
    Operation(
        "submit_feedback",
        "POST",
        f"{API}/messages/{{message_id}}/feedback",
        "Rate a finalized assistant message (every call records new feedback)",
        "messages",
        schemas.FeedbackAnswer,
        (*READ, *BODY),
        params=(MESSAGE_ID,),
        body=CreateFeedbackRequest,
    ),
    Operation(
        "get_entitlement_agreements",
        "GET",
        f"{API}/entitlement-agreements",
        "List the signable entitlement agreements",
        "entitlements",
        schemas.AgreementList,
        (*EDGE, 404),
        description="404 `No active signable agreements` when none is configured.",
    ),
    Operation(
        "get_entitlements",
        "GET",
        f"{API}/entitlements",
        "List active entitlement grants (deprecated in 0.11)",
        "entitlements",
        schemas.GrantList,
        (*EDGE, 403),
        params=(SOME_ACCOUNT,),
    ),
    Operation(
        "create_entitlements",
        "POST",
        f"{API}/entitlements",
        "Record consent and upsert grants (also turns opted-out accounts back on)",
        "entitlements",
        schemas.GrantList,
        (*EDGE, 403, *BODY),
        description="400 `Invalid request payload` for an unknown agreement or a code it "
        "does not grant; 403 for an account the key was not granted.",
        body=CreateEntitlementsRequest,
    ),
    Operation(
        "delete_entitlement",
        "DELETE",
        f"{API}/entitlements/{{entitlement_id}}",
        "Revoke one grant (deprecated in 0.11: opt out)",
        "entitlements",
        schemas.RevokedGrantAnswer,
        (*EDGE, 404, 409),
        description="404 `Grant not found`, 409 `Grant already inactive`.",
        params=(ENTITLEMENT_ID,),
    ),
    Operation(
        "get_entitlement_status",
        "GET",
        f"{API}/entitlement-status",
        "Whether each entitlement is on, per account",
        "entitlements",
        schemas.EntitlementStatusList,
        (*EDGE, 403),
        description="Accounts with no recorded choice are enabled.",
        params=(SOME_ACCOUNT,),
    ),
    Operation(
        "opt_out_entitlements",
        "POST",
        f"{API}/entitlements/opt-out",
        "Turn entitlements off for accounts (idempotent)",
        "entitlements",
        schemas.EntitlementStatusList,
        (*EDGE, 403, *BODY),
        body=OptOutEntitlementsRequest,
    ),
    Operation(
        "healthz",
        "GET",
        "/healthz",
        "The process is up",
        "health",
        schemas.Alive,
        (),
        secured=False,
    ),
    Operation(
        "readyz",
        "GET",
        "/readyz",
        "The database answers, is migrated, and is the configured file",
        "health",
        schemas.Ready,
        (503,),
        failure=schemas.NotReady,
        secured=False,
    ),
)

_BY_NAME = {op.name: op for op in OPERATIONS}


def operation(name: str) -> Operation:
    """The operation called ``name``; ``KeyError`` for an unknown name."""
    return _BY_NAME[name]
