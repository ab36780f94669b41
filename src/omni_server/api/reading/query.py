"""Query strings read as axum's ``Query`` (a serde struct over ``serde_urlencoded``) reads them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from omni_server.api.requests import (
    PAGE_SIZE_RULE,
    QUERY_PREFIX,
    parse_query_int,
    query_error,
)
from omni_server.domain.errors import InvalidRequest


@dataclass(frozen=True)
class Field:
    name: str
    parse: Callable[[str], Any]
    required: bool = False
    default: Any = None


def parse_query(raw: str, fields: Sequence[Field]) -> dict[str, Any]:
    known = {field.name: field for field in fields}
    values: dict[str, Any] = {}
    if raw:
        for pair in raw.split("&"):
            if not pair:
                continue
            name, _, value = pair.partition("=")
            name = unquote_plus(name)
            field = known.get(name)
            if field is None:
                continue
            if name in values:
                raise query_error(name, "duplicate")
            values[name] = field.parse(unquote_plus(value))
    for field in fields:
        if field.name not in values:
            if field.required:
                raise query_error(field.name, "missing")
            values[field.name] = field.default
    return values


def _i64(name: str) -> Callable[[str], int]:
    return lambda text: parse_query_int(name, text)


def _page_size(text: str) -> int:
    size = parse_query_int("page_size", text)
    if not 1 <= size <= 100:
        raise InvalidRequest(QUERY_PREFIX + PAGE_SIZE_RULE)
    return size


ACCOUNT_ID = Field("account_id", _i64("account_id"), required=True)
OPTIONAL_ACCOUNT_ID = Field("account_id", _i64("account_id"))
PAGE_SIZE = Field("page_size", _page_size, default=100)
PAGE_TOKEN = Field("page_token", str)
