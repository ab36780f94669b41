"""Rows to domain values and back: the one place that knows how columns encode fields."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Row

from omni_server.domain.lifecycle import MessageOutcome, ResponseStatus
from omni_server.domain.models import (
    ErrorInfo,
    Message,
    Mode,
    Part,
    Response,
    Role,
    Thread,
    TurnRequest,
)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(raw: str | None) -> Any:
    return None if raw is None else orjson.loads(raw)


def encode_error(error: ErrorInfo | None) -> str | None:
    return None if error is None else dumps(error.as_wire())


def decode_error(raw: str | None) -> ErrorInfo | None:
    value = loads(raw)
    return None if value is None else ErrorInfo(code=value["code"], message=value["message"])


def encode_request(request: TurnRequest) -> str:
    return dumps(
        {
            "mode": request.mode.value,
            "text": request.text,
            "capabilities": list(request.capabilities),
            "target": request.target,
            "thesis": request.thesis,
            "context": request.context,
        }
    )


def decode_request(raw: str) -> TurnRequest:
    value = loads(raw)
    return TurnRequest(
        mode=Mode(value["mode"]),
        text=value["text"],
        capabilities=tuple(value["capabilities"]),
        target=value["target"],
        thesis=value["thesis"],
        context=value["context"],
    )


def parts_of(raw: str) -> tuple[Part, ...]:
    return tuple(loads(raw)["parts"])


def encode_parts(parts: tuple[Part, ...] | list[Part]) -> str:
    return dumps({"parts": list(parts)})


def thread_from(row: Row[Any]) -> Thread:
    m = row._mapping
    return Thread(
        id=m["id"],
        account_id=m["account_id"],
        title=m["title"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def message_from(row: Row[Any]) -> Message:
    m = row._mapping
    return Message(
        id=m["id"],
        thread_id=m["thread_id"],
        seq=m["seq"],
        role=Role(m["role"]),
        outcome=MessageOutcome(m["outcome"]),
        parts=parts_of(m["content"]),
        created_at=m["created_at"],
        error=decode_error(m["error"]),
        context=loads(m["context"]),
    )


RESPONSE_FIELDS = (
    "id",
    "thread_id",
    "account_id",
    "user_message_id",
    "output_message_id",
    "output_seq",
    "status",
    "content",
    "error",
    "request",
    "attempt",
    "created_at",
    "started_at",
    "finished_at",
)
"""The columns :func:`response_from_sqlite` reads, in its order."""


_SQLITE_UUIDS = frozenset({"id", "thread_id", "user_message_id", "output_message_id"})
_SQLITE_TIMES = frozenset({"created_at", "started_at", "finished_at"})


def response_from_sqlite(values: tuple[Any, ...]) -> Response:
    """A response from a raw ``sqlite3`` row of :data:`RESPONSE_FIELDS`.

    Decodes what SQLAlchemy's column types would (``Uuid`` is 32 hex digits and
    ``UTCDateTime`` naive ISO text in UTC on SQLite), then builds it as :func:`response_from`.
    """
    columns: dict[str, Any] = {}
    for name, value in zip(RESPONSE_FIELDS, values, strict=True):
        if value is not None and name in _SQLITE_UUIDS:
            value = uuid.UUID(value)
        elif value is not None and name in _SQLITE_TIMES:
            value = _sqlite_time(value)
        columns[name] = value
    return _response(columns)


def _sqlite_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def response_from(row: Row[Any]) -> Response:
    return _response(row._mapping)


def _response(m: Mapping[Any, Any]) -> Response:
    return Response(
        id=m["id"],
        thread_id=m["thread_id"],
        account_id=m["account_id"],
        user_message_id=m["user_message_id"],
        output_message_id=m["output_message_id"],
        output_seq=m["output_seq"],
        status=ResponseStatus(m["status"]),
        parts=parts_of(m["content"]),
        created_at=m["created_at"],
        request=decode_request(m["request"]),
        error=decode_error(m["error"]),
        attempt=m["attempt"],
        started_at=m.get("started_at"),
        finished_at=m.get("finished_at"),
    )
