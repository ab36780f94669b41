"""The sanitized error carried by a failed turn (``Response.error`` and ``Message.error``).

Unlike the envelope's :class:`~clear_street.types.envelope.ErrorBody`, whose ``code`` is an
HTTP status, this ``code`` is a short string naming the cause of the failure.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from clear_street.types._base import WireModel


class ErrorStatus(WireModel):
    """Why a turn failed, without internals (no stack traces, no provider details)."""

    code: str = Field(description="Cause of the failure, e.g. `engine_error` or `timeout`.")
    message: str = Field(description="Human readable explanation.")
    details: Any | None = Field(default=None, description="Optional structured context.")
