"""Everything the client raises, as one tree so callers can catch as broadly as they need.

::

    ClearStreetError                  anything raised on purpose by this package
    ├── APIError                      a request to the API did not produce a usable answer
    │   ├── APIConnectionError        no answer arrived (DNS, refused, reset...)
    │   │   └── APITimeoutError       ...because a timeout expired first
    │   ├── APIResponseValidationError  an answer arrived but is not what the endpoint promises
    │   └── APIStatusError            the API answered with a 4xx or 5xx status
    │       ├── BadRequestError             400
    │       ├── AuthenticationError         401
    │       ├── PermissionDeniedError       403
    │       ├── NotFoundError               404
    │       ├── ConflictError               409
    │       ├── UnprocessableEntityError    422
    │       ├── RateLimitError              429
    │       └── InternalServerError         500 and above
    └── WaitTimeoutError              ``responses.wait`` gave up before the turn ended
                                      (also a built-in ``TimeoutError``)

Other statuses (402, 405, 410...) raise :class:`APIStatusError` itself. Invalid arguments,
such as an empty path id, raise the built-in ``ValueError`` before any request is sent.
"""

from __future__ import annotations

from typing import Any

import httpx

from clear_street._constants import REQUEST_ID_HEADER
from clear_street.types.response import Response


class ClearStreetError(Exception):
    """Root of every error this package raises on purpose."""


class APIError(ClearStreetError):
    """A request did not produce a usable answer; ``request`` is what was sent."""

    message: str
    request: httpx.Request
    body: object | None

    def __init__(self, message: str, request: httpx.Request, *, body: object | None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body


class APIConnectionError(APIError):
    """No answer arrived; retried automatically before being raised."""

    def __init__(self, request: httpx.Request, message: str = "Connection error.") -> None:
        super().__init__(message, request, body=None)


class APITimeoutError(APIConnectionError):
    """The request timed out; retried automatically before being raised."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request, "Request timed out.")


class APIResponseValidationError(APIError):
    """The answer could not be read as the endpoint's model (or was not JSON)."""

    response: httpx.Response
    status_code: int

    def __init__(self, response: httpx.Response, *, body: object | None, message: str) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code


class APIStatusError(APIError):
    """The API answered with an error status.

    ``body`` is the parsed JSON body (or the raw text when it is not JSON), ``message`` the
    API's ``error.message`` when present, and ``request_id`` the id to quote to support,
    read from the ``X-Request-Id`` header or the body's ``metadata``.
    """

    response: httpx.Response
    status_code: int
    request_id: str | None

    def __init__(self, message: str, *, response: httpx.Response, body: object | None) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = _request_id(response, body)

    @property
    def details(self) -> list[Any] | None:
        """``error.details`` of the body, e.g. the id of the response blocking a new turn."""
        error = _member(self.body, "error")
        details = _member(error, "details")
        return details if isinstance(details, list) else None

    def __str__(self) -> str:
        suffix = f" (request_id: {self.request_id})" if self.request_id else ""
        return f"Error code: {self.status_code} - {self.message}{suffix}"


class BadRequestError(APIStatusError):
    """400: the request is malformed or misses a parameter."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, malformed or unknown."""


class PermissionDeniedError(APIStatusError):
    """403: the key was not granted the account."""


class NotFoundError(APIStatusError):
    """404: no such resource in the account."""


class ConflictError(APIStatusError):
    """409: the state forbids it now, e.g. the thread already has an active response."""


class UnprocessableEntityError(APIStatusError):
    """422: the body is well-formed JSON of the wrong shape, or an idempotency key clash."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically, honouring ``retry-after``."""


class InternalServerError(APIStatusError):
    """500 or above: the API failed; retried automatically before being raised."""


class WaitTimeoutError(ClearStreetError, TimeoutError):
    """The response was still active when ``responses.wait`` ran out of time.

    ``last`` is the last snapshot seen, so callers can show partial content or cancel.
    """

    response_id: str
    last: Response

    def __init__(self, response_id: str, last: Response, waited: float) -> None:
        super().__init__(
            f"Response {response_id} is still {last.status!r} after waiting {waited:.1f}s"
        )
        self.response_id = response_id
        self.last = last


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """The most specific error class for ``status_code``."""
    if status_code >= 500:
        return InternalServerError
    return STATUS_ERRORS.get(status_code, APIStatusError)


def _member(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _request_id(response: httpx.Response, body: object) -> str | None:
    header: str | None = response.headers.get(REQUEST_ID_HEADER)
    if header:
        return header
    found = _member(_member(body, "metadata"), "request_id")
    return found if isinstance(found, str) else None
