"""Reading JSON bodies: serde's exact texts and positions, the contract's limits, fuzzing.

The expected strings are those of the Rust reference server (axum + serde_json +
serde_path_to_error); where the reference documents one (reference.md §2.3), it is quoted
verbatim.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from omni_server.api.reading import untyped
from omni_server.api.reading.body import MapNode, parse_body, struct_of
from omni_server.api.reading.limits import compact_json_size
from omni_server.api.reading.models import (
    Capability,
    ConversationMode,
    CreateEntitlementsRequest,
    CreateFeedbackRequest,
    CreateMessageRequest,
    CreateThreadRequest,
    EntitlementCode,
    OptOutEntitlementsRequest,
)
from omni_server.api.reading.syntax import Reader, SerdeError, format_path
from omni_server.api.reading.texts import rust_debug, ryu
from omni_server.api.reading.timestamps import parse_rfc3339
from omni_server.domain.errors import InvalidBody, InvalidRequest

SYNTAX = "Failed to parse the request body as JSON: "
SHAPE = "Failed to deserialize the JSON body into the target type: "
MODELS: list[type[BaseModel]] = [
    CreateThreadRequest,
    CreateMessageRequest,
    CreateFeedbackRequest,
    CreateEntitlementsRequest,
    OptOutEntitlementsRequest,
]


def refusal(body: bytes | str, model: type[BaseModel]) -> InvalidRequest | InvalidBody:
    raw = body.encode() if isinstance(body, str) else body
    with pytest.raises((InvalidRequest, InvalidBody)) as caught:
        parse_body(raw, model)
    error = caught.value
    assert isinstance(error, InvalidRequest | InvalidBody)
    return error


def syntax_error(body: bytes | str, model: type[BaseModel] = CreateThreadRequest) -> str:
    error = refusal(body, model)
    assert type(error) is InvalidRequest, error.message
    assert error.message.startswith(SYNTAX)
    return error.message.removeprefix(SYNTAX)


def shape_error(body: bytes | str, model: type[BaseModel] = CreateThreadRequest) -> str:
    error = refusal(body, model)
    assert type(error) is InvalidBody, error.message
    assert error.message.startswith(SHAPE)
    return error.message.removeprefix(SHAPE)


# -- the strings the reference documents -----------------------------------------------


def test_truncated_object() -> None:
    # The reference's create-message example: a body cut off after a value and a newline.
    body = '{\n  "account_id": 19816\n'
    assert refusal(body, CreateMessageRequest).message == (
        "Failed to parse the request body as JSON: EOF while parsing an object at line 3 column 0"
    )


def test_truncated_after_a_comma_is_eof_while_parsing_a_value() -> None:
    # After a comma serde expects another key, hence "a value" rather than "an object".
    assert syntax_error('{\n  "account_id": 1,\n', CreateMessageRequest) == (
        "EOF while parsing a value at line 3 column 0"
    )


def test_trailing_comma() -> None:
    assert refusal('{\n  "score": 1,\n}', CreateFeedbackRequest).message == (
        "Failed to parse the request body as JSON: trailing comma at line 3 column 1"
    )


@pytest.mark.parametrize(
    ("body", "model", "expected"),
    [
        ('{\n  "text": "hi"\n  }', CreateMessageRequest, "account_id` at line 3 column 3"),
        ('{\n  "account_id": 19816\n}', CreateThreadRequest, "type` at line 3 column 1"),
        ('{\n  "account_id": 19816\n}', CreateFeedbackRequest, "score` at line 3 column 1"),
    ],
)
def test_missing_field_is_reported_at_the_closing_brace(
    body: str, model: type[BaseModel], expected: str
) -> None:
    assert refusal(body, model).message == (
        "Failed to deserialize the JSON body into the target type: missing field `" + expected
    )


def test_missing_fields_are_reported_in_declaration_order() -> None:
    assert shape_error("{}") == "missing field `account_id` at line 1 column 2"
    assert shape_error("{}", CreateEntitlementsRequest) == (
        "missing field `agreement_id` at line 1 column 2"
    )
    assert shape_error('{"account_id": 1}', CreateMessageRequest) == (
        "missing field `text` at line 1 column 17"
    )


# -- syntax errors, in serde's words and positions -------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", "EOF while parsing a value at line 1 column 0"),
        ("   \n  ", "EOF while parsing a value at line 2 column 2"),
        ("{", "EOF while parsing an object at line 1 column 1"),
        ('{"account_id"', "EOF while parsing an object at line 1 column 13"),
        ('{"account_id":', "account_id: EOF while parsing a value at line 1 column 14"),
        ('{"text": "ab', "text: EOF while parsing a string at line 1 column 12"),
        ('{"capabilities": [', "capabilities: EOF while parsing a list at line 1 column 18"),
        (
            '{"capabilities": ["OPEN_CHART"',
            "capabilities: EOF while parsing a list at line 1 column 30",
        ),
        (
            '{"capabilities": ["OPEN_CHART",',
            "capabilities: EOF while parsing a value at line 1 column 31",
        ),
        ("x", "expected value at line 1 column 1"),
        ('{"account_id": x}', "account_id: expected value at line 1 column 16"),
        ('{"account_id": 1 "type": "instant"}', "expected `,` or `}` at line 1 column 18"),
        (
            '{"capabilities": ["OPEN_CHART" 1]}',
            "capabilities: expected `,` or `]` at line 1 column 32",
        ),
        ('{"capabilities": ["OPEN_CHART",]}', "capabilities: trailing comma at line 1 column 32"),
        ('{"account_id" 1}', "expected `:` at line 1 column 15"),
        ("{1: 2}", "key must be a string at line 1 column 2"),
        ('{"account_id": 1,,}', "key must be a string at line 1 column 18"),
        ('{"account_id": 1, "type": "instant"} x', "trailing characters at line 1 column 38"),
        ('{"account_id": 1, "type": "instant"}{}', "trailing characters at line 1 column 37"),
        ('{"account_id": 01}', "account_id: invalid number at line 1 column 17"),
        ('{"account_id": -}', "account_id: invalid number at line 1 column 17"),
        ('{"account_id": 1.}', "account_id: invalid number at line 1 column 18"),
        ('{"account_id": 1e}', "account_id: invalid number at line 1 column 18"),
        ('{"account_id": 1.', "account_id: EOF while parsing a value at line 1 column 17"),
        ('{"account_id": 1e999}', "account_id: number out of range at line 1 column 20"),
        ('{"account_id": nul}', "account_id: expected ident at line 1 column 19"),
        ('{"account_id": tru', "account_id: EOF while parsing a value at line 1 column 18"),
        (
            '{"text": "a\tb"}',
            "text: control character (\\u0000-\\u001F) found while parsing a string"
            " at line 1 column 12",
        ),
        ('{"text": "a\\qb"}', "text: invalid escape at line 1 column 13"),
        ('{"text": "\\u12x4"}', "text: invalid escape at line 1 column 15"),
        ('{"text": "\\udc00"}', "text: lone leading surrogate in hex escape at line 1 column 16"),
        ('{"text": "\\ud800x"}', "text: unexpected end of hex escape at line 1 column 17"),
        (
            '{"text": "\\ud800\\u0041"}',
            "text: lone leading surrogate in hex escape at line 1 column 22",
        ),
        ('{"text": "\\u00', "text: EOF while parsing a string at line 1 column 14"),
        ("\ufeff{}", "expected value at line 1 column 1"),
        ("NaN", "expected value at line 1 column 1"),
    ],
)
def test_syntax_errors(body: str, expected: str) -> None:
    assert syntax_error(body) == expected


def test_syntax_error_paths() -> None:
    # Errors before a key is read get an unknown segment: `?` below the top level.
    nested = '{"account_id": 1, "type": "instant", "target": {"type": "ticker",}}'
    assert syntax_error(nested) == "target.?: trailing comma at line 1 column 66"
    # Unknown fields are skipped with serde's own choices of words, under their own name.
    assert syntax_error('{"foo": [1,]}') == "foo: expected value at line 1 column 12"
    assert syntax_error('{"foo": {"a": 1,}}') == "foo: key must be a string at line 1 column 17"
    assert syntax_error('{"foo": [1 2]}') == "foo: expected `,` or `]` at line 1 column 12"
    assert syntax_error('{"foo": -}') == "foo: invalid number at line 1 column 10"
    assert syntax_error('{"foo": "a\x01"}') == (
        "foo: control character (\\u0000-\\u001F) found while parsing a string at line 1 column 10"
    )


def test_columns_count_bytes_and_lines_count_newlines_only() -> None:
    # "é" is two bytes; "\r" is an ordinary column.
    assert syntax_error('{"text": "é" x}') == "expected `,` or `}` at line 1 column 15"
    assert syntax_error('{\r\n"text": "a"\r\n x}') == "expected `,` or `}` at line 3 column 2"


def test_non_utf8_bodies() -> None:
    assert syntax_error(b"\xff\xfe{}") == "expected value at line 1 column 1"
    assert syntax_error(b'{"text": "a\xffb"}', CreateMessageRequest) == (
        "text: invalid unicode code point at line 1 column 14"
    )
    # An unknown field's string is skipped without decoding it, as serde does.
    body = b'{"foo": "\xff", "account_id": 1, "text": "a"}'
    assert parse_body(body, CreateMessageRequest).text == "a"


def test_recursion_limit() -> None:
    # serde's limit: 128 levels, the body itself being the first; metadata is the second.
    fits = '{"account_id": 1, "score": 1, "metadata": {"a":' + "[" * 125 + "]" * 125 + "}}"
    assert parse_body(fits.encode(), CreateFeedbackRequest).metadata is not None
    too_deep = fits.replace("[" * 125, "[" * 126).replace("]" * 125, "]" * 126)
    assert syntax_error(too_deep, CreateFeedbackRequest) == (
        "metadata.a" + "[0]" * 125 + ": recursion limit exceeded at line 1 column 173"
    )
    # Skipped values have no limit.
    skipped = '{"x": ' + "[" * 5000 + "]" * 5000 + ', "account_id": 1, "score": 1}'
    assert parse_body(skipped.encode(), CreateFeedbackRequest).score == 1


# -- wrong shapes, in serde's words ------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '{"account_id": "a"}',
            'account_id: invalid type: string "a", expected i64 at line 1 column 18',
        ),
        (
            '{"account_id": "1"}',
            'account_id: invalid type: string "1", expected i64 at line 1 column 18',
        ),
        (
            '{"account_id": null}',
            "account_id: invalid type: null, expected i64 at line 1 column 19",
        ),
        (
            '{"account_id": 1.5}',
            "account_id: invalid type: floating point `1.5`, expected i64 at line 1 column 18",
        ),
        (
            '{"account_id": 1.0}',
            "account_id: invalid type: floating point `1.0`, expected i64 at line 1 column 18",
        ),
        (
            '{"account_id": 1e3}',
            "account_id: invalid type: floating point `1000.0`, expected i64 at line 1 column 18",
        ),
        (
            '{"account_id": -0}',
            "account_id: invalid type: floating point `-0.0`, expected i64 at line 1 column 17",
        ),
        (
            '{"account_id": true}',
            "account_id: invalid type: boolean `true`, expected i64 at line 1 column 19",
        ),
        (
            '{"account_id": [1]}',
            "account_id: invalid type: sequence, expected i64 at line 1 column 15",
        ),
        ('{"account_id": {}}', "account_id: invalid type: map, expected i64 at line 1 column 15"),
        (
            '{"account_id": 9223372036854775808}',
            "account_id: invalid value: integer `9223372036854775808`, expected i64"
            " at line 1 column 34",
        ),
        (
            '{"account_id": 18446744073709551615}',
            "account_id: invalid value: integer `18446744073709551615`, expected i64"
            " at line 1 column 35",
        ),
        (
            '{"account_id": 99999999999999999999}',
            "account_id: invalid type: floating point `1e20`, expected i64 at line 1 column 35",
        ),
        (
            '{"account_id": -9223372036854775809}',
            "account_id: invalid type: floating point `-9.223372036854776e18`, expected i64"
            " at line 1 column 35",
        ),
        (
            '{"account_id": 1, "type": "x"}',
            "type: unknown variant `x`, expected `instant` or `deep_insights` at line 1 column 29",
        ),
        (
            '{"account_id": 1, "type": 5}',
            "type: invalid type: integer `5`, expected `instant` or `deep_insights`"
            " at line 1 column 27",
        ),
        (
            '{"account_id": 1, "type": "instant", "capabilities": {}}',
            "capabilities: invalid type: map, expected a sequence at line 1 column 53",
        ),
        (
            '{"account_id": 1, "type": "instant", "capabilities": ["X"]}',
            "capabilities[0]: unknown variant `X`, expected one of `PREFILL_ORDER`,"
            " `OPEN_CHART`, `OPEN_SCREENER`, `OPEN_ENTITLEMENT_CONSENT` at line 1 column 57",
        ),
        (
            '{"account_id": 1, "type": "instant", "text": 5}',
            "text: invalid type: integer `5`, expected a string at line 1 column 46",
        ),
        ('{"account_id": 1, "type": "instant", "text": "a\\n\\"b"}', None),
        (
            '{"account_id": 1, "type": "instant", "target": {"type": "ticker"}}',
            "target: missing field `ticker` at line 1 column 65",
        ),
        (
            '{"account_id": 1, "type": "instant", "target": {"type": "isin", "ticker": "A"}}',
            "target.type: unknown variant `isin`, expected `ticker` at line 1 column 62",
        ),
        (
            '{"account_id": 1, "type": "instant", "target": "NVDA"}',
            'target: invalid type: string "NVDA", expected struct DeepInsightsTarget'
            " at line 1 column 53",
        ),
        ('{"account_id": 1, "account_id": 2}', "duplicate field `account_id` at line 1 column 30"),
        (
            '{"account_id": 1, "account_id"  : 2}',
            "duplicate field `account_id` at line 1 column 32",
        ),
        ("[]", "invalid type: sequence, expected struct CreateThreadRequest at line 1 column 0"),
        (
            '"hi"',
            'invalid type: string "hi", expected struct CreateThreadRequest at line 1 column 4',
        ),
        ("  null", "invalid type: null, expected struct CreateThreadRequest at line 1 column 6"),
        ("5", "invalid type: integer `5`, expected struct CreateThreadRequest at line 1 column 1"),
    ],
)
def test_shape_errors(body: str, expected: str | None) -> None:
    if expected is None:  # a valid body, included for its escapes
        assert parse_body(body.encode(), CreateThreadRequest).text == 'a\n"b'
        return
    assert shape_error(body) == expected


def test_first_problem_in_reading_order_wins() -> None:
    # A wrong type before a syntax error is a 422, as serde reads and fails in one pass.
    assert shape_error('{"account_id": "a", oops') == (
        'account_id: invalid type: string "a", expected i64 at line 1 column 18'
    )
    assert syntax_error('{"oops" "account_id": "a"}') == "expected `:` at line 1 column 9"


def test_string_values_are_quoted_like_rust_debug() -> None:
    assert shape_error('{"account_id": "a\\"b\\\\c\\n\\u0007é"}') == (
        'account_id: invalid type: string "a\\"b\\\\c\\n\\u{7}é", expected i64 at line 1 column 34'
    )


def test_entitlement_bodies() -> None:
    body = '{"agreement_id": "a", "entitlement_codes": ["x"], "account_ids": [1]}'
    assert shape_error(body, CreateEntitlementsRequest) == (
        "entitlement_codes[0]: unknown variant `x`, expected `omni.account_data`"
        " at line 1 column 47"
    )
    body = '{"account_ids": [1, "2"], "entitlement_codes": []}'
    assert shape_error(body, OptOutEntitlementsRequest) == (
        'account_ids[1]: invalid type: string "2", expected i64 at line 1 column 23'
    )
    body = '{"agreement_id": "a", "entitlement_codes": ["omni.account_data"], "account_ids": [7]}'
    parsed = parse_body(body.encode(), CreateEntitlementsRequest)
    assert parsed.entitlement_codes == [EntitlementCode.OMNI_ACCOUNT_DATA]
    assert parsed.account_ids == [7]


# -- what is accepted --------------------------------------------------------------------


def test_a_full_create_thread_body() -> None:
    body = {
        "account_id": 19816,
        "type": "deep_insights",
        "capabilities": ["PREFILL_ORDER", "OPEN_CHART"],
        "text": None,
        "target": {"type": "ticker", "ticker": "NVDA", "extra": [1, {"x": None}]},
        "thesis": "AI capex keeps growing",
        "context": {
            "items": [
                {
                    "data": {"rows": [{"symbol": "NVDA", "qty": "10"}], "n": -0, "big": 1e300},
                    "kind": "positions",
                    "label": "My positions",
                    "captured_at": "2026-04-23T16:09:51.746912+02:00",
                }
            ]
        },
        "unknown": {"ignored": True},
    }
    text = json.dumps(body, indent=2).replace('"n": 0', '"n": -0')
    parsed = parse_body(text.encode(), CreateThreadRequest)
    assert parsed.type is ConversationMode.DEEP_INSIGHTS
    assert parsed.capabilities == [Capability.PREFILL_ORDER, Capability.OPEN_CHART]
    assert parsed.target is not None and parsed.target.ticker == "NVDA"
    assert parsed.context is not None
    item = parsed.context.items[0]
    assert item.captured_at == datetime(2026, 4, 23, 14, 9, 51, 746912, tzinfo=UTC)
    assert item.data["rows"] == [{"symbol": "NVDA", "qty": "10"}]
    assert str(item.data["n"]) == "-0.0"  # serde reads -0 as a float
    assert parsed.text is None


def test_integers_fit_their_rust_types() -> None:
    for account_id in (-(2**63), 0, 2**63 - 1):
        body = f'{{"account_id": {account_id}, "text": "a"}}'.encode()
        assert parse_body(body, CreateMessageRequest).account_id == account_id
    assert shape_error(
        '{"account_id": -9223372036854775808, "score": 2147483648}', CreateFeedbackRequest
    ) == ("score: invalid value: integer `2147483648`, expected i32 at line 1 column 56")
    assert shape_error('{"account_id": 1, "score": -2147483649}', CreateFeedbackRequest) == (
        "score: invalid value: integer `-2147483649`, expected i32 at line 1 column 38"
    )


@pytest.mark.parametrize("score", [-1, 0, 1, 2, 3, 4, 5])
def test_feedback_scores(score: int) -> None:
    body = f'{{"account_id": 1, "score": {score}, "comment": null, "metadata": {{"a": [1]}}}}'
    parsed = parse_body(body.encode(), CreateFeedbackRequest)
    assert parsed.score == score
    assert parsed.metadata == {"a": [1]}


@pytest.mark.parametrize("score", [-2, 6, 100])
def test_feedback_score_rule(score: int) -> None:
    body = f'{{"account_id": 1, "score": {score}}}'
    assert shape_error(body, CreateFeedbackRequest) == "score: must be -1, 0, +1 or 1 to 5"


def test_optional_fields_accept_null_and_absence() -> None:
    body = b'{"account_id": 1, "type": "instant", "capabilities": null, "context": null}'
    parsed = parse_body(body, CreateThreadRequest)
    assert parsed.capabilities is None and parsed.context is None and parsed.target is None


def test_keys_may_be_escaped_and_bytes_like_bodies_are_read() -> None:
    body = bytearray(b'{"account\\u005fid": 3, "text": "\\ud83d\\ude00"}')
    parsed = parse_body(bytes(body), CreateMessageRequest)
    assert parsed.account_id == 3 and parsed.text == "\U0001f600"


# -- context rules ---------------------------------------------------------------------


def message_with_context(context: Any) -> bytes:
    return json.dumps({"account_id": 1, "text": "a", "context": context}).encode()


def item(**overrides: Any) -> dict[str, Any]:
    return {"data": {"a": 1}, "kind": "quote", "label": "AAPL", **overrides}


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"n": value}
    return value


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"items": []}, "context.items: must contain 1 to 4 items"),
        ({"items": [item()] * 5}, "context.items: must contain 1 to 4 items"),
        ({"items": [item(), item(kind="")]}, "context.items[1].kind: must not be blank"),
        ({"items": [item(label=" \t\n")]}, "context.items[0].label: must not be blank"),
        ({"items": [item(data=nested(33))]}, "context.items[0].data: nested deeper than 32 levels"),
        (
            {"items": [item(data={"a": [nested(31)]})]},
            "context.items[0].data: nested deeper than 32 levels",
        ),
        (
            {"items": [item(data={"s": "x" * 70_000})]},
            "context: compact JSON must be at most 65536 bytes",
        ),
    ],
)
def test_context_rules(context: Any, expected: str) -> None:
    assert shape_error(message_with_context(context), CreateMessageRequest) == expected


def test_context_limits_are_inclusive() -> None:
    parse_body(message_with_context({"items": [item()] * 4}), CreateMessageRequest)
    parse_body(message_with_context({"items": [item(data=nested(32))]}), CreateMessageRequest)
    base = {"items": [item(data={"s": ""})]}
    filler = 65536 - len(json.dumps(base, separators=(",", ":")))
    exact = {"items": [item(data={"s": "x" * filler})]}
    parse_body(message_with_context(exact), CreateMessageRequest)
    over = {"items": [item(data={"s": "x" * (filler + 1)})]}
    with pytest.raises(InvalidBody):
        parse_body(message_with_context(over), CreateMessageRequest)


def test_context_size_counts_utf8_bytes_of_compact_json() -> None:
    base = {"items": [item(data={"s": ""})]}
    room = 65536 - len(json.dumps(base, separators=(",", ":")))
    fits = {"items": [item(data={"s": "é" * (room // 2)})]}
    parse_body(message_with_context(fits), CreateMessageRequest)
    assert compact_json_size(fits) == 65536 - room % 2


def test_context_items_need_their_fields() -> None:
    body = message_with_context({"items": [{"kind": "k", "label": "l"}]})
    assert shape_error(body, CreateMessageRequest) == (
        "context.items[0]: missing field `data` at line 1 column 80"
    )
    body = message_with_context({"items": [item(data=[1])]})
    assert shape_error(body, CreateMessageRequest) == (
        "context.items[0].data: invalid type: sequence, expected a map at line 1 column 62"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-04-23", "premature end of input"),
        ("2026-04-23T16:09:51", "premature end of input"),
        ("2026-04-23T16:09:51.", "premature end of input"),
        ("2026-04-23X16:09:51Z", "input contains invalid characters"),
        ("2026-04-23T16:09:51.Z", "input contains invalid characters"),
        ("2026-04-23T16:09:51+0", "premature end of input"),
        ("yesterday", "input contains invalid characters"),
        ("2026-04-23T16:09:51Z!", "trailing input"),
        ("2026-02-30T16:09:51Z", "input is out of range"),
        ("2026-04-23T24:00:00Z", "input is out of range"),
        ("2026-04-23T16:09:51+24:00", "input is out of range"),
    ],
)
def test_captured_at_errors_use_chronos_words(text: str, expected: str) -> None:
    body = message_with_context({"items": [item(captured_at=text)]})
    message = shape_error(body, CreateMessageRequest)
    assert message.startswith(f"context.items[0].captured_at: {expected} at line 1 column ")


def test_captured_at_forms() -> None:
    expected = datetime(2026, 4, 23, 10, 39, 51, 123456, tzinfo=UTC)
    for text in (
        "2026-04-23T16:09:51.123456789+05:30",
        "2026-04-23t16:09:51.123456+0530",
        "2026-04-23 10:39:51.123456z",
        "2026-04-23T10:39:51.123456Z ",
    ):
        assert parse_rfc3339(text) == expected
    body = message_with_context({"items": [item(captured_at=5)]})
    assert shape_error(body, CreateMessageRequest) == (
        "context.items[0].captured_at: invalid type: integer `5`, expected an RFC 3339 "
        "formatted date and time string at line 1 column 122"
    )


# -- serde's formatting helpers --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1.0, "1.0"),
        (1.5, "1.5"),
        (100.0, "100.0"),
        (1e15, "1000000000000000.0"),
        (1e16, "1e16"),
        (1.2345678901234567e20, "1.2345678901234567e20"),
        (0.001, "0.001"),
        (1e-5, "0.00001"),
        (1e-6, "1e-6"),
        (1.5e-7, "1.5e-7"),
        (-2.5, "-2.5"),
        (123456.789, "123456.789"),
        (1.7976931348623157e308, "1.7976931348623157e308"),
    ],
)
def test_ryu(value: float, expected: str) -> None:
    assert ryu(value) == expected


def test_rust_debug_and_paths() -> None:
    assert rust_debug('it\'s "x"\\\0\t\x1b\u0301é') == '"it\'s \\"x\\"\\\\\\0\\t\\u{1b}\\u{301}é"'
    assert format_path(("context", "items", 0, "data", None)) == "context.items[0].data.?"
    assert format_path((0, "a")) == "[0].a"


# -- fuzzing: nothing but InvalidRequest or InvalidBody, whatever comes in -------------------

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    [
        "account_id",
        "type",
        "text",
        "score",
        "capabilities",
        "target",
        "context",
        "items",
        "data",
        "kind",
        "label",
        "captured_at",
        "metadata",
        "comment",
        "account_ids",
        "entitlement_codes",
        "agreement_id",
        "thesis",
        "ticker",
    ]
)
VALID_LEAVES: st.SearchStrategy[Any] = st.sampled_from(
    [
        1,
        -1,
        5,
        2**63,
        "instant",
        "deep_insights",
        "ticker",
        "OPEN_CHART",
        "omni.account_data",
        "2026-01-01T00:00:00Z",
        " ",
        "",
        None,
        [],
        {},
        1.5,
    ]
)
SHAPED = st.recursive(
    VALID_LEAVES | JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(FIELD_NAMES, inner, max_size=7),
    max_leaves=25,
)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(body: bytes, model: type[BaseModel]) -> None:
    try:
        parse_body(body, model)
    except (InvalidRequest, InvalidBody) as error:
        assert error.message.startswith((SYNTAX, SHAPE)), error.message


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(MODELS))
def test_fuzz_arbitrary_bytes(body: bytes, model: type[BaseModel]) -> None:
    outcome(body, model)


@FUZZ
@given(SHAPED, st.sampled_from(MODELS), st.sampled_from([None, 0, 2]))
def test_fuzz_json_of_roughly_the_right_shape(
    value: Any, model: type[BaseModel], indent: int | None
) -> None:
    body = json.dumps(value, indent=indent, ensure_ascii=False).encode()
    with contextlib.suppress(InvalidBody):  # valid JSON is never a syntax error here
        parse_body(body, model)


@FUZZ
@given(SHAPED, st.sampled_from(MODELS), st.data())
def test_fuzz_corrupted_json(value: Any, model: type[BaseModel], data: st.DataObject) -> None:
    body = bytearray(json.dumps(value).encode())
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(body)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(list(b'{}[],:"\\-0e.n \n\xff\xc3')))
        if action == "insert":
            body.insert(position, byte)
        elif position < len(body):
            if action == "delete":
                del body[position]
            else:
                body[position] = byte
    outcome(bytes(body), model)


def read_untyped(text: bytes, *, quickly: bool) -> Any:
    reader = Reader(text)
    if quickly:
        value = MapNode().read(reader, ())
    else:
        reader.start_value()
        value = untyped.read_map(reader, ())
    reader.end()
    return value


def strict_loads(text: str, *, serde_numbers: bool = False) -> Any:
    """Python's json, refusing NaN and Infinity; optionally with serde's number kinds."""

    def refuse(name: str) -> None:
        raise ValueError(name)

    def finite(digits: str) -> float:
        value = float(digits)
        if value in (float("inf"), float("-inf")):
            raise ValueError(digits)  # serde: number out of range
        return value

    def serde_int(digits: str) -> int | float:
        value = int(digits)
        if digits == "-0" or not -(2**63) <= value < 2**64:
            return finite(digits)  # serde keeps 64-bit integers only
        return value

    if serde_numbers:
        return json.loads(text, parse_constant=refuse, parse_int=serde_int, parse_float=finite)
    return json.loads(text, parse_constant=refuse)


@FUZZ
@given(JSON_VALUES, st.data())
def test_untyped_values_match_pythons_json(value: Any, data: st.DataObject) -> None:
    # serde_json::Value accepts exactly the JSON that Python's json does (given what serde
    # refuses: NaN, infinities, lone surrogates), and the quick path agrees with the exact one.
    text = json.dumps({"v": value}, ensure_ascii=data.draw(st.booleans()))
    if data.draw(st.booleans()) and len(text) > 2:
        cut = data.draw(st.integers(1, len(text) - 1))
        text = (
            text[:cut] + data.draw(st.sampled_from(["", ",", "]", "}", "x", "1", '"'])) + text[cut:]
        )
    assume("\\ud" not in text.lower() and "Infinity" not in text)
    try:
        expected: Any = strict_loads(text, serde_numbers=True)
    except ValueError:
        expected = SerdeError
    if not isinstance(expected, dict):
        expected = SerdeError
    for quickly in (False, True):
        try:
            got: Any = read_untyped(text.encode(), quickly=quickly)
        except SerdeError:
            got = SerdeError
        assert got == expected
        if got is not SerdeError:
            assert json.dumps(got) == json.dumps(expected)  # same int/float kinds


@FUZZ
@given(st.text(alphabet='{}[],:"\\0123456789.eE-+ntrufasl \n', max_size=40))
def test_skipping_accepts_what_json_accepts(text: str) -> None:
    assume("\\u" not in text)
    try:
        strict_loads(text)
        valid = True
    except ValueError:
        valid = False
    for skip in (untyped.skip_value, lambda reader, _: untyped._skip(reader)):
        reader = Reader(text.encode())
        try:
            skip(reader, ())
            reader.end()
            skipped = True
        except SerdeError:
            skipped = False
        assert skipped == valid


@FUZZ
@given(
    st.integers(-(2**63), 2**63 - 1),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1),  # NUL: refused
    st.lists(st.sampled_from(list(Capability)), max_size=4),
    st.sampled_from([None, 0, 1, 4]),
)
def test_valid_bodies_round_trip(
    account_id: int, text: str, capabilities: list[Capability], indent: int | None
) -> None:
    body = {"account_id": account_id, "text": text, "capabilities": capabilities}
    parsed = parse_body(json.dumps(body, indent=indent).encode(), CreateMessageRequest)
    assert parsed.model_dump(mode="json", exclude={"context"}) == body


def test_fuzz_helpers_cover_every_model() -> None:
    """Every body model the server publishes is in the fuzzed list (a new one must be added)."""
    from omni_server.api.operations import OPERATIONS

    published = {op.body.__name__ for op in OPERATIONS if op.body is not None}
    assert {model.__name__ for model in MODELS} == published
    for model in MODELS:
        assert [name for name, _node, _required in struct_of(model).fields] == list(
            model.model_fields
        )
