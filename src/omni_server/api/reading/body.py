"""Reading a JSON body into a request model, with the contract's exact error texts.

:func:`parse_body` refuses malformed JSON with ``InvalidRequest`` (400) "Failed to parse the
request body as JSON: ..." and valid JSON of the wrong shape, or a broken limit, with
``InvalidBody`` (422) "Failed to deserialize the JSON body into the target type: ...", as the
Rust reference server (axum, serde_json, serde_path_to_error) words them.

The body is read once, by serde's rules: :mod:`.syntax` is the JSON text side (serde_json's
``Deserializer``), and this module the type side (``Deserialize``), one node per kind of
annotation, derived from the request model (:mod:`.models`); untyped maps and skipped
fields are read by :mod:`.untyped`. So the first problem in reading order is the one
reported, with serde's path prefix and position; unknown fields are skipped; nothing is
coerced. Two deliberate departures from serde, both refusals of odd forms its derive would
accept: a struct given as an array (``invalid type: sequence, expected struct X``), and an
enum given as anything but a string (``invalid type: ..., expected `a` or `b```, a 422
where serde says ``expected value`` with a 400). Limits that serde's types cannot express
(:mod:`.limits`) are checked after reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from types import NoneType, UnionType
from typing import Annotated, Any, Final, Protocol, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from omni_server.api.reading.limits import DEFAULT_LIMITS, BodyLimits, LimitBroken, check_body
from omni_server.api.reading.models import RustInt
from omni_server.api.reading.syntax import Path, Reader, SerdeError, data_error
from omni_server.api.reading.texts import (
    describe_number,
    duplicate_field,
    invalid_type,
    invalid_value,
    missing_field,
    one_of,
    unknown_variant,
)
from omni_server.api.reading.timestamps import parse_rfc3339
from omni_server.api.reading.untyped import read_map, read_map_quickly, skip_value
from omni_server.domain.errors import InvalidBody, InvalidRequest

M = TypeVar("M", bound=BaseModel)

BODY_SYNTAX_PREFIX: Final = "Failed to parse the request body as JSON: "
BODY_TYPE_PREFIX: Final = "Failed to deserialize the JSON body into the target type: "


def parse_body(raw: bytes, model: type[M], limits: BodyLimits = DEFAULT_LIMITS) -> M:
    """Read a JSON body into ``model`` or refuse it with the contract's text.

    Raises ``InvalidRequest`` for malformed JSON (including trailing characters and
    non-UTF-8 strings) and ``InvalidBody`` for a wrong shape or a broken limit. Unknown
    fields are ignored; integers must be JSON integers that fit the Rust type; nothing is
    coerced. ``limits`` bounds the fields' sizes. It raises nothing else, whatever the bytes,
    and is linear in their number.
    """
    reader = Reader(bytes(raw))
    try:
        values = read_value(struct_of(model), reader, ())
        reader.end()
    except SerdeError as err:
        raise _rejection(err) from None
    except RecursionError:  # only if the caller's stack is already deep
        raise InvalidRequest(BODY_SYNTAX_PREFIX + "recursion limit exceeded") from None
    try:
        check_body(model.model_fields, values, limits)
    except LimitBroken as broken:
        raise InvalidBody(BODY_TYPE_PREFIX + str(broken)) from None
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


_OPEN_LIST, _OPEN_MAP = b"[{"


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
            problem = invalid_type(describe_number(number), self.rust.name)
        elif not self.rust.min <= number <= self.rust.max:
            problem = invalid_value(describe_number(number), self.rust.name)
        else:
            return number
        raise data_error(problem).at(reader.position())


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
            raise data_error(unknown_variant(text, self.variants)).at(reader.position())
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
        quick = read_map_quickly(reader)
        return read_map(reader, path) if quick is None else quick


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
                raise data_error(duplicate_field(key)).at(reader.position())
            reader.parse_object_colon()
            values[key] = read_value(node, reader, (*path, key))
        reader.close()
        return self._complete(values, reader)

    def _complete(self, values: dict[str, Any], reader: Reader) -> dict[str, Any]:
        """Refuse the first missing required field, at the position after the ``}``."""
        for name, _, required in self.fields:
            if name not in values:
                if required:
                    raise data_error(missing_field(name)).at(reader.position())
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
