"""The wire models: lenient parsing, camelCase payloads, unions, timestamps, repr."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from clear_street import types as t

CHART_PART = {
    "type": "chart",
    "payload": {
        "chartId": "chart_revenue_growth",
        "clicked": False,
        "actionButtons": [
            {
                "buttonId": "btn_compare_aapl_spy",
                "label": "Compare AAPL vs SPY",
                "prompt": {"prompt": "Compare AAPL vs SPY over 1 year"},
                "structuredAction": {"actionId": "a1"},
                "itemId": "i1",
            }
        ],
        "dataChart": {"series": [{"name": "Revenue", "points": [{"x": "Q1", "y": 100.0}]}]},
        "itemId": "i0",
    },
}
SUGGESTED_PART = {
    "type": "suggested_actions",
    "payload": {
        "actionButtons": [{"buttonId": "btn_followup_0", "label": "Check my positions"}],
        "clickedItemIds": ["x"],
    },
}
NEW_ORDER = {
    "prefill_order": {
        "action_type": "NEW",
        "orders": [
            {
                "order_type": "LIMIT",
                "quantity": "10",
                "side": "BUY",
                "time_in_force": "AT_THE_OPENING",
                "symbol": "AAPL",
                "limit_price": "190.5",
                "strategy": {"type": "DMA", "destination": "XNAS"},
            }
        ],
    }
}
CANCEL_ORDER = {
    "prefill_order": {"action_type": "CANCEL", "orders": [{"account_id": 1, "order_id": "o1"}]}
}
MODIFY_ORDER = {
    "prefill_order": {"action_type": "MODIFY", "orders": [{"order_id": "o1", "quantity": "5"}]}
}
OPEN_CHART = {"open_chart": {"symbol": "AAPL", "timeframe": "1Y"}}
OPEN_SCREENER = {
    "open_screener": {
        "filters": [{"field": "market_cap", "operator": "gte", "value": 1e9}],
        "sort_direction": "DESC",
    }
}
CONSENT = {
    "open_entitlement_consent": {
        "account_ids": [100019],
        "agreement_key": "omni_account_data_access",
        "entitlement_codes": ["omni.account_data"],
        "reason": "Portfolio analysis requires Omni consent to access account data.",
    }
}


def structured(action: dict[str, Any]) -> dict[str, Any]:
    return {"type": "structured_action", "action_id": "a1", "action": action, "clicked": True}


def test_camel_case_payloads_parse_and_round_trip() -> None:
    part = TypeAdapter(t.MessageContentPart).validate_python(CHART_PART)

    assert isinstance(part, t.ContentPartChart)
    button = (part.payload.action_buttons or [])[0]
    assert button.button_id == "btn_compare_aapl_spy"
    assert button.structured_action is not None and button.structured_action.action_id == "a1"
    assert part.model_dump(mode="json", by_alias=True, exclude_none=True) == CHART_PART


def test_payloads_can_be_built_by_field_name() -> None:
    payload = t.SuggestedActionsPayload(
        action_buttons=[t.ActionButton(button_id="b", label="L")], clicked_item_ids=[]
    )

    assert payload.model_dump(by_alias=True, exclude_none=True) == {
        "actionButtons": [{"buttonId": "b", "label": "L"}],
        "clickedItemIds": [],
    }


@pytest.mark.parametrize(
    ("action", "cls"),
    [
        (NEW_ORDER, t.PrefillOrder),
        (CANCEL_ORDER, t.PrefillOrder),
        (MODIFY_ORDER, t.PrefillOrder),
        (OPEN_CHART, t.OpenChart),
        (OPEN_SCREENER, t.OpenScreener),
        (CONSENT, t.OpenEntitlementConsent),
    ],
)
def test_structured_actions(action: dict[str, Any], cls: type) -> None:
    part = TypeAdapter(t.ResponseContentPart).validate_python(structured(action))

    assert isinstance(part, t.ContentPartStructuredAction)
    assert isinstance(part.action, cls)
    assert part.model_dump(mode="json", by_alias=True, exclude_none=True) == structured(action)


def test_prefill_kinds_are_told_apart_by_action_type() -> None:
    kinds = [
        TypeAdapter(t.StructuredAction).validate_python(a).prefill_order  # type: ignore[union-attr]
        for a in (NEW_ORDER, CANCEL_ORDER, MODIFY_ORDER)
    ]

    assert [type(k) for k in kinds] == [
        t.PrefillNewOrderAction,
        t.PrefillCancelOrderAction,
        t.PrefillModifyOrderAction,
    ]
    assert isinstance(kinds[0].orders[0].strategy, t.DirectMarketAccess)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "bad", [{}, {"open_chart": {"symbol": "A"}, "open_screener": {"filters": []}}]
)
def test_a_structured_action_needs_exactly_one_kind(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(t.StructuredAction).validate_python(bad)


def test_thinking_is_a_response_part_only() -> None:
    thinking = {"type": "thinking", "thoughts": ["Fetching AAPL..."]}

    assert isinstance(
        TypeAdapter(t.ResponseContentPart).validate_python(thinking), t.ContentPartThinking
    )
    with pytest.raises(ValidationError):
        TypeAdapter(t.MessageContentPart).validate_python(thinking)


def test_every_content_part_kind() -> None:
    parts = [
        {"type": "text", "text": "[AAPL](ticker:AAPL) is up"},
        {"type": "thinking", "thoughts": []},
        structured(OPEN_CHART),
        CHART_PART,
        SUGGESTED_PART,
        {"type": "custom", "payload": {"anything": [1, 2]}},
    ]
    content = t.ResponseContent.model_validate({"parts": parts})

    assert [p.type for p in content.parts] == [
        "text",
        "thinking",
        "structured_action",
        "chart",
        "suggested_actions",
        "custom",
    ]


def test_unknown_fields_are_kept_and_optional_fields_default_to_none() -> None:
    message = t.Message.model_validate(
        {
            "id": "m",
            "thread_id": "t",
            "seq": 1,
            "role": "USER",
            "outcome": "completed",
            "content": {"parts": [{"type": "text", "text": "hi", "future": 1}]},
            "created_at": "2026-04-23T15:15:54.929830+00:00",
            "brand_new_field": {"x": 1},
        }
    )

    assert message.error is None
    assert message.context is None
    assert message.model_extra == {"brand_new_field": {"x": 1}}
    assert message.content.parts[0].model_extra == {"future": 1}


def test_timestamps_are_datetimes_written_with_an_explicit_offset() -> None:
    thread = t.Thread.model_validate(
        {
            "id": "t",
            "title": "x",
            "created_at": "2026-04-23T15:15:54.929830+00:00",
            "updated_at": "2026-04-23T17:15:54+02:00",
        }
    )

    assert thread.created_at == datetime(2026, 4, 23, 15, 15, 54, 929830, tzinfo=UTC)
    dumped = json.loads(thread.model_dump_json())
    assert dumped["created_at"] == "2026-04-23T15:15:54.929830+00:00"
    assert dumped["updated_at"] == "2026-04-23T15:15:54.000000+00:00"


def test_format_timestamp() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert (
        t.format_timestamp(datetime(2026, 1, 1, 2, tzinfo=plus_two))
        == "2026-01-01T00:00:00.000000+00:00"
    )
    assert t.format_timestamp(datetime(2026, 1, 1)) == "2026-01-01T00:00:00.000000"  # noqa: DTZ001


def test_envelope_repr_is_short_and_readable() -> None:
    answer = t.ResponseCancelResponseResponse.model_validate(
        {"data": {"canceled": True}, "metadata": {"request_id": "req-1", "next_page_token": None}}
    )

    assert repr(answer) == (
        "ResponseCancelResponseResponse(data=CancelResponsePayload(canceled=True), "
        "metadata=ResponseMetadata(request_id='req-1'))"
    )
    assert str(answer) == repr(answer)


def test_idle_thread_shows_data_none() -> None:
    idle = t.ThreadGetThreadResponseResponse.model_validate(
        {"data": None, "metadata": {"request_id": "r"}}
    )

    assert idle.data is None
    assert repr(idle).startswith("ThreadGetThreadResponseResponse(data=None, ")


def test_list_envelope_pagination_metadata() -> None:
    page = t.ThreadGetThreadsResponse.model_validate(
        {
            "data": [],
            "metadata": {
                "request_id": "r",
                "next_page_token": "eyJvIjoxfQ",
                "previous_page_token": None,
                "page_number": 0,
                "total_items": 0,
                "total_pages": 0,
            },
        }
    )

    assert page.metadata.next_page_token == "eyJvIjoxfQ"
    assert page.metadata.total_pages == 0


def test_generic_envelopes() -> None:
    env = t.Envelope[t.CancelResponsePayload].model_validate(
        {"data": {"canceled": False}, "metadata": {"request_id": "r"}}
    )
    lst = t.ListEnvelope[t.Thread].model_validate({"data": [], "metadata": {"request_id": "r"}})
    err = t.ErrorEnvelope.model_validate(
        {
            "error": {"code": 409, "message": "m", "details": [{"active_response_id": "x"}]},
            "metadata": {"request_id": "r"},
        }
    )

    assert env.data.canceled is False
    assert lst.data == []
    assert err.error.details == [{"active_response_id": "x"}]


def test_response_terminal_statuses() -> None:
    def resp(status: str) -> t.Response:
        return t.Response(id="r", status=status, thread_id="t", user_message_id="u")

    assert [
        resp(s).is_terminal for s in ("queued", "running", "succeeded", "failed", "canceled")
    ] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert frozenset({"succeeded", "failed", "canceled"}) == t.TERMINAL_STATUSES


def test_models_produce_json_schemas() -> None:
    """The server reuses these models for its OpenAPI document."""
    schema = t.ThreadGetMessagesResponse.model_json_schema(mode="serialization")
    defs = schema["$defs"]

    assert {"Message", "ResponseMetadata", "ContentPartChart", "ChartPayload"} <= set(defs)
    assert "chartId" in defs["ChartPayload"]["properties"]
    created_at = defs["Message"]["properties"]["created_at"]
    assert (created_at["type"], created_at["format"]) == ("string", "date-time")
