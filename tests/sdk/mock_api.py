"""A scripted stand-in for the API, served through ``httpx.MockTransport``.

Tests queue the answers the fake should give, in order, then inspect the requests it saw.
An answer is an ``httpx.Response``, an exception to raise (a connection error, a timeout),
or a function of the request.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx

REQUEST_ID = "3f1c9a52-4b8e-4d2a-9c61-0a7e5b2d8f10"
Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def ok(data: Any, **metadata: Any) -> httpx.Response:
    """A success envelope around ``data``."""
    return httpx.Response(
        200, json={"data": data, "metadata": {"request_id": REQUEST_ID, **metadata}}
    )


def error(
    status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> httpx.Response:
    """An error envelope, as the API writes it."""
    body = {
        "error": {"code": status, "message": message, **extra},
        "metadata": {"request_id": REQUEST_ID},
    }
    return httpx.Response(status, json=body, headers=headers)


class FakeApi:
    """Serves queued answers and records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._answers: deque[Answer] = deque()

    def queue(self, *answers: Answer) -> None:
        self._answers.extend(answers)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self._answers:
            raise AssertionError(f"unexpected request: {request.method} {request.url}")
        answer = self._answers.popleft()
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)

    def query(self, index: int = -1) -> dict[str, str]:
        return dict(self.requests[index].url.params)


class FakeTime:
    """A clock that only moves when code sleeps, so retries and polling never wait."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


THREAD = {
    "id": "019dbae9-73b3-7fe0-bd14-25fe57e91475",
    "title": "What is current price of AAPL?",
    "created_at": "2026-04-23T15:15:54.929830+00:00",
    "updated_at": "2026-04-23T15:15:54.929830+00:00",
}


def thread(thread_id: str) -> dict[str, Any]:
    return {**THREAD, "id": thread_id}


def message(seq: int, thread_id: str = THREAD["id"]) -> dict[str, Any]:
    return {
        "id": f"msg-{seq}",
        "thread_id": thread_id,
        "seq": seq,
        "role": "USER" if seq % 2 else "ASSISTANT",
        "outcome": "completed",
        "content": {"parts": [{"type": "text", "text": f"message {seq}"}]},
        "created_at": "2026-04-23T15:15:54.929830+00:00",
    }


def response(status: str, response_id: str = "resp-1") -> dict[str, Any]:
    return {
        "id": response_id,
        "status": status,
        "thread_id": THREAD["id"],
        "user_message_id": "msg-1",
        "content": {"parts": [{"type": "thinking", "thoughts": ["..."]}]},
        "output_message_id": "msg-2",
    }
