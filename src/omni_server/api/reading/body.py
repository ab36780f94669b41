"""Reading a JSON body into a request model, with the contract's exact error texts.

:func:`parse_body` refuses malformed JSON with ``InvalidRequest`` (400) "Failed to parse the
request body as JSON: ..." and valid JSON of the wrong shape, or a broken limit, with
``InvalidBody`` (422) "Failed to deserialize the JSON body into the target type: ...", as the
Rust reference server (axum, serde_json, serde_path_to_error) words them.

The body is read once, by serde's rules: :mod:`omni_server.api.reading.syntax` is the JSON text
side (serde_json's ``Deserializer``), and this module the type side (``Deserialize``), one
reader per kind of annotation, derived from the request model. So the first problem in
reading order is the one reported, with serde's path prefix and position; unknown fields
are skipped; nothing is coerced. Two deliberate departures from serde, both refusals of odd
forms its derive would accept: a struct given as an array (``invalid type: sequence,
expected struct X``), and an enum given as anything but a string (``invalid type: ...,
expected `a` or `b```, a 422 where serde says ``expected value`` with a 400). Limits that
serde's types cannot express (context size, feedback scores) are checked after reading.

The request models and the query/path helpers are re-exported for the routes' convenience.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Final, Protocol, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from omni_server.api.reading.limits import BodyLimits, check_fields
from omni_server.api.reading.models import (
    PAGE_SIZE_RULE,
    QUERY_PREFIX,
    Capability,
    ContextItem,
    ConversationMode,
    CreateEntitlementsRequest,
    CreateFeedbackRequest,
    CreateMessageRequest,
    CreateThreadRequest,
    DeepInsightsTarget,
    DeepInsightsTargetType,
    EntitlementCode,
    LimitBroken,
    OptOutEntitlementsRequest,
    RustInt,
    TurnContext,
    check_context,
    check_score,
    compact_json_size,
    invalid_path_param,
    nesting_depth,
    parse_page_size,
    parse_path_uuid,
    parse_query_int,
    parse_rfc3339,
    query_error,
    query_error_from_validation,
    rust_int_error,
)
from omni_server.api.reading.syntax import (
    EOF_LIST,
    EOF_OBJECT,
    EXPECTED_LIST_COMMA_OR_END,
    EXPECTED_OBJECT_COMMA_OR_END,
    EXPECTED_VALUE,
    I64_MIN,
    KEY_MUST_BE_A_STRING,
    LITERALS,
    U64_MAX,
    Path,
    Reader,
    SerdeError,
    data_error,
    describe_number,
    duplicate_field,
    invalid_type,
    invalid_value,
    missing_field,
    one_of,
    unknown_variant,
)
from omni_server.domain.errors import InvalidBody, InvalidRequest

__all__ = [
    "BODY_SYNTAX_PREFIX",
    "BODY_TYPE_PREFIX",
    "PAGE_SIZE_RULE",
    "QUERY_PREFIX",
    "Capability",
    "ContextItem",
    "ConversationMode",
    "CreateEntitlementsRequest",
    "CreateFeedbackRequest",
    "CreateMessageRequest",
    "CreateThreadRequest",
    "DeepInsightsTarget",
    "DeepInsightsTargetType",
    "EntitlementCode",
    "OptOutEntitlementsRequest",
    "TurnContext",
    "check_context",
    "check_score",
    "compact_json_size",
    "invalid_path_param",
    "nesting_depth",
    "parse_body",
    "parse_page_size",
    "parse_path_uuid",
    "parse_query_int",
    "parse_rfc3339",
    "query_error",
    "query_error_from_validation",
    "rust_int_error",
    "struct_of",
]

M = TypeVar("M", bound=BaseModel)

DEFAULT_LIMITS: Final = BodyLimits()
BODY_SYNTAX_PREFIX: Final = "Failed to parse the request body as JSON: "
BODY_TYPE_PREFIX: Final = "Failed to deserialize the JSON body into the target type: "


# -- bodies -------------------------------------------------------------------------------


def parse_body(raw: bytes, model: type[M], limits: BodyLimits = DEFAULT_LIMITS) -> M:
    """Read a JSON body into ``model`` or refuse it with the contract's text.

    Raises ``InvalidRequest`` for malformed JSON (including trailing characters and
    non-UTF-8 strings) and ``InvalidBody`` for a wrong shape or a broken limit. Unknown
    fields are ignored; integers must be JSON integers that fit the Rust type; nothing is
    coerced. ``limits`` bounds the fields' sizes. It raises nothing else, whatever the bytes.
    """
    reader = Reader(bytes(raw))
    try:
        values = read_value(struct_of(model), reader, ())
        reader.end()
    except SerdeError as err:
        raise _rejection(err) from None
    except RecursionError:  # only if the caller's stack is already deep
        raise InvalidRequest(BODY_SYNTAX_PREFIX + "recursion limit exceeded") from None
    _check_limits(model, values, limits)
    try:
        return model.model_validate(values)
    except ValidationError as exc:  # pragma: no cover - the reader accepts only valid values
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise InvalidBody(f"{BODY_TYPE_PREFIX}{where}: {problem['msg']}") from None


def _rejection(err: SerdeError) -> InvalidRequest | InvalidBody:
    if err.syntax:
        return InvalidRequest(BODY_SYNTAX_PREFIX + err.render())
    return InvalidBody(BODY_TYPE_PREFIX + err.render())


def _check_limits(model: type[BaseModel], values: dict[str, Any], limits: BodyLimits) -> None:
    """The limits serde's types cannot express, checked after a successful read."""
    fields = model.model_fields
    try:
        if "context" in fields and values.get("context") is not None:
            check_context(values["context"], limits.context_bytes)
        check_fields(values, limits)
        if "score" in fields:
            check_score(values["score"])
    except LimitBroken as broken:
        raise InvalidBody(BODY_TYPE_PREFIX + str(broken)) from None


# -- how serde reads each part ----------------------------------------------------------

_OPEN_LIST, _CLOSE_LIST, _OPEN_MAP, _CLOSE_MAP, _COMMA = b"[]{},"


class Node(Protocol):
    """How one annotation is read: serde's ``Deserialize`` for that type."""

    def read(self, reader: Reader, path: Path) -> Any: ...


def read_value(node: Node, reader: Reader, path: Path) -> Any:
    """Read with ``node``, recording ``path`` on errors not placed deeper already."""
    try:
        return node.read(reader, path)
    except SerdeError as err:
        err.trigger(path)
        raise


@dataclass(frozen=True)
class IntNode:
    rust: RustInt

    def read(self, reader: Reader, path: Path) -> int:
        reader.start_value()
        number = reader.read_number()
        if number is None:
            raise reader.peek_invalid_type(self.rust.name)
        if isinstance(number, float):
            raise invalid_type(describe_number(number), self.rust.name).at(reader.position())
        if not self.rust.min <= number <= self.rust.max:
            raise invalid_value(describe_number(number), self.rust.name).at(reader.position())
        return number


@dataclass(frozen=True)
class StrNode:
    def read(self, reader: Reader, path: Path) -> str:
        reader.start_value()
        text = reader.read_string()
        if text is None:
            raise reader.peek_invalid_type("a string")
        return text


@dataclass(frozen=True)
class EnumNode:
    variants: tuple[str, ...]

    def read(self, reader: Reader, path: Path) -> str:
        reader.start_value()
        text = reader.read_string()
        if text is None:
            raise reader.peek_invalid_type(one_of(self.variants))
        if text not in self.variants:
            raise unknown_variant(text, self.variants).at(reader.position())
        return text


@dataclass(frozen=True)
class DateTimeNode:
    """chrono's ``DateTime<Utc>``: an RFC 3339 string, in chrono's words when it is not."""

    def read(self, reader: Reader, path: Path) -> datetime:
        reader.start_value()
        text = reader.read_string()
        if text is None:
            raise reader.peek_invalid_type("an RFC 3339 formatted date and time string")
        try:
            return parse_rfc3339(text)
        except ValueError as exc:
            raise data_error(str(exc)).at(reader.position()) from None


@dataclass(frozen=True)
class OptionNode:
    inner: Node

    def read(self, reader: Reader, path: Path) -> Any:
        return None if reader.read_null() else self.inner.read(reader, path)


@dataclass(frozen=True)
class SeqNode:
    item: Node

    def read(self, reader: Reader, path: Path) -> list[Any]:
        if reader.start_value() != _OPEN_LIST:
            raise reader.peek_invalid_type("a sequence")
        reader.open()
        items: list[Any] = []
        while reader.has_next_element(not items):
            items.append(read_value(self.item, reader, (*path, len(items))))
        reader.close()
        return items


@dataclass(frozen=True)
class MapNode:
    """``serde_json::Map<String, Value>``: any object; a repeated key keeps its last value."""

    def read(self, reader: Reader, path: Path) -> dict[str, Any]:
        if reader.start_value() != _OPEN_MAP:
            raise reader.peek_invalid_type("a map")
        quick = _read_map_quickly(reader)
        return read_map(reader, path) if quick is None else quick


def _read_map_quickly(reader: Reader) -> dict[str, Any] | None:
    """Read an untyped object with the C ``json`` scanner when serde would read it alike.

    Reading byte by byte costs about 0.4 ms per KiB, which matters for 64 KiB contexts.
    The C scanner is used only when its result is provably serde's: hooks refuse what serde
    refuses (``NaN``, infinite floats) and convert what serde converts (``-0`` and integers
    beyond 64 bits become floats); surrogate escapes and deep nesting, where the two differ,
    are left to the exact reader, as is any failure (which it then words).
    """
    located = reader.text_here()
    if located is None:
        return None
    text, start = located
    try:
        value, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    if _SURROGATE_ESCAPE.search(text, start, end) or nesting_depth(value) >= reader.remaining_depth:
        return None
    reader.skip_text(text, start, end)
    result: dict[str, Any] = value
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(text)
    return value


def _serde_int(text: str) -> int | float:
    value = int(text)
    if not I64_MIN <= value <= U64_MAX:
        return _finite_float(text)
    return -0.0 if text == "-0" else value


def _refuse_constant(text: str) -> Any:
    raise ValueError(text)


_DECODER: Final = json.JSONDecoder(
    parse_float=_finite_float, parse_int=_serde_int, parse_constant=_refuse_constant
)
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SKIPPER: Final = json.JSONDecoder(parse_constant=_refuse_constant)


@dataclass(frozen=True)
class StructNode:
    """A derived struct: fields by name, unknown ones skipped, missing ones refused."""

    name: str
    fields: tuple[tuple[str, Node, bool], ...]  # (name, reader, required) in declaration order

    def read(self, reader: Reader, path: Path) -> dict[str, Any]:
        if reader.start_value() != _OPEN_MAP:
            raise reader.peek_invalid_type(f"struct {self.name}")
        reader.open()
        values: dict[str, Any] = {}
        nodes = {name: node for name, node, _ in self.fields}
        first = True
        while (key := reader.next_key(first, path)) is not None:
            first = False
            node = nodes.get(key)
            if node is None:
                reader.parse_object_colon()
                skip_value(reader, (*path, key))
                continue
            if key in values:  # serde checks before the colon and reports after blanks
                reader.skip_ws()
                raise duplicate_field(key).at(reader.position())
            reader.parse_object_colon()
            values[key] = read_value(node, reader, (*path, key))
        reader.close()
        return self._complete(values, reader)

    def _complete(self, values: dict[str, Any], reader: Reader) -> dict[str, Any]:
        """Refuse the first missing required field, at the position after the ``}``."""
        for name, _, required in self.fields:
            if name not in values:
                if required:
                    raise missing_field(name).at(reader.position())
                values[name] = None
        return values


@cache
def struct_of(model: type[BaseModel]) -> StructNode:
    """The serde reading of ``model``, derived once from its annotations."""
    fields = tuple(
        (name, _node_for(info.annotation, info.metadata), info.is_required())
        for name, info in model.model_fields.items()
    )
    return StructNode(model.__name__, fields)


def _node_for(annotation: Any, metadata: Sequence[Any] = ()) -> Node:
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *extra = get_args(annotation)
        return _node_for(base, (*metadata, *extra))
    if origin in (Union, UnionType):
        (inner,) = (arg for arg in get_args(annotation) if arg is not NoneType)
        return OptionNode(_node_for(inner, metadata))
    if origin is list:
        return SeqNode(_node_for(get_args(annotation)[0]))
    if origin is dict:
        return MapNode()
    return _leaf_for(annotation, metadata)


def _leaf_for(annotation: Any, metadata: Sequence[Any]) -> Node:
    if annotation is int:
        (rust,) = (item for item in metadata if isinstance(item, RustInt))
        return IntNode(rust)
    if annotation is str:
        return StrNode()
    if annotation is datetime:
        return DateTimeNode()
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return EnumNode(tuple(member.value for member in annotation))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return struct_of(annotation)
    raise TypeError(f"no serde reading for {annotation!r}")


# -- untyped values and skipped fields ---------------------------------------------------


def read_any(reader: Reader, path: Path) -> Any:
    """Read any JSON value as Python data (``serde_json::Value``)."""
    try:
        return _read_any(reader, path)
    except SerdeError as err:
        err.trigger(path)
        raise


def _read_any(reader: Reader, path: Path) -> Any:
    byte = reader.start_value()
    literal = LITERALS.get(byte)
    if literal is not None:
        reader.eat()
        reader.parse_ident(literal[0])
        return literal[1]
    text = reader.read_string()
    if text is not None:
        return text
    number = reader.read_number()
    if number is not None:
        return number
    if byte == _OPEN_LIST:
        reader.open()
        items: list[Any] = []
        while reader.has_next_element(not items):
            items.append(read_any(reader, (*path, len(items))))
        reader.close()
        return items
    if byte == _OPEN_MAP:
        return read_map(reader, path)
    raise reader.peek_error(EXPECTED_VALUE)


def read_map(reader: Reader, path: Path) -> dict[str, Any]:
    """Read an object of untyped values; the reader is at its ``{``."""
    reader.open()
    out: dict[str, Any] = {}
    first = True
    while (key := reader.next_key(first, path)) is not None:
        first = False
        reader.parse_object_colon()
        out[key] = read_any(reader, (*path, key))
    reader.close()
    return out


def skip_value(reader: Reader, path: Path) -> None:
    """Skip an unknown field's value: serde's ``ignore_value``, iterative and unlimited.

    serde skips with its own error choices: ``[1,]`` inside an unknown field is ``expected
    value`` rather than ``trailing comma``, and depth is not limited.
    """
    if _skip_quickly(reader):
        return
    try:
        _skip(reader)
    except SerdeError as err:
        err.trigger(path)
        raise


def _skip_quickly(reader: Reader) -> bool:
    """Skip with the C ``json`` scanner when serde would accept the value too.

    serde's skipping accepts any valid JSON except ``NaN``-like names and lone surrogate
    escapes (numbers are not range-checked, depth is not limited); anything else, and any
    failure, goes to the exact reader.
    """
    reader.skip_ws()
    located = reader.text_here()
    if located is None:
        return False
    text, start = located
    try:
        _, end = _SKIPPER.raw_decode(text, start)
    except (ValueError, RecursionError):
        return False
    if _SURROGATE_ESCAPE.search(text, start, end):
        return False
    reader.skip_text(text, start, end)
    return True


def _skip(reader: Reader) -> None:
    stack: list[int] = []  # enclosing containers, outermost first
    enclosing: int | None = None
    while True:
        opened = _skip_item(reader)
        if opened is not None:
            if enclosing is not None:
                stack.append(enclosing)
            frame, accept_comma = opened, False
        elif enclosing is not None:
            frame, accept_comma = enclosing, True
        elif stack:
            frame, accept_comma = stack.pop(), True
        else:
            return
        following = _skip_closing(reader, frame, accept_comma, stack)
        if following is None:
            return
        if following == _OPEN_MAP:
            _skip_key(reader)
        enclosing = following


def _skip_item(reader: Reader) -> int | None:
    """Skip a scalar (``None``) or open a container (its bracket)."""
    byte = reader.start_value()
    literal = LITERALS.get(byte)
    if literal is not None:
        reader.eat()
        reader.parse_ident(literal[0])
    elif byte == ord("-") or ord("0") <= byte <= ord("9"):
        if byte == ord("-"):
            reader.eat()
        reader.ignore_number()
    elif byte == ord('"'):
        reader.eat()
        reader.ignore_str()
    elif byte in (_OPEN_LIST, _OPEN_MAP):
        reader.eat()
        return byte
    else:
        raise reader.peek_error(EXPECTED_VALUE)
    return None


def _skip_closing(reader: Reader, frame: int, accept_comma: bool, stack: list[int]) -> int | None:
    """After an item, close finished containers; return the one whose next item follows."""
    while True:
        byte = reader.skip_ws()
        if byte == _COMMA and accept_comma:
            reader.eat()
            return frame
        if (frame, byte) in ((_OPEN_LIST, _CLOSE_LIST), (_OPEN_MAP, _CLOSE_MAP)):
            reader.eat()
            if not stack:
                return None
            frame, accept_comma = stack.pop(), True
            continue
        in_list = frame == _OPEN_LIST
        if byte is None:
            raise reader.peek_error(EOF_LIST if in_list else EOF_OBJECT)
        if accept_comma:
            expected = EXPECTED_LIST_COMMA_OR_END if in_list else EXPECTED_OBJECT_COMMA_OR_END
            raise reader.peek_error(expected)
        return frame


def _skip_key(reader: Reader) -> None:
    byte = reader.skip_ws()
    if byte is None:
        raise reader.peek_error(EOF_OBJECT)
    if byte != ord('"'):
        raise reader.peek_error(KEY_MUST_BE_A_STRING)
    reader.eat()
    reader.ignore_str()
    reader.parse_object_colon()
