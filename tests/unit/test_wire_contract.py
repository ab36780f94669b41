"""What ``api/wire.py`` sends is exactly what ``api/schemas.py`` declares, key for key.

Every wire function gets representative domain values (null and non-null variants of each
optional field, every enum value, content with every part kind the engines produce); its
output, wrapped in the real envelope, is validated as JSON bytes by the strict models in
strict mode. Then, per function, the keys emitted in every sample must be exactly the
model's required fields and the keys emitted in some sample exactly all of its fields: a
dropped, renamed or extra key fails here, long before a client notices.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from pydantic import BaseModel
from starlette.requests import Request

from omni_server.api import errors as api_errors
from omni_server.api import schemas, wire
from omni_server.api.envelope import ok
from omni_server.api.reading.models import TurnContext
from omni_server.api.routes.threads import _context
from omni_server.domain.entitlements import (
    ACCOUNT_DATA,
    ACCOUNT_DATA_AGREEMENT,
    Agreement,
    EntitlementStatus,
    Grant,
)
from omni_server.domain.lifecycle import MessageOutcome, ResponseStatus
from omni_server.domain.models import (
    AcceptedTurn,
    ErrorInfo,
    Feedback,
    Message,
    Mode,
    Part,
    Response,
    Role,
    Thread,
    TurnRequest,
)
from omni_server.domain.paging import Cursor, Direction, Page
from omni_server.engines import structured
from omni_server.engines.llm.builtin_tools import ScreenerArgs
from omni_server.services.turns import CancelResult
from tests.unit.test_engine_content import answer

ALL = tuple(structured.ACTION_OF)
MOMENTS = (
    datetime(2026, 4, 23, 15, 15, 54, 929830, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),  # no microseconds: still written with six digits
    datetime(2026, 4, 23, 17, 0, 0, 5, tzinfo=timezone(timedelta(hours=2))),  # not UTC
)
ERRORS = (None, ErrorInfo("engine_error", "The model backend failed"))


def rid() -> uuid.UUID:
    return uuid.uuid4()


async def engine_parts() -> list[Part]:
    """Parts of every kind the engines produce, from the engines' own builders."""
    found: list[Part] = []
    for prompt, capabilities in (
        ("Show me AAPL over the past year", ALL),
        ("buy 10 AAPL at 190 limit and sell 5 MSFT stop 100 limit 99 gtc extended hours", ALL),
        ("How is my portfolio doing?", ALL),
        ("What is the price of NVDA?", ()),
    ):
        found += await answer(prompt, *capabilities)
    found += await answer("How is my portfolio doing?", *ALL, enabled=False)
    ids = structured.Ids(rid())
    screener = ScreenerArgs.model_validate(
        {
            "filters": [{"field": "market_cap", "operator": "gte", "value": 10}],
            "columns": ["symbol"],
            "sort_by": "market_cap",
            "sort_direction": "DESC",
            "page_size": 25,
        }
    )
    found.append(structured.open_screener(ids, screener.model_dump(exclude_none=True)))
    found.append({"type": "custom", "payload": {"anything": [1, "two", None]}})
    return found


@pytest.fixture(scope="module")
def parts() -> list[Part]:
    made = asyncio.run(engine_parts())
    kinds = {p["type"] for p in made}
    assert kinds == {
        "text",
        "thinking",
        "structured_action",
        "chart",
        "suggested_actions",
        "custom",
    }
    actions = {key for p in made if p["type"] == "structured_action" for key in p["action"]}
    assert actions == set(structured.ACTION_OF.values())
    return made


def threads() -> list[Thread]:
    return [Thread(rid(), 1, "What is AAPL?", a, b) for a in MOMENTS for b in MOMENTS[:2]]


def contexts() -> list[dict[str, Any] | None]:
    item = {"data": {"a": [1, {"b": None}]}, "kind": "quote", "label": "AAPL"}
    when = {**item, "captured_at": datetime(2024, 5, 1, 10, 0, 0, 500000, tzinfo=UTC)}
    both = TurnContext.model_validate({"items": [item, when]})
    return [None, _context(both)]


def messages(parts: list[Part]) -> list[Message]:
    final = tuple(p for p in parts if p["type"] != "thinking")
    made = [
        Message(rid(), rid(), 1, Role.USER, MessageOutcome.COMPLETED, (), MOMENTS[0], None, c)
        for c in contexts()
    ]
    for outcome in MessageOutcome:
        for error in ERRORS:
            for content in ((), final):
                made.append(
                    Message(rid(), rid(), 2, Role.ASSISTANT, outcome, content, MOMENTS[2], error)
                )
    return made


def responses(parts: list[Part]) -> list[Response]:
    request = TurnRequest(Mode.INSTANT, "hi")
    return [
        Response(rid(), rid(), 1, rid(), rid(), 2, status, content, MOMENTS[0], request, error)
        for status in ResponseStatus
        for error in ERRORS
        for content in ((), tuple(parts))
    ]


def agreements() -> list[Agreement]:
    return [
        Agreement("agr_1", ACCOUNT_DATA_AGREEMENT, 1, "Account data", "text", (ACCOUNT_DATA,)),
        Agreement("agr_2", ACCOUNT_DATA_AGREEMENT, 2, "Account data", "", ()),
    ]


def grants() -> list[Grant]:
    return [Grant(rid(), 7, ACCOUNT_DATA, "agr_1", rid(), moment) for moment in MOMENTS]


def statuses() -> list[EntitlementStatus]:
    return [EntitlementStatus(7, ACCOUNT_DATA, enabled) for enabled in (True, False)]


def feedbacks() -> list[Feedback]:
    return [Feedback(rid(), rid(), 7, rid(), 1, moment) for moment in MOMENTS]


def pages() -> list[Page[Thread]]:
    cursor = Cursor(Direction.NEXT, (MOMENTS[0].isoformat(), str(rid())), 10)
    return [Page([], n, p) for n in (None, cursor) for p in (None, cursor)]


def strict(model: type[BaseModel], value: Any) -> BaseModel:
    """Validate ``value`` as the JSON bytes a client receives, in strict mode."""
    return model.model_validate_json(orjson.dumps(value), strict=True)


def request() -> Request:
    return Request({"type": "http", "state": {"request_id": str(uuid.uuid4())}})


def sent(data: Any, **metadata: Any) -> bytes:
    """The body the real success envelope sends for ``data``."""
    return bytes(ok(request(), data, **metadata).body)


Case = tuple[str, Callable[[Any], dict[str, Any]], type[BaseModel], Callable[[Any], bytes]]


def cases(parts: list[Part]) -> list[tuple[Case, list[Any]]]:
    one = sent

    def many(d: Any) -> bytes:
        return sent([d])

    return [
        (("thread", wire.thread, schemas.Thread, one), threads()),
        (("message", wire.message, schemas.Message, one), messages(parts)),
        (("response", wire.response, schemas.Response, one), responses(parts)),
        (
            ("accepted", wire.accepted, schemas.AcceptedTurn, one),
            [AcceptedTurn(rid(), rid(), rid())],
        ),
        (
            ("canceled", wire.canceled, schemas.CancelResult, one),
            [CancelResult(True), CancelResult(False)],
        ),
        (("agreement", wire.agreement, schemas.EntitlementAgreement, many), agreements()),
        (("grant", wire.grant, schemas.EntitlementGrant, many), grants()),
        (("revoked", wire.revoked, schemas.RevokedGrant, one), grants()),
        (("status", wire.entitlement_status, schemas.EntitlementStatus, many), statuses()),
        (("feedback", wire.feedback, schemas.FeedbackReceipt, one), feedbacks()),
    ]


ENVELOPE_OF: dict[str, type[BaseModel]] = {
    "thread": schemas.ThreadAnswer,
    "message": schemas.MessageAnswer,
    "response": schemas.ResponseAnswer,
    "accepted": schemas.AcceptedTurnAnswer,
    "canceled": schemas.CancelAnswer,
    "agreement": schemas.AgreementList,
    "grant": schemas.GrantList,
    "revoked": schemas.RevokedGrantAnswer,
    "status": schemas.EntitlementStatusList,
    "feedback": schemas.FeedbackAnswer,
}


def keys_of(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    """(required, all) wire names of ``model``'s fields."""
    names = {name: field.alias or name for name, field in model.model_fields.items()}
    required = {names[n] for n, f in model.model_fields.items() if f.is_required()}
    return required, set(names.values())


async def test_every_answer_validates_strictly(parts: list[Part]) -> None:
    for (name, build, _model, wrap), values in cases(parts):
        envelope = ENVELOPE_OF[name]
        for value in values:
            envelope.model_validate_json(wrap(build(value)), strict=True)


async def test_each_model_requires_exactly_what_wire_always_sends(parts: list[Part]) -> None:
    for (name, build, model, _wrap), values in cases(parts):
        emitted = [set(build(value)) for value in values]
        required, every = keys_of(model)
        always = set.intersection(*emitted)
        sometimes = set.union(*emitted)
        assert always == required, f"{name}: always sent {always}, required {required}"
        assert sometimes == every, f"{name}: sent {sometimes}, declared {every}"


async def test_every_part_kind_validates_in_responses_and_thinking_never_in_messages(
    parts: list[Part],
) -> None:
    for part in parts:
        strict(schemas.ResponseContent, {"parts": [part]})
    thinking = next(p for p in parts if p["type"] == "thinking")
    with pytest.raises(ValueError, match="thinking"):
        strict(schemas.MessageContent, {"parts": [thinking]})


def test_page_metadata_with_and_without_tokens() -> None:
    for page in pages():
        metadata = wire.page_metadata(page)
        schemas.ThreadPage.model_validate_json(sent([], **metadata), strict=True)
        required, every = keys_of(schemas.PageMetadata)
        assert required == every == {"request_id", *metadata}


def test_idle_thread_answers_null() -> None:
    schemas.ActiveResponseAnswer.model_validate_json(sent(None), strict=True)
    with pytest.raises(ValueError):
        schemas.ResponseAnswer.model_validate_json(sent(None), strict=True)


@pytest.mark.parametrize("status", sorted(set(api_errors.STATUS.values()) | {500}))
@pytest.mark.parametrize("details", [None, [{"active_response_id": str(uuid.uuid4())}]])
def test_error_envelope(status: int, details: list[dict[str, Any]] | None) -> None:
    body = api_errors.envelope(request(), status, "text", details).body
    schemas.ErrorEnvelope.model_validate_json(bytes(body), strict=True)


def test_timestamps_are_pinned_to_the_contracts_form() -> None:
    for moment in MOMENTS:
        strict(schemas.Thread, wire.thread(Thread(rid(), 1, "t", moment, moment)))
    naive_form = {**wire.thread(threads()[0]), "created_at": "2026-01-01T00:00:00Z"}
    with pytest.raises(ValueError, match="pattern"):
        schemas.Thread.model_validate(naive_form)


def test_models_refuse_extra_and_missing_keys() -> None:
    sample = wire.thread(threads()[0])
    with pytest.raises(ValueError, match="extra"):
        strict(schemas.Thread, {**sample, "surprise": 1})
    for key in sample:
        with pytest.raises(ValueError, match="required"):
            strict(schemas.Thread, _without(sample, key))


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}
