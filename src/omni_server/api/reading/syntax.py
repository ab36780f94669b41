"""serde_json's reader and syntax error texts, with serde's line and column positions.

The contract's server is Rust (axum, serde_json, serde_path_to_error): the documented error
texts are serde's, for example ``EOF while parsing an object at line 3 column 0``. Python's
``json`` module stops at other places and words its failures differently, so this module
reads a body the way serde_json's ``SliceRead`` does:

- bytes, not characters: lines are counted by ``\\n`` and columns in bytes;
- a position is that of the last byte consumed (column 0 at the start of a line);
  ``error`` reports the current index, ``peek_error`` includes the byte just looked at;
- the first problem met in reading order wins, whether a syntax error or a wrong type;
- containers nest at most 127 levels (serde's recursion limit of 128).

This is the Deserializer half of serde. The other half, how each type reads itself, is in
:mod:`.body` (structs, integers, enums, timestamps) and :mod:`.untyped` (untyped values and
skipped fields); the words for a wrong value are in :mod:`.texts`.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from omni_server.api.reading.texts import describe_number, describe_str, invalid_type

EOF_LIST: Final = "EOF while parsing a list"
EOF_OBJECT: Final = "EOF while parsing an object"
EOF_STRING: Final = "EOF while parsing a string"
EOF_VALUE: Final = "EOF while parsing a value"
EXPECTED_COLON: Final = "expected `:`"
EXPECTED_LIST_COMMA_OR_END: Final = "expected `,` or `]`"
EXPECTED_OBJECT_COMMA_OR_END: Final = "expected `,` or `}`"
EXPECTED_IDENT: Final = "expected ident"
EXPECTED_VALUE: Final = "expected value"
INVALID_ESCAPE: Final = "invalid escape"
INVALID_NUMBER: Final = "invalid number"
NUMBER_OUT_OF_RANGE: Final = "number out of range"
INVALID_UNICODE: Final = "invalid unicode code point"
CONTROL_CHARACTER: Final = "control character (\\u0000-\\u001F) found while parsing a string"
KEY_MUST_BE_A_STRING: Final = "key must be a string"
LONE_SURROGATE: Final = "lone leading surrogate in hex escape"
TRAILING_COMMA: Final = "trailing comma"
TRAILING_CHARACTERS: Final = "trailing characters"
UNEXPECTED_END_OF_HEX: Final = "unexpected end of hex escape"
RECURSION_LIMIT: Final = "recursion limit exceeded"

U64_MAX: Final = 2**64 - 1
I64_MIN: Final = -(2**63)

Segment = str | int | None
"""A step of an error's path: a key, a sequence index, or ``None`` for a key never read."""
Path = tuple[Segment, ...]

_WS = re.compile(rb"[ \t\n\r]*")
_DIGITS = re.compile(rb"[0-9]*")
_PLAIN = re.compile(rb'[^"\\\x00-\x1f]*')
_HEX4 = re.compile(rb"[0-9a-fA-F]{4}")
_SIMPLE_ESCAPES: Final = dict(zip(b'"\\/bfnrt', b'"\\/\b\f\n\r\t', strict=True))
LITERALS: Final[dict[int, tuple[bytes, Any, str]]] = {
    ord("n"): (b"ull", None, "null"),
    ord("t"): (b"rue", True, "boolean `true`"),
    ord("f"): (b"alse", False, "boolean `false`"),
}
_OPENERS: Final = {ord("["): "sequence", ord("{"): "map"}
_QUOTE, _BACKSLASH, _MINUS = 0x22, 0x5C, 0x2D
_CLOSE_LIST, _CLOSE_MAP = 0x5D, 0x7D
_COMMA, _COLON, _DOT = 0x2C, 0x3A, 0x2E
_EXPONENT = (0x65, 0x45)
_SIGNS = (0x2B, 0x2D)


class SerdeError(Exception):
    """One serde_json error: its text, where it happened, and which half of axum reports it.

    ``syntax`` errors (malformed JSON, including EOF) become axum's 400 "Failed to parse the
    request body as JSON"; the others (valid JSON of the wrong shape) its 422 "Failed to
    deserialize the JSON body into the target type". A data error is created without a
    position; like serde, the innermost reader that sees it fills in the current one.
    """

    def __init__(self, message: str, *, syntax: bool, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.syntax = syntax
        self.line = line
        self.column = column
        self.path: Path | None = None

    def at(self, position: tuple[int, int]) -> SerdeError:
        """Give the error a position unless it has one (serde's ``fix_position``)."""
        if self.line == 0:
            self.line, self.column = position
        return self

    def trigger(self, path: Path) -> None:
        """Record the path of the innermost value being read (serde_path_to_error's rule)."""
        if self.path is None:
            self.path = path

    def render(self) -> str:
        """The text axum puts after its prefix: ``[path: ]message[ at line L column C]``."""
        text = self.message
        if self.line:
            text = f"{text} at line {self.line} column {self.column}"
        path = self.path or ()
        if all(segment is None for segment in path):
            return text
        return f"{format_path(path)}: {text}"


def format_path(path: Path) -> str:
    """serde_path_to_error's spelling: ``context.items[0].kind``, ``?`` for an unread key."""
    out: list[str] = []
    for segment in path:
        if isinstance(segment, int):
            out.append(f"[{segment}]")
        else:
            out.append(("." if out else "") + ("?" if segment is None else segment))
    return "".join(out)


def data_error(message: str) -> SerdeError:
    """A data error (valid JSON of the wrong shape), placed later by the reader that sees it."""
    return SerdeError(message, syntax=False)


class Reader:
    """A cursor over the body with serde_json's reading rules and error positions."""

    __slots__ = ("_anchor", "_text", "data", "index", "remaining_depth")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.index = 0
        self.remaining_depth = 128
        self._text: str | bool | None = False  # False: not decoded yet; None: not UTF-8
        self._anchor = (0, 0)  # a byte index and the character index it corresponds to

    # -- cursor and positions ------------------------------------------------------------

    def peek(self) -> int | None:
        return self.data[self.index] if self.index < len(self.data) else None

    def eat(self) -> None:
        self.index += 1

    def next(self) -> int | None:
        byte = self.peek()
        if byte is not None:
            self.index += 1
        return byte

    def text_here(self) -> tuple[str, int] | None:
        """The whole body as text and the cursor's index in it; ``None`` if not UTF-8.

        For handing a value to a faster parser that works on text.
        """
        if self._text is False:
            try:
                self._text = self.data.decode("utf-8")
            except UnicodeDecodeError:
                self._text = None
        if not isinstance(self._text, str):
            return None
        if len(self._text) == len(self.data):  # ASCII: indexes agree
            return self._text, self.index
        # Only the bytes since the last known (byte, character) pair are decoded: the cursor
        # moves forward, so a body with many fields is decoded once in all, not once per field.
        byte_index, char_index = self._anchor if self._anchor[0] <= self.index else (0, 0)
        char_index += len(self.data[byte_index : self.index].decode("utf-8"))
        self._anchor = (self.index, char_index)
        return self._text, char_index

    def skip_text(self, text: str, start: int, end: int) -> None:
        """Move past ``text[start:end]``, which a faster parser read from :meth:`text_here`."""
        if len(text) == len(self.data):
            self.index += end - start
            return
        self.index += len(text[start:end].encode("utf-8"))
        self._anchor = (self.index, end)

    def position(self) -> tuple[int, int]:
        return self._position_of(self.index)

    def _position_of(self, index: int) -> tuple[int, int]:
        line_start = self.data.rfind(b"\n", 0, index) + 1
        return self.data.count(b"\n", 0, line_start) + 1, index - line_start

    def error(self, message: str) -> SerdeError:
        """A syntax error about a byte already consumed."""
        return SerdeError(message, syntax=True).at(self.position())

    def peek_error(self, message: str) -> SerdeError:
        """A syntax error about the byte just peeked at (it counts as consumed)."""
        position = self._position_of(min(len(self.data), self.index + 1))
        return SerdeError(message, syntax=True).at(position)

    def skip_ws(self) -> int | None:
        """Skip JSON whitespace and peek at the next byte (serde's ``parse_whitespace``)."""
        match = _WS.match(self.data, self.index)
        assert match is not None  # the pattern matches the empty string
        self.index = match.end()
        return self.peek()

    def skip_digits(self) -> int:
        """Consume a run of ASCII digits; return how many there were."""
        match = _DIGITS.match(self.data, self.index)
        assert match is not None
        start, self.index = self.index, match.end()
        return self.index - start

    def enter(self) -> None:
        """Count one more level of nesting before eating ``[`` or ``{``."""
        self.remaining_depth -= 1
        if self.remaining_depth == 0:
            raise self.peek_error(RECURSION_LIMIT)

    def leave(self) -> None:
        self.remaining_depth += 1

    def end(self) -> None:
        """Refuse anything but whitespace after the value (serde's ``Deserializer::end``)."""
        if self.skip_ws() is not None:
            raise self.peek_error(TRAILING_CHARACTERS)

    def parse_ident(self, rest: bytes) -> None:
        """Check the remaining letters of ``null``, ``true`` or ``false``."""
        for expected in rest:
            byte = self.next()
            if byte is None:
                raise self.error(EOF_VALUE)
            if byte != expected:
                raise self.error(EXPECTED_IDENT)

    def parse_object_colon(self) -> None:
        byte = self.skip_ws()
        if byte == _COLON:
            self.eat()
            return
        raise self.peek_error(EOF_OBJECT if byte is None else EXPECTED_COLON)

    # -- values by kind (serde's ``deserialize_*`` preambles) ------------------------------

    def start_value(self) -> int:
        """Peek at the first byte of a value, refusing the end of input."""
        byte = self.skip_ws()
        if byte is None:
            raise self.peek_error(EOF_VALUE)
        return byte

    def read_null(self) -> bool:
        """Consume ``null`` if it comes next (``Option``'s reading); otherwise stay put."""
        if self.skip_ws() != ord("n"):
            return False
        self.eat()
        self.parse_ident(b"ull")
        return True

    def read_string(self) -> str | None:
        """Read a string if one starts here; ``None`` (nothing consumed) if another value."""
        if self.peek() != _QUOTE:
            return None
        self.eat()
        return self.parse_str()

    def read_number(self) -> int | float | None:
        """Read a number if one starts here; ``None`` (nothing consumed) if another value."""
        byte = self.peek()
        if byte == _MINUS:
            self.eat()
            return self.parse_integer(False)
        if byte is not None and 0x30 <= byte <= 0x39:
            return self.parse_integer(True)
        return None

    def open(self) -> None:
        """Enter the array or object whose bracket is next."""
        self.enter()
        self.eat()

    def close(self) -> None:
        """Leave it: its closing bracket is next (``next_key``/``has_next_element`` saw it)."""
        self.eat()
        self.leave()

    # -- numbers ---------------------------------------------------------------------------

    def parse_integer(self, positive: bool) -> int | float:
        """Read a number after its optional ``-``, as serde does: u64, i64, else f64.

        Like serde, ``-0`` and integers beyond 64 bits are floats, and a float too large to
        represent is ``number out of range``.
        """
        start = self.index if positive else self.index - 1
        if self._scan_number(skipping=False):
            return self._float(start)
        if self.index - start > 21:  # more than 20 digits: beyond 64 bits
            return self._float(start)
        value = int(self.data[start : self.index])
        if value == 0 and not positive:
            return -0.0
        if value > U64_MAX or value < I64_MIN:
            return self._float(start)
        return value

    def ignore_number(self) -> None:
        """Skip a number after its optional ``-`` (serde's ``ignore_integer``: no range)."""
        self._scan_number(skipping=True)

    def _scan_number(self, *, skipping: bool) -> bool:
        """Consume a number; return whether it has a fraction or an exponent.

        serde's skipping code calls a number cut short by the end ``invalid number`` where
        its reading code says ``EOF while parsing a value``.
        """
        eof = INVALID_NUMBER if skipping else EOF_VALUE
        byte = self.next()
        if byte is None:
            raise self.error(eof)
        if byte == 0x30:
            following = self.peek()
            if following is not None and 0x30 <= following <= 0x39:
                raise self.peek_error(INVALID_NUMBER)
        elif 0x31 <= byte <= 0x39:
            self.skip_digits()
        else:
            raise self.error(INVALID_NUMBER)
        return self._scan_fraction(eof) | self._scan_exponent(eof)

    def _scan_fraction(self, eof: str) -> bool:
        if self.peek() != _DOT:
            return False
        self.eat()
        if self.skip_digits() == 0:
            raise self.peek_error(eof if self.peek() is None else INVALID_NUMBER)
        return True

    def _scan_exponent(self, eof: str) -> bool:
        if self.peek() not in _EXPONENT:
            return False
        self.eat()
        if self.peek() in _SIGNS:
            self.eat()
        byte = self.next()
        if byte is None:
            raise self.error(eof)
        if not 0x30 <= byte <= 0x39:
            raise self.error(INVALID_NUMBER)
        self.skip_digits()
        return True

    def _float(self, start: int) -> float:
        value = float(self.data[start : self.index])
        if math.isinf(value):
            raise self.error(NUMBER_OUT_OF_RANGE)
        return value

    # -- strings ---------------------------------------------------------------------------

    def parse_str(self) -> str:
        """Read a string after its opening quote; it must be valid UTF-8."""
        raw = self._scan_str(keep=True)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error(INVALID_UNICODE) from None

    def ignore_str(self) -> None:
        self._scan_str(keep=False)

    def _scan_str(self, *, keep: bool) -> bytes:
        data = self.data
        out = bytearray()
        start = self.index
        while True:
            match = _PLAIN.match(data, self.index)
            assert match is not None
            index = match.end()
            if index == len(data):
                self.index = index
                raise self.error(EOF_STRING)
            byte = data[index]
            if byte == _QUOTE:
                self.index = index + 1
                if not out:
                    return data[start:index]
                out += data[start:index]
                return bytes(out)
            if byte != _BACKSLASH:
                # serde counts the control character as read only when keeping the string
                self.index = index + 1 if keep else index
                raise self.error(CONTROL_CHARACTER)
            out += data[start:index]
            self.index = index + 1
            self._parse_escape(out)
            start = self.index

    def _parse_escape(self, out: bytearray) -> None:
        byte = self.next()
        if byte is None:
            raise self.error(EOF_STRING)
        simple = _SIMPLE_ESCAPES.get(byte)
        if simple is not None:
            out.append(simple)
            return
        if byte != ord("u"):
            raise self.error(INVALID_ESCAPE)
        code = self._hex_escape()
        if 0xDC00 <= code <= 0xDFFF:
            raise self.error(LONE_SURROGATE)
        if 0xD800 <= code <= 0xDBFF:
            code = self._low_surrogate(code)
        out += chr(code).encode("utf-8")

    def _low_surrogate(self, high: int) -> int:
        for expected in (_BACKSLASH, ord("u")):
            byte = self.next()
            if byte is None:
                raise self.error(EOF_STRING)
            if byte != expected:
                raise self.error(UNEXPECTED_END_OF_HEX)
        low = self._hex_escape()
        if not 0xDC00 <= low <= 0xDFFF:
            raise self.error(LONE_SURROGATE)
        return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)

    def _hex_escape(self) -> int:
        if self.index + 4 > len(self.data):
            self.index = len(self.data)
            raise self.error(EOF_STRING)
        if _HEX4.match(self.data, self.index):
            self.index += 4
            return int(self.data[self.index - 4 : self.index], 16)
        while self.data[self.index : self.index + 1] in b"0123456789abcdefABCDEF":
            self.index += 1
        self.index += 1
        raise self.error(INVALID_ESCAPE)

    # -- what serde says about a value it did not expect ---------------------------------

    def peek_invalid_type(self, expected: str) -> SerdeError:
        """serde's ``peek_invalid_type``: read the unexpected value and name it.

        Scalars are consumed (the position follows them); for ``[`` and ``{`` nothing is
        consumed and the position is just before the bracket.
        """
        unexpected = self._unexpected()
        if unexpected is None:
            return self.peek_error(EXPECTED_VALUE)
        return data_error(invalid_type(unexpected, expected)).at(self.position())

    def _unexpected(self) -> str | None:
        byte = self.peek()
        if byte is None:
            return None
        ident = LITERALS.get(byte)
        if ident is not None:
            self.eat()
            self.parse_ident(ident[0])
            return ident[2]
        number = self.read_number()
        if number is not None:
            return describe_number(number)
        text = self.read_string()
        if text is not None:
            return describe_str(text)
        return _OPENERS.get(byte)

    # -- maps and sequences --------------------------------------------------------------

    def next_key(self, first: bool, path: Path) -> str | None:
        """Read the next key of an object, or ``None`` at its ``}`` (left unconsumed).

        Errors here happen before any key was read, so serde_path_to_error gives them an
        unknown last segment (shown as ``?``, and not at all at the top level).
        """
        try:
            if not self._has_next_key(first):
                return None
            self.eat()
            return self.parse_str()
        except SerdeError as err:
            err.trigger((*path, None))
            raise

    def _has_next_key(self, first: bool) -> bool:
        byte = self.skip_ws()
        if byte == _CLOSE_MAP:
            return False
        if byte is None:
            raise self.peek_error(EOF_OBJECT)
        if not first:
            if byte != _COMMA:
                raise self.peek_error(EXPECTED_OBJECT_COMMA_OR_END)
            self.eat()
            byte = self.skip_ws()
            if byte == _CLOSE_MAP:
                raise self.peek_error(TRAILING_COMMA)
            if byte is None:
                raise self.peek_error(EOF_VALUE)
        if byte != _QUOTE:
            raise self.peek_error(KEY_MUST_BE_A_STRING)
        return True

    def has_next_element(self, first: bool) -> bool:
        """Move to the next element of an array; ``False`` at its ``]`` (left unconsumed)."""
        byte = self.skip_ws()
        if byte == _CLOSE_LIST:
            return False
        if byte is None:
            raise self.peek_error(EOF_LIST)
        if first:
            return True
        if byte != _COMMA:
            raise self.peek_error(EXPECTED_LIST_COMMA_OR_END)
        self.eat()
        byte = self.skip_ws()
        if byte == _CLOSE_LIST:
            raise self.peek_error(TRAILING_COMMA)
        if byte is None:
            raise self.peek_error(EOF_VALUE)
        return True
