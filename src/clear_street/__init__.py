"""Python client of Clear Street's Omni AI API, blocking and async.

::

    from clear_street import ClearStreet

    with ClearStreet(api_key="...") as client:
        turn = client.v1.omni_ai.threads.create_thread(
            type="instant", account_id=19816, text="What changed in NVDA today?"
        )
        answer = client.v1.omni_ai.responses.wait(turn.data.response_id, account_id=19816)

Wire models live in :mod:`clear_street.types`.
"""

from clear_street import types as types
from clear_street._client import AsyncClearStreet, ClearStreet
from clear_street._config import Environment
from clear_street._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ENVIRONMENTS
from clear_street._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClearStreetError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from clear_street._types import NOT_GIVEN, NotGiven, Timeout
from clear_street._version import __version__ as __version__

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENVIRONMENTS",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClearStreet",
    "AuthenticationError",
    "BadRequestError",
    "ClearStreet",
    "ClearStreetError",
    "ConflictError",
    "Environment",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "Timeout",
    "UnprocessableEntityError",
    "WaitTimeoutError",
]
