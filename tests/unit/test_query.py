"""Query strings read as axum's ``Query`` reads them (serde_urlencoded, Rust's integer parsing).

The expected texts are those of the Rust reference server: ``Failed to deserialize query
string: `` and serde's or ``ParseIntError``'s words.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omni_server.api.reading.query import (
    ACCOUNT_ID,
    OPTIONAL_ACCOUNT_ID,
    PAGE_SIZE,
    PAGE_TOKEN,
    Field,
    pairs,
    parse_i64,
    parse_query,
)
from omni_server.domain.errors import InvalidRequest

QUERY = "Failed to deserialize query string: "
PAGED = (ACCOUNT_ID, PAGE_SIZE, PAGE_TOKEN)
EMPTY = "cannot parse integer from empty string"
DIGIT = "invalid digit found in string"
LARGE = "number too large to fit in target type"
SMALL = "number too small to fit in target type"
RANGE = "page_size: must be between 1 and 100"


def refused(raw: str, fields: tuple[Field, ...] = PAGED) -> str:
    with pytest.raises(InvalidRequest) as caught:
        parse_query(raw, fields)
    message = caught.value.message
    assert message.startswith(QUERY)
    return message.removeprefix(QUERY)


def raw_of(text: bytes) -> str:
    """What a route hands over: the undecoded query string's bytes as latin-1."""
    return text.decode("latin-1")


# -- integers as ``str::parse::<i64>`` ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", EMPTY),
        ("abc", DIGIT),
        ("1.0", DIGIT),
        ("5.0", DIGIT),
        (" 5", DIGIT),
        ("5 ", DIGIT),
        ("1_000", DIGIT),
        ("5_0", DIGIT),
        ("-", DIGIT),
        ("+", DIGIT),
        ("+-5", DIGIT),
        ("--5", DIGIT),
        ("0x10", DIGIT),
        ("1e3", DIGIT),
        ("٣", DIGIT),
        ("\uff15", DIGIT),  # a fullwidth 5
        ("9223372036854775808", LARGE),
        ("+9223372036854775808", LARGE),
        ("-9223372036854775809", SMALL),
        ("99999999999999999999x", LARGE),  # the overflow comes before the bad digit
        ("x99999999999999999999", DIGIT),
    ],
)
def test_integers_refused_in_rusts_words(value: str, expected: str) -> None:
    assert refused("account_id=" + quote(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5),
        ("+5", 5),
        ("-5", -5),
        ("+0", 0),
        ("-0", 0),
        ("007", 7),
        ("9223372036854775807", 2**63 - 1),
        ("-9223372036854775808", -(2**63)),
        ("0000000000000000000000000000042", 42),
    ],
)
def test_integers_accepted(value: str, expected: int) -> None:
    assert parse_query("account_id=" + quote(value), PAGED)["account_id"] == expected


@given(st.text(alphabet="+-0123456789 _.a", max_size=22))
def test_integers_match_rusts_grammar(text: str) -> None:
    if re.fullmatch(r"[+-]?[0-9]+", text) and -(2**63) <= int(text) < 2**63:
        assert parse_i64(text) == int(text)
        return
    with pytest.raises(InvalidRequest) as caught:
        parse_i64(text)
    problem = caught.value.message.removeprefix(QUERY)
    if not text:
        assert problem == EMPTY
    elif re.fullmatch(r"[+-]?[0-9]+", text):
        assert problem == (SMALL if text[0] == "-" else LARGE)
    elif not re.match(r"[+-]?[0-9]{19}", text):  # no overflow before the first bad character
        assert problem == DIGIT


# -- serde_urlencoded and the derived struct -------------------------------------------------


def test_absent_fields_take_their_defaults() -> None:
    assert parse_query("account_id=7", PAGED) == {
        "account_id": 7,
        "page_size": 100,
        "page_token": None,
    }
    assert parse_query("", (OPTIONAL_ACCOUNT_ID,)) == {"account_id": None}
    assert parse_query("page_size=3&page_token=t&account_id=1", PAGED) == {
        "account_id": 1,
        "page_size": 3,
        "page_token": "t",
    }


def test_unknown_names_are_ignored_even_repeated_or_unreadable() -> None:
    assert parse_query("x=1&x=2&account_id=1&y=%ZZ&Account_id=q", PAGED)["account_id"] == 1
    assert parse_query("account_id=2&page_size=abc", (ACCOUNT_ID,)) == {"account_id": 2}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # every known value is read as it is met: the first bad value or repetition wins
        ("account_id=x&account_id=1", DIGIT),
        ("account_id=1&account_id=x", "duplicate field `account_id`"),
        ("account_id=1&account_id=1", "duplicate field `account_id`"),
        ("page_size=x&account_id=1&account_id=2", DIGIT),
        ("account_id=1&account_id=2&page_size=x", "duplicate field `account_id`"),
        ("page_size=1&page_size=2&account_id=1", "duplicate field `page_size`"),
        ("page_token=a&page_token=a&account_id=1", "duplicate field `page_token`"),
        # then the first missing required field
        ("", "missing field `account_id`"),
        ("page_size=5", "missing field `account_id`"),
        ("page_size=x", DIGIT),
        ("page_size=1&page_size=2", "duplicate field `page_size`"),
        # then the rules beyond the type, such as page_size's range
        ("page_size=0", "missing field `account_id`"),
        ("page_size=0&account_id=x", DIGIT),
        ("page_size=0&account_id=1", RANGE),
        ("account_id=1&page_size=101", RANGE),
        ("account_id=1&page_size=-5", RANGE),
        ("account_id=1&page_size=0&page_token=t", RANGE),
        ("account_id=1&page_size=99999999999999999999", LARGE),
        ("account_id=1&page_size=ten", DIGIT),
    ],
)
def test_order_of_problems(raw: str, expected: str) -> None:
    assert refused(raw) == expected


def test_missing_fields_in_declaration_order() -> None:
    fields = (Field("b", str, required=True), ACCOUNT_ID, Field("a", str, required=True))
    assert refused("", fields) == "missing field `b`"
    assert refused("b=1", fields) == "missing field `account_id`"
    assert refused("account_id=1&b=", fields) == "missing field `a`"
    assert parse_query("a=&account_id=1&b=", fields) == {"b": "", "account_id": 1, "a": ""}


def test_page_size_bounds_are_inclusive() -> None:
    assert parse_query("account_id=1&page_size=1", PAGED)["page_size"] == 1
    assert parse_query("account_id=1&page_size=100", PAGED)["page_size"] == 100
    assert parse_query("account_id=1&page_size=%2B100", PAGED)["page_size"] == 100


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("page_token=a%2Fb%3D%3D", "a/b=="),
        ("page_token=a+b", "a b"),
        ("page_token=a%2Bb", "a+b"),
        ("page_token=a%20b%2", "a b%2"),  # a lone % is kept
        ("page_token=%zz%4", "%zz%4"),
        ("page_token=%C3%A9", "é"),
        ("page_token=%c3%a9", "é"),
        ("page_token=%FF", "\ufffd"),  # invalid UTF-8 is replaced
        ("page_token=%E2%82", "\ufffd"),
        ("page_token=a=b=c", "a=b=c"),  # split at the first =
        ("page_token", ""),  # no = at all: an empty value
        ("page_token=", ""),
        ("&&page_token=x&", "x"),  # empty pieces are skipped
        ("%70age_token=named", "named"),  # names are decoded too
        ("page+token=no&page_token=yes", "yes"),
    ],
)
def test_percent_decoding(raw: str, expected: str) -> None:
    assert parse_query(raw + "&account_id=1", PAGED)["page_token"] == expected


def test_raw_bytes_are_utf8_after_decoding() -> None:
    # The route decodes the raw query string as latin-1; non-ASCII bytes sent unencoded
    # are read as UTF-8, like percent-encoded ones.
    raw = raw_of("page_token=é&account_id=1".encode())
    assert parse_query(raw, PAGED)["page_token"] == "é"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("account_id=+5", DIGIT),  # + is a space: " 5"
        ("account_id=%2B5", 5),
        ("account_id=%2D5", -5),
        ("account_id=%35", 5),
        ("account_id", EMPTY),
        ("account_id=", EMPTY),
        ("account_id=1=2", DIGIT),
        ("%61ccount_id=9", 9),
    ],
)
def test_decoded_integers(raw: str, expected: int | str) -> None:
    if isinstance(expected, int):
        assert parse_query(raw, PAGED)["account_id"] == expected
    else:
        assert refused(raw) == expected


def test_pairs_in_order() -> None:
    assert list(pairs("b=1&a=2&b=3&&c&=d")) == [
        ("b", "1"),
        ("a", "2"),
        ("b", "3"),
        ("c", ""),
        ("", "d"),
    ]
    assert list(pairs("")) == []


def test_parse_sees_the_decoded_value() -> None:
    seen: list[Any] = []
    field = Field("q", lambda text: seen.append(text) or text.upper())
    assert parse_query("q=a%20b", (field,)) == {"q": "A B"}
    assert seen == ["a b"]


def test_checks_skip_defaults() -> None:
    def never(value: Any) -> None:
        raise AssertionError(value)

    field = Field("n", parse_i64, default=0, check=never)
    assert parse_query("", (field,)) == {"n": 0}
