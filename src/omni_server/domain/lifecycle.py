"""The response lifecycle as data.

Every status change in the store is a compare-and-set whose allowed source statuses are read
from :data:`TRANSITIONS`, so this table is the single definition of what may happen to a
response. Nothing here does I/O.
"""

from __future__ import annotations

from enum import StrEnum


class ResponseStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class MessageOutcome(StrEnum):
    COMPLETED = "completed"
    ERRORED = "errored"
    CANCELED = "canceled"


class ErrorCode(StrEnum):
    """Codes of ``ErrorStatus.code`` on failed turns (contract section 3)."""

    ENGINE_ERROR = "engine_error"
    TIMEOUT = "timeout"
    WORKER_LOST = "worker_lost"
    INTERNAL = "internal"


ACTIVE: frozenset[ResponseStatus] = frozenset({ResponseStatus.QUEUED, ResponseStatus.RUNNING})
TERMINAL: frozenset[ResponseStatus] = frozenset(
    {ResponseStatus.SUCCEEDED, ResponseStatus.FAILED, ResponseStatus.CANCELED}
)

TRANSITIONS: dict[ResponseStatus, frozenset[ResponseStatus]] = {
    ResponseStatus.QUEUED: frozenset(
        {ResponseStatus.RUNNING, ResponseStatus.CANCELED, ResponseStatus.FAILED}
    ),
    ResponseStatus.RUNNING: frozenset(
        {ResponseStatus.SUCCEEDED, ResponseStatus.FAILED, ResponseStatus.CANCELED}
    ),
    ResponseStatus.SUCCEEDED: frozenset(),
    ResponseStatus.FAILED: frozenset(),
    ResponseStatus.CANCELED: frozenset(),
}

OUTCOME_OF: dict[ResponseStatus, MessageOutcome] = {
    ResponseStatus.SUCCEEDED: MessageOutcome.COMPLETED,
    ResponseStatus.FAILED: MessageOutcome.ERRORED,
    ResponseStatus.CANCELED: MessageOutcome.CANCELED,
}


def can_transition(source: ResponseStatus, target: ResponseStatus) -> bool:
    """Whether ``source -> target`` is an allowed step of the lifecycle."""
    return target in TRANSITIONS[source]


def sources_of(target: ResponseStatus) -> frozenset[ResponseStatus]:
    """The statuses from which ``target`` may be reached: the ``WHERE status IN`` of a CAS."""
    return frozenset(s for s, targets in TRANSITIONS.items() if target in targets)


def outcome_of(status: ResponseStatus) -> MessageOutcome:
    """The final message outcome for a terminal status; raises ``ValueError`` for active ones."""
    try:
        return OUTCOME_OF[status]
    except KeyError:
        raise ValueError(f"{status} is not terminal") from None


def is_terminal(status: ResponseStatus) -> bool:
    return status in TERMINAL
