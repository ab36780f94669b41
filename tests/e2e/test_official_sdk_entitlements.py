"""The official ``clearstreet`` SDK (PyPI 0.11.0) on entitlements and feedback, against
``omni serve`` running as a real process: every call parses into the SDK's own models.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import clearstreet
import pytest
from clearstreet import ClearStreet
from clearstreet.types.v1.omni_ai import Response

from tests.e2e.conftest import OmniServer, create_key, make_server, print_log_on_failure

CODE = "omni.account_data"
TERMINAL = {"succeeded", "failed", "canceled"}
FORBIDDEN = "The caller does not have permission to execute the specified operation"


@pytest.fixture(scope="module")
def omni(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OmniServer, str]]:
    """One server for the module, and a key for accounts 1 and 2 made with the CLI."""
    server = make_server(tmp_path_factory.mktemp("sdk-entitlements"), chunk_delay=0.001)
    key = create_key(server.database, 1, 2)
    server.start()
    yield server, key
    server.stop()


@pytest.fixture
def client(request: pytest.FixtureRequest, omni: tuple[OmniServer, str]) -> Iterator[ClearStreet]:
    server, key = omni
    since = server.log_size()
    with ClearStreet(api_key=key, base_url=server.url, _strict_response_validation=True) as c:
        yield c
    print_log_on_failure(request, server, since)


def wait_terminal(client: ClearStreet, response_id: str, account_id: int) -> Response:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        data = client.v1.omni_ai.responses.get_response_by_id(
            response_id, account_id=account_id
        ).data
        if data.status in TERMINAL:
            return data
        time.sleep(0.02)
    pytest.fail(f"response {response_id} did not end")


def test_consent_flow(client: ClearStreet) -> None:
    entitlements = client.v1.omni_ai.entitlements
    (agreement,) = entitlements.get_entitlement_agreements().data
    assert agreement.agreement_key == "omni_account_data_access"
    assert agreement.entitlement_codes == [CODE]
    digest = hashlib.sha256(agreement.document_content.encode()).hexdigest()
    assert agreement.document_sha256 == digest

    grants = entitlements.create_entitlements(
        account_ids=[1, 2], agreement_id=agreement.agreement_id, entitlement_codes=[CODE]
    ).data
    assert [(g.account_id, g.entitlement_code) for g in grants] == [(1, CODE), (2, CODE)]
    # get_entitlements and delete_entitlement are deprecated in 0.11 (the SDK warns).
    with pytest.deprecated_call():
        assert entitlements.get_entitlements(account_id=1).data == grants[:1]
    with pytest.deprecated_call():
        revoked = entitlements.delete_entitlement(grants[0].entitlement_id).data
    assert (revoked.entitlement_id, revoked.revoked) == (grants[0].entitlement_id, True)
    with pytest.raises(clearstreet.ConflictError) as conflict, pytest.deprecated_call():
        entitlements.delete_entitlement(grants[0].entitlement_id)
    assert conflict.value.body["error"]["message"] == "Grant already inactive"
    with pytest.raises(clearstreet.NotFoundError), pytest.deprecated_call():
        entitlements.delete_entitlement("no-such-grant")

    statuses = entitlements.get_entitlement_status().data
    assert [(s.account_id, s.enabled) for s in statuses] == [(1, False), (2, True)]
    off = entitlements.opt_out_entitlements(account_ids=[2], entitlement_codes=[CODE]).data
    assert [(s.account_id, s.enabled, s.entitlement_code) for s in off] == [(2, False, CODE)]
    entitlements.create_entitlements(
        account_ids=[1, 2], agreement_id=agreement.agreement_id, entitlement_codes=[CODE]
    )
    statuses = entitlements.get_entitlement_status(account_id=2).data
    assert [(s.account_id, s.enabled) for s in statuses] == [(2, True)]

    with pytest.raises(clearstreet.PermissionDeniedError) as denied:
        entitlements.get_entitlement_status(account_id=99)
    assert denied.value.body["error"]["message"] == FORBIDDEN
    with pytest.raises(clearstreet.BadRequestError) as bad:
        entitlements.create_entitlements(
            account_ids=[1], agreement_id="unknown", entitlement_codes=[CODE]
        )
    assert bad.value.body["error"]["message"] == "Invalid request payload"


def test_consent_action_then_portfolio(client: ClearStreet) -> None:
    ai = client.v1.omni_ai
    ai.entitlements.opt_out_entitlements(account_ids=[2], entitlement_codes=[CODE])
    created = ai.threads.create_thread(
        type="instant",
        account_id=2,
        text="What are my positions?",
        capabilities=["OPEN_ENTITLEMENT_CONSENT", "PREFILL_ORDER"],
    ).data
    final = wait_terminal(client, created.response_id, 2)
    message = ai.messages.get_message_by_id(final.output_message_id or "", account_id=2).data
    actions = [p for p in message.content.parts if p.type == "structured_action"]
    assert len(actions) == 1
    consent = actions[0].action.open_entitlement_consent  # type: ignore[union-attr]
    assert consent.account_ids == [2] and consent.entitlement_codes == [CODE]

    (agreement,) = ai.entitlements.get_entitlement_agreements().data
    ai.entitlements.create_entitlements(
        account_ids=consent.account_ids,
        agreement_id=agreement.agreement_id,
        entitlement_codes=consent.entitlement_codes,
    )
    follow = ai.threads.create_message(
        created.thread_id,
        account_id=2,
        text="And now, my positions?",
        capabilities=["OPEN_ENTITLEMENT_CONSENT"],
    ).data
    answer = wait_terminal(client, follow.response_id, 2)
    assert answer.content is not None
    assert [p.type for p in answer.content.parts if p.type == "structured_action"] == []
    text = "".join(p.text for p in answer.content.parts if p.type == "text")
    assert "account 2" in text and "(ticker:" in text


def test_prefill_and_feedback(client: ClearStreet) -> None:
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(
        type="instant",
        account_id=1,
        text="buy 10 AAPL at 190 limit",
        capabilities=["PREFILL_ORDER"],
    ).data
    final = wait_terminal(client, created.response_id, 1)
    assert final.status == "succeeded"
    message_id = final.output_message_id or ""
    message = ai.messages.get_message_by_id(message_id, account_id=1).data
    (action,) = [p for p in message.content.parts if p.type == "structured_action"]
    (order,) = action.action.prefill_order.orders  # type: ignore[union-attr]
    assert (order.side, order.quantity, order.symbol) == ("BUY", "10", "AAPL")
    assert (order.order_type, order.limit_price, order.time_in_force) == ("LIMIT", "190", "DAY")

    first = ai.messages.submit_feedback(
        message_id, score=5, account_id=1, comment="clear", metadata={"screen": "chat"}
    ).data
    second = ai.messages.submit_feedback(message_id, score=-1, account_id=1).data
    assert first.feedback_id and second.feedback_id and first.feedback_id != second.feedback_id
    assert first.created_at.endswith("+00:00")

    with pytest.raises(clearstreet.BadRequestError) as bad:
        ai.messages.submit_feedback(created.user_message_id, score=1, account_id=1)
    expected = "feedback is only accepted for finalized assistant messages"
    assert bad.value.body["error"]["message"] == expected
    with pytest.raises(clearstreet.PermissionDeniedError):
        ai.messages.submit_feedback(message_id, score=1, account_id=99)
    with pytest.raises(clearstreet.NotFoundError):
        ai.messages.submit_feedback(message_id, score=1, account_id=2)
