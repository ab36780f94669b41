"""What a request may carry: JSON body models and their limits, query parameters, path ids.

The body models serve the OpenAPI document and the handlers. They are filled by
:func:`omni_server.api.validation.parse_body`, never by pydantic parsing a body: the
contract's error texts are serde's, so a body is read by a serde emulation driven by these
very annotations (field order, required fields, integer widths), and pydantic only receives
values that already passed. Required fields are declared in the order the Rust structs
report a missing one (the official schema lists ``required`` in that order, e.g.
``account_id`` before ``type``).

The contract's limits that types cannot express (context size and shape, feedback scores)
are here as plain checks, run after a body is read. So are the scalar formats a request
carries, each refused in the words of the Rust component that reads it in the reference
server: query integers (axum's ``Query``, Rust's integer parsing), path ids (axum's
``Path``) and timestamps (chrono).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Annotated, Any, Final
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from omni_server.domain.errors import InvalidRequest
from omni_server.domain.ids import isoformat

QUERY_PREFIX: Final = "Failed to deserialize query string: "
PAGE_SIZE_RULE: Final = "page_size: must be between 1 and 100"


@dataclass(frozen=True)
class RustInt:
    """The Rust integer type behind a field: bounds, and the name serde's messages use."""

    name: str
    min: int
    max: int


I64 = Annotated[
    int, RustInt("i64", -(2**63), 2**63 - 1), Field(json_schema_extra={"format": "int64"})
]
"""A signed 64-bit integer; a JSON number with a fraction or exponent is refused."""

I32 = Annotated[
    int, RustInt("i32", -(2**31), 2**31 - 1), Field(json_schema_extra={"format": "int32"})
]
"""A signed 32-bit integer, likewise."""


class ConversationMode(StrEnum):
    """Thread creation mode: answer a prompt, or research a target at length."""

    INSTANT = "instant"
    DEEP_INSIGHTS = "deep_insights"


class Capability(StrEnum):
    """A structured action the client can render; the assistant only emits declared ones."""

    PREFILL_ORDER = "PREFILL_ORDER"
    OPEN_CHART = "OPEN_CHART"
    OPEN_SCREENER = "OPEN_SCREENER"
    OPEN_ENTITLEMENT_CONSENT = "OPEN_ENTITLEMENT_CONSENT"


class DeepInsightsTargetType(StrEnum):
    """What a deep-insights target names; only tickers exist."""

    TICKER = "ticker"


class EntitlementCode(StrEnum):
    """A stable entitlement code granted by an agreement."""

    OMNI_ACCOUNT_DATA = "omni.account_data"


class RequestModel(BaseModel):
    """Base of request bodies: unknown fields are ignored, as serde does by default."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class DeepInsightsTarget(RequestModel):
    """What a `deep_insights` thread researches."""

    type: DeepInsightsTargetType = Field(description="Kind of target; only `ticker` exists.")
    ticker: str = Field(description="The ticker symbol to research, e.g. `NVDA`.")


class ContextItem(RequestModel):
    """One client snapshot (widget data, selections) attached to a user message."""

    data: dict[str, Any] = Field(
        description="Snapshot data, nested at most 32 levels; prefer strings for exact "
        "decimals and large ids."
    )
    kind: str = Field(min_length=1, description="Free-form, non-blank category of the snapshot.")
    label: str = Field(min_length=1, description="Non-blank label shown with the attachment.")
    captured_at: datetime | None = Field(
        default=None, description="When the client captured it (RFC 3339); omit if unknown."
    )


class TurnContext(RequestModel):
    """Snapshots for one user message: informative only, they never grant account access."""

    items: list[ContextItem] = Field(
        min_length=1,
        max_length=4,
        description="One to four snapshots; the whole context is at most 64 KiB as compact JSON.",
    )


class CreateThreadRequest(RequestModel):
    """Create a thread and submit its first turn."""

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"account_id": 4201, "type": "instant", "text": "How did AAPL do today?"}
        }
    )

    account_id: I64 = Field(description="Trading account the thread belongs to.")
    type: ConversationMode = Field(description="`instant` or `deep_insights`.")
    capabilities: list[Capability] | None = Field(
        default=None, description="Structured actions the client can render."
    )
    text: str | None = Field(default=None, description="The prompt; required for `instant`.")
    target: DeepInsightsTarget | None = Field(
        default=None, description="What to research; required for `deep_insights`."
    )
    thesis: str | None = Field(
        default=None, description="Optional research thesis for `deep_insights`."
    )
    context: TurnContext | None = Field(
        default=None, description="Snapshots attached to the first message; omit for none."
    )


class CreateMessageRequest(RequestModel):
    """Continue a thread with a user message."""

    model_config = ConfigDict(
        json_schema_extra={"example": {"account_id": 4201, "text": "And compared to MSFT?"}}
    )

    account_id: I64 = Field(description="Trading account the thread belongs to.")
    text: str = Field(description="The user's message.")
    capabilities: list[Capability] | None = Field(
        default=None, description="Structured actions the client can render."
    )
    context: TurnContext | None = Field(
        default=None,
        description="Snapshots attached to this message; omitting it keeps earlier ones.",
    )


class CreateFeedbackRequest(RequestModel):
    """Rate a finalized assistant message."""

    account_id: I64 = Field(description="Trading account the message belongs to.")
    score: I32 = Field(
        ge=-1, le=5, description="Feedback score: -1, 0 or +1 (thumbs), or 1 to 5 (stars)."
    )
    comment: str | None = Field(default=None, description="Optional feedback comment.")
    metadata: dict[str, Any] | None = Field(default=None, description="Optional metadata.")


class CreateEntitlementsRequest(RequestModel):
    """Record consent to an agreement and grant its entitlements to accounts."""

    agreement_id: str = Field(description="The agreement being signed.")
    entitlement_codes: list[EntitlementCode] = Field(
        description="Codes to grant; they must belong to the agreement."
    )
    account_ids: list[I64] = Field(description="Accounts to grant them to.")


class OptOutEntitlementsRequest(RequestModel):
    """Turn entitlements off for accounts (idempotent)."""

    account_ids: list[I64] = Field(description="Accounts to opt out.")
    entitlement_codes: list[EntitlementCode] = Field(description="Codes to turn off.")


# -- limits beyond types ----------------------------------------------------------------

CONTEXT_MAX_ITEMS: Final = 4
CONTEXT_MAX_BYTES: Final = 64 * 1024
CONTEXT_MAX_DEPTH: Final = 32
FEEDBACK_SCORES: Final = frozenset({-1, 0, 1, 2, 3, 4, 5})


class LimitBroken(ValueError):
    """A read body breaks a contract limit; the message names the field and the rule."""


def check_score(score: int) -> None:
    """Feedback is thumbs (-1, 0, +1) or stars (1 to 5)."""
    if score not in FEEDBACK_SCORES:
        raise LimitBroken("score: must be -1, 0, +1 or 1 to 5")


def check_context(context: Mapping[str, Any], max_bytes: int = CONTEXT_MAX_BYTES) -> None:
    """Apply the contract's context rules to a read ``TurnContext`` (plain values).

    1 to 4 items; each ``kind`` and ``label`` not blank; each ``data`` nested at most 32
    levels (an object holding only scalars is one level); the whole context at most 64 KiB
    as compact JSON. Raises :class:`LimitBroken` naming the first rule broken.
    """
    items = context["items"]
    if not 1 <= len(items) <= CONTEXT_MAX_ITEMS:
        raise LimitBroken(f"context.items: must contain 1 to {CONTEXT_MAX_ITEMS} items")
    for index, item in enumerate(items):
        where = f"context.items[{index}]"
        for name in ("kind", "label"):
            if not item[name].strip():
                raise LimitBroken(f"{where}.{name}: must not be blank")
        if nesting_depth(item["data"]) > CONTEXT_MAX_DEPTH:
            raise LimitBroken(f"{where}.data: nested deeper than {CONTEXT_MAX_DEPTH} levels")
    if compact_json_size(context) > max_bytes:
        raise LimitBroken(f"context: compact JSON must be at most {max_bytes} bytes")


def nesting_depth(value: Any) -> int:
    """Levels of arrays and objects in ``value`` (0 for a scalar), level by level."""
    depth = 0
    level = [value] if isinstance(value, dict | list) else []
    while level:
        depth += 1
        below: list[Any] = []
        for container in level:
            children = container.values() if isinstance(container, dict) else container
            below += [child for child in children if type(child) in _CONTAINERS]
        level = below
    return depth


_CONTAINERS: Final = (dict, list)


def compact_json_size(context: Mapping[str, Any]) -> int:
    """Bytes of the context as compact UTF-8 JSON, the measure clients are told about.

    ``captured_at`` counts in the form the server stores and serves back (``isoformat``).
    """
    items = [{**item, "captured_at": item.get("captured_at")} for item in context["items"]]
    for item in items:
        if item["captured_at"] is None:
            del item["captured_at"]
        else:
            item["captured_at"] = isoformat(item["captured_at"])
    text = json.dumps({"items": items}, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8"))


# -- query strings ------------------------------------------------------------------------


def rust_int_error(text: str, *, bits: int = 64) -> str | None:
    """Rust's ``ParseIntError`` text for ``text`` read as a signed integer, or ``None``.

    Like ``str::parse::<i64>``: an optional ``+`` or ``-``, then ASCII digits only (no
    spaces, underscores or fractions); problems are reported in reading order.
    """
    if not text:
        return "cannot parse integer from empty string"
    negative = text[0] == "-"
    digits = text[1:] if text[0] in "+-" else text
    limit = 2 ** (bits - 1) - (0 if negative else 1)
    if not digits:
        return "invalid digit found in string"
    value = 0
    for char in digits:
        if not "0" <= char <= "9":
            return "invalid digit found in string"
        value = value * 10 + ord(char) - 48
        if value > limit:
            side = "small" if negative else "large"
            return f"number too {side} to fit in target type"
    return None


def query_error(field: str, kind: str, value: str | None = None) -> InvalidRequest:
    """The contract's refusal of one query parameter.

    ``kind`` is ``"missing"``, ``"duplicate"``, or anything else for a value that was given
    (pydantic error types such as ``int_parsing`` or ``less_than_equal`` are fine): the text
    then comes from reading ``value`` as a Rust ``i64``, and for ``page_size`` a readable
    value outside 1..100 gives the range rule.
    """
    if kind == "missing" or (value is None and kind != "duplicate"):
        return InvalidRequest(f"{QUERY_PREFIX}missing field `{field}`")
    if kind == "duplicate":
        return InvalidRequest(f"{QUERY_PREFIX}duplicate field `{field}`")
    problem = rust_int_error(value or "")
    if problem is None:
        problem = PAGE_SIZE_RULE if field == "page_size" else f"{field}: invalid value"
    return InvalidRequest(QUERY_PREFIX + problem)


def parse_query_int(field: str, value: str | None) -> int:
    """Read a required ``i64`` query parameter as axum's ``Query`` would, or refuse it."""
    if value is None:
        raise query_error(field, "missing")
    if rust_int_error(value) is not None:
        raise query_error(field, "invalid", value)
    return int(value)


def parse_page_size(value: str | None, *, default: int = 100) -> int:
    """Read ``page_size`` (default 100): an ``i64`` first, then the 1..100 rule."""
    if value is None:
        return default
    size = parse_query_int("page_size", value)
    if not 1 <= size <= 100:
        raise InvalidRequest(QUERY_PREFIX + PAGE_SIZE_RULE)
    return size


def query_error_from_validation(errors: Iterable[Mapping[str, Any]]) -> InvalidRequest | None:
    """Translate FastAPI's ``RequestValidationError.errors()`` for path and query parameters.

    Precedence follows the Rust server: a bad path id, then a query value that does not
    parse, then a missing parameter, then the ``page_size`` range rule. Returns ``None``
    when no error concerns the path or the query. FastAPI's integer parsing is laxer than
    Rust's (it accepts ``" 5"`` and ``"1.0"``), so prefer :func:`parse_query_int` on the raw
    string where exactness matters.
    """
    ranked: list[tuple[int, InvalidRequest]] = []
    for error in errors:
        loc = tuple(error.get("loc") or ())
        if len(loc) < 2 or loc[0] not in ("path", "query"):
            continue
        name, value = str(loc[-1]), error.get("input")
        text = value if isinstance(value, str) else None
        if loc[0] == "path":
            ranked.append((0, invalid_path_param(name, "" if text is None else text)))
            continue
        refusal = query_error(name, str(error.get("type", "")), text)
        ranked.append((_query_rank(refusal), refusal))
    return min(ranked, key=lambda pair: pair[0])[1] if ranked else None


def _query_rank(refusal: InvalidRequest) -> int:
    if refusal.message.endswith(PAGE_SIZE_RULE):
        return 3
    return 2 if refusal.message.startswith(QUERY_PREFIX + "missing field") else 1


# -- path parameters ----------------------------------------------------------------------

_UUID_FORMS: Final = re.compile(
    r"(?:urn:uuid:)?(?P<h>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})|\{(?P<b>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12})\}|(?P<s>[0-9a-fA-F]{32})"
)


def invalid_path_param(name: str, value: str, type_name: str = "Uuid") -> InvalidRequest:
    """The contract's refusal of a path parameter that does not parse (400 ``Invalid URL``)."""
    return InvalidRequest(
        f"Invalid URL: Cannot parse `{name}` with value `{value}` to a `{type_name}`"
    )


def parse_path_uuid(name: str, value: str) -> UUID:
    """Read a path id in the forms Rust's ``uuid`` crate accepts, or refuse it.

    Hyphenated, simple (32 hex digits), braced and ``urn:uuid:`` forms are accepted;
    Python's ``UUID()`` alone would also take hyphens in odd places.
    """
    match = _UUID_FORMS.fullmatch(value)
    if match is None:
        raise invalid_path_param(name, value)
    return UUID(match.group("h") or match.group("b") or match.group("s"))


# -- RFC 3339, as chrono reads it ----------------------------------------------------------

_TOO_SHORT: Final = "premature end of input"
_INVALID: Final = "input contains invalid characters"
_TOO_LONG: Final = "trailing input"
_OUT_OF_RANGE: Final = "input is out of range"


def parse_rfc3339(text: str) -> datetime:
    """Read an RFC 3339 timestamp as chrono's ``DateTime::from_str`` does, into UTC.

    Raises ``ValueError`` with chrono's words (``premature end of input``, ``input contains
    invalid characters``, ``trailing input``, ``input is out of range``). The ``T`` may be
    ``t`` or a space, the offset ``Z``, ``z``, ``+hh:mm`` or ``+hhmm``; digits of a fraction
    beyond microseconds are dropped.
    """
    index = _expect(text, 0, "0000-00-00T00:00:00")
    micros = 0
    if text[index : index + 1] == ".":
        end = index + 1
        while text[end : end + 1].isascii() and text[end : end + 1].isdigit():
            end += 1
        _expect(text, index + 1, "0")  # at least one digit
        micros, index = int(text[index + 1 : end][:6].ljust(6, "0")), end
    offset, index = _offset(text, index)
    if text[index:].strip():
        raise ValueError(_TOO_LONG)
    year, month, day, hour, minute, second = (
        int(text[a:b]) for a, b in ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19))
    )
    try:
        zone = timezone(timedelta(minutes=offset))
        moment = datetime(year, month, day, hour, minute, second, micros, tzinfo=zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(_OUT_OF_RANGE) from None


def _expect(text: str, start: int, shape: str) -> int:
    """Check ``text`` from ``start`` against ``shape`` (``0``: a digit, ``T``: a separator)."""
    for index, expected in enumerate(shape, start):
        if index >= len(text):
            raise ValueError(_TOO_SHORT)
        char = text[index]
        if expected == "0":
            valid = "0" <= char <= "9"
        else:
            valid = char in "Tt " if expected == "T" else char == expected
        if not valid:
            raise ValueError(_INVALID)
    return start + len(shape)


def _offset(text: str, index: int) -> tuple[int, int]:
    """The UTC offset in minutes, and the index after it."""
    sign = text[index : index + 1]
    if sign in ("Z", "z"):
        return 0, index + 1
    if sign not in ("+", "-"):
        raise ValueError(_INVALID if sign else _TOO_SHORT)
    shape = "00:00" if text[index + 3 : index + 4] == ":" else "0000"
    end = _expect(text, index + 1, shape)
    hours, minutes = int(text[index + 1 : index + 3]), int(text[end - 2 : end])
    if hours >= 24 or minutes >= 60:
        raise ValueError(_OUT_OF_RANGE)
    return (-1 if sign == "-" else 1) * (hours * 60 + minutes), end
