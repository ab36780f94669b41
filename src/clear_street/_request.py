"""The description of one API call, built once and executed by a sync or an async transport.

Every endpoint method turns its arguments into a :class:`RequestSpec`; nothing here does
I/O. Building the spec is where the wire rules live: omitted arguments are dropped, path ids
are checked and escaped, caller extras are merged last, and create calls get an
``Idempotency-Key`` chosen once so that every retry of the call carries the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from clear_street._constants import IDEMPOTENCY_HEADER
from clear_street._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout

T = TypeVar("T", bound=BaseModel)

Method = Literal["GET", "POST", "DELETE"]


@dataclass(frozen=True)
class RequestOptions:
    """Per-call overrides every endpoint method accepts."""

    extra_headers: Headers | None = None
    extra_query: Query | None = None
    extra_body: Body | None = None
    timeout: Timeout | NotGiven = NOT_GIVEN


@dataclass(frozen=True)
class RequestSpec(Generic[T]):
    """Everything needed to send a call and read its answer as ``cast_to``."""

    method: Method
    path: str
    cast_to: type[T]
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: Timeout | NotGiven = NOT_GIVEN


def path_with(template: str, **ids: str) -> str:
    """Fill ``template``'s ``{name}`` slots with escaped, non-empty ids.

    Raises ``ValueError`` for an empty id: sending it would hit a different endpoint
    (``/threads/`` instead of ``/threads/{id}``) rather than fail.
    """
    require_ids(**ids)
    return template.format(**{name: quote(str(value), safe="") for name, value in ids.items()})


def require_ids(**ids: str) -> None:
    """Raise ``ValueError`` for the first empty id, naming its parameter."""
    for name, value in ids.items():
        if not value:
            raise ValueError(f"Expected a non-empty value for `{name}` but received {value!r}")


def build(
    method: Method,
    path: str,
    cast_to: type[T],
    *,
    options: RequestOptions,
    query: Mapping[str, object] | None = None,
    body: Mapping[str, object] | None = None,
    idempotent: bool = False,
) -> RequestSpec[T]:
    """Assemble a spec; ``idempotent`` adds a fresh ``Idempotency-Key`` unless one is given."""
    headers = dict(options.extra_headers or {})
    if idempotent and not _has_header(headers, IDEMPOTENCY_HEADER):
        headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
    return RequestSpec(
        method=method,
        path=path,
        cast_to=cast_to,
        query={**_given(query), **(options.extra_query or {})},
        body=_merge_body(body, options.extra_body),
        headers=headers,
        timeout=options.timeout,
    )


def to_json(value: object) -> object:
    """Make ``value`` JSON-ready; models are written by alias with unset fields left out."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _given(values: Mapping[str, object] | None) -> dict[str, Any]:
    return {k: v for k, v in (values or {}).items() if not isinstance(v, NotGiven)}


def _merge_body(body: Mapping[str, object] | None, extra: Body | None) -> dict[str, Any] | None:
    if body is None and extra is None:
        return None
    merged = {**_given(body), **(extra or {})}
    return {key: to_json(value) for key, value in merged.items()}


def _has_header(headers: Mapping[str, str], name: str) -> bool:
    return any(key.lower() == name.lower() for key in headers)
