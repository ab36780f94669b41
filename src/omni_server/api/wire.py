"""Domain values to the contract's JSON shapes, as plain dicts (the fast path).

``api/schemas.py`` holds the strict model of each shape; ``tests/unit/test_wire_contract.py``
checks every function here against it, key for key.
"""

from __future__ import annotations

from typing import Any

from omni_server.domain.entitlements import Agreement, EntitlementStatus, Grant
from omni_server.domain.ids import isoformat
from omni_server.domain.models import AcceptedTurn, Feedback, Message, Response, Thread
from omni_server.domain.paging import Page, encode_token
from omni_server.services.turns import CancelResult


def thread(value: Thread) -> dict[str, Any]:
    return {
        "id": str(value.id),
        "title": value.title,
        "created_at": isoformat(value.created_at),
        "updated_at": isoformat(value.updated_at),
    }


def message(value: Message) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(value.id),
        "thread_id": str(value.thread_id),
        "created_at": isoformat(value.created_at),
        "seq": value.seq,
        "role": value.role.value,
        "outcome": value.outcome.value,
        "content": {"parts": list(value.parts)},
        "error": value.error.as_wire() if value.error else None,
    }
    if value.context is not None:
        body["context"] = value.context
    return body


def response(value: Response) -> dict[str, Any]:
    return {
        "id": str(value.id),
        "status": value.status.value,
        "thread_id": str(value.thread_id),
        "user_message_id": str(value.user_message_id),
        "output_message_id": str(value.output_message_id),
        "content": {"parts": list(value.parts)},
        "error": value.error.as_wire() if value.error else None,
    }


def canceled(value: CancelResult) -> dict[str, Any]:
    return {"canceled": value.canceled}


def accepted(value: AcceptedTurn) -> dict[str, Any]:
    return {
        "response_id": str(value.response_id),
        "thread_id": str(value.thread_id),
        "user_message_id": str(value.user_message_id),
    }


def page_metadata(page: Page[Any]) -> dict[str, Any]:
    return {
        "next_page_token": encode_token(page.next_cursor) if page.next_cursor else None,
        "previous_page_token": encode_token(page.previous_cursor) if page.previous_cursor else None,
    }


def agreement(value: Agreement) -> dict[str, Any]:
    return {
        "agreement_id": value.agreement_id,
        "agreement_key": value.agreement_key,
        "version": value.version,
        "title": value.title,
        "document_content": value.document_content,
        "document_sha256": value.document_sha256,
        "entitlement_codes": list(value.entitlement_codes),
    }


def grant(value: Grant) -> dict[str, Any]:
    return {
        "entitlement_id": str(value.id),
        "account_id": value.account_id,
        "entitlement_code": value.entitlement_code,
        "agreement_id": value.agreement_id,
        "granted_at": isoformat(value.granted_at),
    }


def revoked(value: Grant) -> dict[str, Any]:
    return {"entitlement_id": str(value.id), "revoked": True}


def entitlement_status(value: EntitlementStatus) -> dict[str, Any]:
    return {
        "account_id": value.account_id,
        "enabled": value.enabled,
        "entitlement_code": value.entitlement_code,
    }


def feedback(value: Feedback) -> dict[str, Any]:
    return {"feedback_id": str(value.id), "created_at": isoformat(value.created_at)}
