"""Domain errors: a small tree that ``api/errors.py`` alone maps to HTTP.

Services and stores raise these; they never know about status codes or envelopes. Each class
stands for one kind of refusal, and its message is the exact text the contract prescribes.
"""

from __future__ import annotations

from typing import Any


class OmniError(Exception):
    """Base of every error the API reports to a caller."""

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidRequest(OmniError):
    """The request is malformed or breaks a documented rule (HTTP 400)."""


class InvalidBody(OmniError):
    """The JSON body has the wrong shape or violates a validation limit (HTTP 422)."""


class Unauthenticated(OmniError):
    """No valid API key (HTTP 401)."""

    def __init__(self) -> None:
        super().__init__(
            "The request does not have valid authentication credentials for the operation"
        )


class PermissionDenied(OmniError):
    """The key was not granted the requested account (HTTP 403)."""

    def __init__(self) -> None:
        super().__init__("The caller does not have permission to execute the specified operation")


class NotFound(OmniError):
    """The resource does not exist in the caller's account (HTTP 404)."""


class Conflict(OmniError):
    """The request conflicts with the current state (HTTP 409)."""


class Unavailable(OmniError):
    """A dependency is not reachable right now (HTTP 503); callers may retry."""


class PayloadTooLarge(OmniError):
    """The request body is larger than the server accepts (HTTP 413)."""


class RequestTimeout(OmniError):
    """The client paused too long while sending its body (HTTP 408)."""


class Busy(Unavailable):
    """The database is locked by someone else for longer than a write may wait (HTTP 503).

    Nothing was changed; the same request may be sent again shortly.
    """

    def __init__(self) -> None:
        super().__init__("The database is busy; retry shortly")


THREAD_NOT_FOUND = "Thread not found"
RESPONSE_NOT_FOUND = "Response not found"
MESSAGE_NOT_FOUND = "Message not found"
ACTIVE_RESPONSE_EXISTS = "thread already has an active response"
TEXT_REQUIRED = "text is required for instant mode"
TARGET_REQUIRED = "target is required for deep_insights mode"
NO_AGREEMENTS = "No active signable agreements"
INVALID_PAYLOAD = "Invalid request payload"
GRANT_NOT_FOUND = "Grant not found"
GRANT_INACTIVE = "Grant already inactive"
FEEDBACK_NOT_FINAL = "feedback is only accepted for finalized assistant messages"


class TooManyRequests(OmniError):
    """A per-key limit refused the request (HTTP 429); retry after ``retry_after`` seconds."""

    def __init__(self, message: str, *, limit: str, retry_after: float) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after = retry_after


RATE_LIMITED = "Too many requests for this API key; retry after the time in retry-after"
TOO_MANY_ACTIVE = (
    "This API key has too many active responses (queued or running); "
    "wait for one to finish or cancel one"
)
