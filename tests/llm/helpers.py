"""Requests against the server running the LLM engine."""

from __future__ import annotations

from typing import Any

from tests.support import Harness, wait_terminal

API = "/v1/omni-ai"


async def start(h: Harness, text: str = "What is a covered call?", **extra: Any) -> dict[str, Any]:
    body = {"type": "instant", "account_id": 1, "text": text, **extra}
    if body["type"] != "instant":
        del body["text"]
    r = await h.client.post(f"{API}/threads", json=body)
    assert r.status_code == 200, r.text
    created: dict[str, Any] = r.json()["data"]
    return created


async def ask(h: Harness, text: str = "What is a covered call?", **extra: Any) -> dict[str, Any]:
    created = await start(h, text, **extra)
    return await wait_terminal(h.client, created["response_id"])


async def poll(h: Harness, response_id: str) -> dict[str, Any]:
    r = await h.client.get(f"{API}/responses/{response_id}", params={"account_id": 1})
    data: dict[str, Any] = r.json()["data"]
    return data


def parts(response: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [p for p in response["content"]["parts"] if p["type"] == kind]


def text_of(response: dict[str, Any]) -> str:
    return "".join(p["text"] for p in parts(response, "text"))
