"""Query strings read as axum's ``Query<T>`` reads them: a serde struct over serde_urlencoded.

The reference reads a query string in three steps, and so does :func:`parse_query`:

1. ``form_urlencoded::parse``: split on ``&`` (empty pieces skipped), name and value at the
   first ``=`` (none: an empty value), ``+`` is a space, ``%XX`` a byte (a ``%`` not followed
   by two hex digits stays as it is), bytes read as UTF-8 with U+FFFD for invalid sequences;
2. the derived struct visits the pairs in order: a name it does not know is ignored, a known
   name seen before is ``duplicate field `x```, a known value is parsed as it is met (so the
   first bad value, or the first repetition, wins);
3. then the first missing required field, in declaration order, is ``missing field `x```;
   absent optional fields take their default.

After that come the checks serde's types cannot express (``page_size``'s range), as a
validation step on the read struct would. Every refusal is a 400 ``Failed to deserialize
query string: ...``. Integers are read as Rust's ``str::parse::<i64>`` reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote_to_bytes

from omni_server.api.reading.texts import duplicate_field, missing_field
from omni_server.domain.errors import InvalidRequest

QUERY_PREFIX: Final = "Failed to deserialize query string: "
PAGE_SIZE_RULE: Final = "page_size: must be between 1 and 100"
I64_MIN: Final = -(2**63)
I64_MAX: Final = 2**63 - 1


@dataclass(frozen=True)
class Field:
    """One field of a query struct.

    ``parse`` turns the decoded value into the field's value or raises ``InvalidRequest``
    with the contract's text. ``check``, if any, runs on a given value once every field was
    read and none is missing (a rule beyond the type, such as a range).
    """

    name: str
    parse: Callable[[str], Any]
    required: bool = False
    default: Any = None
    check: Callable[[Any], None] | None = None


def parse_query(raw: str, fields: Sequence[Field]) -> dict[str, Any]:
    """Read the fields of a query string, or refuse it with the reference's words.

    ``raw`` is the undecoded query string (``scope["query_string"].decode("latin-1")``).
    Returns every field of ``fields`` by name: its parsed value, or its default when absent.
    Raises ``InvalidRequest`` (400). Linear in the length of ``raw``.
    """
    known = {field.name: field for field in fields}
    values: dict[str, Any] = {}
    for name, value in pairs(raw):
        field = known.get(name)
        if field is None:
            continue
        if name in values:
            raise refusal(duplicate_field(name))
        values[name] = field.parse(value)
    for field in fields:
        if field.name not in values and field.required:
            raise refusal(missing_field(field.name))
    for field in fields:
        if field.name in values and field.check is not None:
            field.check(values[field.name])
    return {field.name: values.get(field.name, field.default) for field in fields}


def pairs(raw: str) -> Iterator[tuple[str, str]]:
    """The decoded ``(name, value)`` pairs of a query string, in order (``form_urlencoded``)."""
    for piece in raw.encode("latin-1").split(b"&"):
        if not piece:
            continue
        name, _, value = piece.partition(b"=")
        yield _decode(name), _decode(value)


def _decode(part: bytes) -> str:
    return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8", "replace")


def refusal(problem: str) -> InvalidRequest:
    """The contract's refusal of a query string: ``Failed to deserialize query string: ...``."""
    return InvalidRequest(QUERY_PREFIX + problem)


def parse_i64(text: str) -> int:
    """Read ``text`` as Rust's ``str::parse::<i64>`` does, or refuse it with its words.

    An optional ``+`` or ``-``, then ASCII digits only: no blanks, underscores, fractions or
    other digits. ``ParseIntError``'s texts, for the first problem in reading order:
    ``cannot parse integer from empty string``, ``invalid digit found in string``,
    ``number too large to fit in target type`` (or ``small``).
    """
    if not text:
        raise refusal("cannot parse integer from empty string")
    negative = text[0] == "-"
    digits = text[1:] if text[0] in "+-" else text
    if not digits:
        raise refusal("invalid digit found in string")
    limit = -I64_MIN if negative else I64_MAX
    value = 0
    for char in digits:
        if not "0" <= char <= "9":
            raise refusal("invalid digit found in string")
        value = value * 10 + ord(char) - 48
        if value > limit:
            raise refusal(f"number too {'small' if negative else 'large'} to fit in target type")
    return -value if negative else value


def check_page_size(size: int) -> None:
    """The contract's page size rule: 1 to 100."""
    if not 1 <= size <= 100:
        raise refusal(PAGE_SIZE_RULE)


ACCOUNT_ID: Final = Field("account_id", parse_i64, required=True)
"""Required ``account_id`` (an ``i64``)."""
OPTIONAL_ACCOUNT_ID: Final = Field("account_id", parse_i64)
"""Optional ``account_id`` (an ``i64``); ``None`` when absent."""
PAGE_SIZE: Final = Field("page_size", parse_i64, default=100, check=check_page_size)
"""``page_size``: an ``i64``, then 1 to 100 once the other fields were read; 100 when absent."""
PAGE_TOKEN: Final = Field("page_token", str)
"""``page_token``: any text (decoded by the paging layer); ``None`` when absent."""
