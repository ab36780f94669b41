"""The base every wire model shares, and the timestamp type.

The models are parsed leniently (unknown keys are kept, not rejected) because the API adds
fields over time and a client released today must keep working against tomorrow's server.
The same classes describe the server's output, so the timestamp type also fixes how datetimes
are written: RFC 3339 with microseconds and an explicit ``+00:00`` offset, the contract's form,
rather than pydantic's default ``Z`` suffix.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema


def format_timestamp(value: datetime) -> str:
    """Write ``value`` as the API does: UTC, microseconds, ``+00:00``.

    Naive datetimes are written as they are (no offset), since guessing their zone would
    silently shift them.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


Timestamp = Annotated[
    datetime,
    PlainSerializer(format_timestamp, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A ``datetime`` on the wire; see :func:`format_timestamp` for the written form."""


class WireModel(BaseModel):
    """Base of every model in :mod:`clear_street.types`.

    Unknown fields are kept (``extra="allow"``) so newer servers never break older clients;
    camelCase payload keys can be given by alias or by field name. The repr leaves out
    fields that are ``None`` so printed results stay short enough to read.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            if value is not None:
                yield name, value

    def __str__(self) -> str:
        return self.__repr__()
