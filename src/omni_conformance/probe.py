"""One HTTP call and what it answered, tolerant of servers that answer nonsense.

The checks must judge any server, including one that is not an implementation at all, so a
reply that is not JSON, or JSON of the wrong shape, is data to report, never an exception.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

API = "/v1/omni-ai"


class CheckFailed(Exception):
    """The server broke a rule of the contract; the message says which and how."""


class CannotRun(Exception):
    """The checks cannot start: no server at the URL, or the key is refused."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    body: Any  # decoded JSON, or None when the body is not JSON
    text: str

    def data(self) -> Any:
        """``data`` of a success envelope; a missing envelope is a contract failure."""
        if self.status != 200:
            raise CheckFailed(f"expected 200, got {self.status}: {self.text[:200]}")
        if not isinstance(self.body, dict) or "data" not in self.body:
            raise CheckFailed(f"200 without a data envelope: {self.text[:200]}")
        return self.body["data"]

    def field(self, data: Any, name: str) -> Any:
        if not isinstance(data, dict) or name not in data:
            raise CheckFailed(f"answer has no {name!r}: {self.text[:200]}")
        return data[name]

    def error(self, status: int, message: str | None = None, *, prefix: str = "") -> None:
        """Require the error envelope with ``status`` and, if given, the exact message."""
        if self.status != status:
            raise CheckFailed(f"expected {status}, got {self.status}: {self.text[:200]}")
        error = self.body.get("error") if isinstance(self.body, dict) else None
        if not isinstance(error, dict) or error.get("code") != status:
            raise CheckFailed(f"{status} without the error envelope: {self.text[:200]}")
        text = error.get("message")
        if message is not None and text != message:
            raise CheckFailed(f"expected message {message!r}, got {text!r}")
        if prefix and not (isinstance(text, str) and text.startswith(prefix)):
            raise CheckFailed(f"expected a message starting {prefix!r}, got {text!r}")


class Probe:
    """The server under test, seen through one key and one account."""

    def __init__(self, base_url: str, api_key: str, account_id: int, *, timeout: float) -> None:
        self.account_id = account_id
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Reply:
        try:
            r = self.client.request(
                method, API + path, params=params, json=json, headers=headers, content=content
            )
        except httpx.HTTPError as exc:
            raise CheckFailed(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        try:
            body = r.json()
        except ValueError:
            body = None
        return Reply(r.status_code, r.headers, body, r.text)

    def account(self) -> dict[str, int]:
        return {"account_id": self.account_id}

    def start_thread(self, text: str) -> dict[str, Any]:
        """Create a thread and its first turn; the ids it answered."""
        reply = self.call(
            "POST", "/threads", json={"type": "instant", **self.account(), "text": text}
        )
        data = reply.data()
        for name in ("thread_id", "response_id", "user_message_id"):
            reply.field(data, name)
        return dict(data)

    def response(self, response_id: str) -> dict[str, Any]:
        reply = self.call("GET", f"/responses/{response_id}", params=self.account())
        data = reply.data()
        reply.field(data, "status")
        return dict(data)

    def wait_terminal(self, response_id: str, *, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            data = self.response(response_id)
            if data["status"] in ("succeeded", "failed", "canceled"):
                return data
            if time.monotonic() > deadline:
                raise CheckFailed(f"response {response_id} still {data['status']} after {timeout}s")
            time.sleep(0.1)

    def history(self, thread_id: str, **params: Any) -> Reply:
        return self.call(
            "GET", f"/threads/{thread_id}/messages", params={**self.account(), **params}
        )
