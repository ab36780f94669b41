"""Path ids: exactly the forms Rust's ``uuid`` crate parses, else axum's ``Invalid URL`` text."""

from __future__ import annotations

from uuid import UUID

import pytest

from omni_server.api.reading.path import parse_uuid
from omni_server.domain.errors import InvalidRequest

ID = UUID("0192f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0f")
HYPHENATED = str(ID)


@pytest.mark.parametrize(
    "form",
    [
        HYPHENATED,
        HYPHENATED.upper(),
        "0192F3a4-1B2c-7D3e-8F40-5A6b7C8d9E0f",
        ID.hex,
        ID.hex.upper(),
        f"{{{HYPHENATED}}}",
        f"{{{HYPHENATED.upper()}}}",
        f"urn:uuid:{HYPHENATED}",
        f"urn:uuid:{HYPHENATED.upper()}",
    ],
)
def test_forms_the_uuid_crate_accepts(form: str) -> None:
    assert parse_uuid("thread_id", form) == ID


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "{}",
        "urn:uuid:",
        f"URN:UUID:{HYPHENATED}",  # the prefix is lower case only
        f"Urn:uuid:{HYPHENATED}",
        f"urn:uuid:{ID.hex}",  # a URN holds the hyphenated form only
        f"{{{ID.hex}}}",  # so do braces
        f"{{urn:uuid:{HYPHENATED}}}",
        f"{{{HYPHENATED}",
        f"{HYPHENATED}}}",
        f"({HYPHENATED})",
        "0192f3a41b2c-7d3e-8f40-5a6b7c8d9e0f",  # Python's UUID() takes these
        "0192f3a4-1b2c7d3e-8f40-5a6b-7c8d9e0f",
        "0192f3a-41b2c-7d3e-8f40-5a6b7c8d9e0f",
        "0192f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0",
        f"{HYPHENATED}0",
        f"{ID.hex}0",
        ID.hex[:-1],
        "0192f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0g",
        "g" + ID.hex[1:],
        f" {HYPHENATED}",
        f"{HYPHENATED} ",
        f"{HYPHENATED}\n",
        "0192f3a4-1b2c-7d3e-8f40-5a6b7c8d9e0\uff10",  # a fullwidth digit
        "0192f3a4+1b2c+7d3e+8f40+5a6b7c8d9e0f",
        "0x" + ID.hex[2:],
    ],
)
def test_other_forms_are_refused(bad: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_uuid("thread_id", bad)
    assert caught.value.message == (
        f"Invalid URL: Cannot parse `thread_id` with value `{bad}` to a `Uuid`"
    )


def test_the_refusal_names_the_parameter() -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_uuid("response_id", "x")
    assert caught.value.message == (
        "Invalid URL: Cannot parse `response_id` with value `x` to a `Uuid`"
    )
