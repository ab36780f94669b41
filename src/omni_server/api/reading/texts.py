"""serde's words for a value it did not accept, as its derive and serde_json print them.

These are the data errors of serde (``serde::de::Error``'s ``invalid_type``,
``invalid_value``, ``missing_field``, ``duplicate_field``, ``unknown_variant``) and the way
serde_json names the value it met (``integer `5```, ``floating point `1.5```, ``string
"a"``). Each function returns text only: a body wraps it in a positioned ``SerdeError``
(:mod:`.syntax`), a query string in an ``InvalidRequest`` (:mod:`.query`).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Final


def invalid_type(unexpected: str, expected: str) -> str:
    return f"invalid type: {unexpected}, expected {expected}"


def invalid_value(unexpected: str, expected: str) -> str:
    return f"invalid value: {unexpected}, expected {expected}"


def missing_field(name: str) -> str:
    return f"missing field `{name}`"


def duplicate_field(name: str) -> str:
    return f"duplicate field `{name}`"


def unknown_variant(variant: str, expected: Sequence[str]) -> str:
    return f"unknown variant `{variant}`, expected {one_of(expected)}"


def one_of(names: Sequence[str]) -> str:
    """serde's list of alternatives: `a`; `a` or `b`; one of `a`, `b`, `c`."""
    quoted = [f"`{name}`" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} or {quoted[1]}"
    return "one of " + ", ".join(quoted)


def describe_number(value: int | float) -> str:
    """serde_json's words for a number it did not expect (floats printed as ryu prints them)."""
    if isinstance(value, float):
        return f"floating point `{ryu(value)}`"
    return f"integer `{value}`"


def describe_str(value: str) -> str:
    """serde's words for a string it did not expect: ``string "..."`` (Rust's ``{:?}``)."""
    return f"string {rust_debug(value)}"


def ryu(value: float) -> str:
    """Format a finite float the way Rust's ``ryu`` crate does (``1e20``, ``1.5``, ``0.001``).

    Python's ``repr`` gives the same shortest digits; only the layout differs.
    """
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    exact = Decimal(repr(abs(value))).normalize()
    digits = "".join(map(str, exact.as_tuple().digits))
    exponent = int(exact.as_tuple().exponent)
    point = len(digits) + exponent  # 10**(point-1) <= value < 10**point
    if exponent >= 0 and point <= 16:
        return f"{sign}{digits}{'0' * exponent}.0"
    if 0 < point <= 16:
        return f"{sign}{digits[:point]}.{digits[point:]}"
    if -5 < point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    mantissa = digits if len(digits) == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{point - 1}"


def rust_debug(value: str) -> str:
    """Rust's ``{:?}`` of a ``str``: quoted, with escapes for quotes and unprintable characters."""
    return '"' + "".join(map(_debug_char, value)) + '"'


_DEBUG_ESCAPES: Final = dict(
    zip('\t\r\n"\\\0', ("\\t", "\\r", "\\n", '\\"', "\\\\", "\\0"), strict=True)
)


def _debug_char(char: str) -> str:
    escaped = _DEBUG_ESCAPES.get(char)
    if escaped is not None:
        return escaped
    if char.isprintable() and unicodedata.category(char) not in ("Mn", "Me"):
        return char
    return f"\\u{{{ord(char):x}}}"
