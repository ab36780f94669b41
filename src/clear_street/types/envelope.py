"""The envelope that wraps every answer of the API.

A success is ``{"data": ..., "metadata": {...}}``; a failure is ``{"error": {...},
"metadata": {...}}``. The generic :class:`Envelope` and :class:`ListEnvelope` are what the
per-endpoint models in :mod:`clear_street.types.endpoint_responses` specialise, and what a
server can use directly as its response models.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from pydantic import Field

from clear_street.types._base import WireModel

T = TypeVar("T")


class ResponseMetadata(WireModel):
    """Request tracing and, on list endpoints, the way to the neighbouring pages."""

    request_id: str = Field(
        description="Unique id of this request; quote it when reporting a problem."
    )
    next_page_token: str | None = Field(
        default=None, description="Opaque token of the next page, null on the last page."
    )
    previous_page_token: str | None = Field(
        default=None, description="Opaque token of the previous page, null on the first page."
    )
    page_number: int | None = Field(default=None, ge=0, description="Index of this page.")
    total_items: int | None = Field(default=None, ge=0, description="Items across all pages.")
    total_pages: int | None = Field(default=None, ge=0, description="Number of pages.")


class Envelope(WireModel, Generic[T]):
    """A successful answer: the payload in ``data`` and tracing in ``metadata``."""

    data: T = Field(description="The payload of the endpoint.")
    metadata: ResponseMetadata = Field(description="Request id and pagination state.")

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # ``data`` is shown even when null: an idle thread answers ``data: null`` on purpose.
        yield "data", self.data
        for name, value in super().__repr_args__():
            if name != "data":
                yield name, value


class ListEnvelope(WireModel, Generic[T]):
    """A successful answer of a list endpoint; page tokens are in ``metadata``."""

    data: list[T] = Field(description="The items of this page, in the endpoint's order.")
    metadata: ResponseMetadata = Field(description="Request id and pagination state.")


class ErrorBody(WireModel):
    """What went wrong, as the API reports it (the ``error`` member of a failure)."""

    code: int = Field(description="The HTTP status code of the answer.")
    message: str = Field(description="Human readable explanation.")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="Structured context, for example the active response id."
    )


class ErrorEnvelope(WireModel):
    """A failed answer. ``metadata`` is optional because proxies may strip it."""

    error: ErrorBody = Field(description="What went wrong.")
    metadata: ResponseMetadata | None = Field(default=None, description="Request id.")
