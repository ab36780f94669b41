"""Obsolete: the keyword arguments routes still pass to their FastAPI decorators.

Nothing here reaches the OpenAPI document any more: ``api/openapi.py`` builds it from
``api/operations.py`` and the strict models of ``api/schemas.py``. This module goes away with
the FastAPI decorators.
"""

from __future__ import annotations

from typing import Any

from clear_street.types import ErrorEnvelope

_DESCRIPTIONS = {
    400: "Bad request (malformed query, path id or JSON)",
    401: "Missing or unknown API key",
    403: "The key was not granted the account",
    404: "Not found in this account",
    409: "Conflicts with the current state",
    422: "The JSON body has the wrong shape or breaks a limit",
    500: "Internal server error",
}


def documented(
    model: type[Any], *statuses: int, extra: dict[int | str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Keyword arguments for a route decorator: ``response_model`` and error responses.

    ``extra`` adds to the documented responses (for example headers of the 200 answer).
    """
    codes = sorted({400, 401, 500, *statuses})
    responses: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorEnvelope, "description": _DESCRIPTIONS[code]} for code in codes
    }
    for code, doc in (extra or {}).items():
        responses[code] = {**responses.get(code, {}), **doc}
    return {"response_model": model, "responses": responses}
