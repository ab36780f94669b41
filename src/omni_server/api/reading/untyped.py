"""Values read without a type: ``serde_json::Value`` (untyped maps) and ``IgnoredAny`` (skips).

A ``dict[str, Any]`` field (context ``data``, feedback ``metadata``) is read as
``serde_json::Value``; an unknown field's value is skipped as serde's ``IgnoredAny`` does,
with serde's own error choices. Both have a fast path through the C ``json`` scanner, taken
only where its result is provably serde's, and an exact byte-by-byte path otherwise (which
also words every failure). Both are linear in the value's size.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

from omni_server.api.reading.limits import nesting_depth
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
)

_OPEN_LIST, _CLOSE_LIST, _OPEN_MAP, _CLOSE_MAP, _COMMA = b"[]{},"


def read_map_quickly(reader: Reader) -> dict[str, Any] | None:
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
