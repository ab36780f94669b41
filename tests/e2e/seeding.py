"""Seeding a real server for schema-driven tests: real ids to steer generated cases to."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import OmniServer, create_key, make_server, poll
from tests.support import TERMINAL

API = "/v1/omni-ai"
GRANTED = (1, 2)


class Pool:
    """Real ids in a granted account, so that generated requests also reach existing data."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.responses: list[str] = []
        self.messages: list[str] = []

    def pick(self, name: str, generated: Any) -> Any:
        """Keep ``generated`` or swap in a real id, deterministically (Hypothesis replays it)."""
        try:
            number = uuid.UUID(str(generated)).int
        except ValueError:
            return generated  # not a UUID: leave the invalid value for the server to reject
        ids = {
            "thread_id": self.threads,
            "response_id": self.responses,
            "message_id": self.messages,
        }
        choices = ids.get(name) or []
        slot = number % (len(choices) + 1)
        return generated if slot == len(choices) else choices[slot]


def steer(case: Any, pool: Pool) -> None:
    """Point two thirds of the cases at a granted account and real ids."""
    for name, value in list((case.path_parameters or {}).items()):
        case.path_parameters[name] = pool.pick(name, value)
    for container in (case.query, case.body):
        if isinstance(container, dict):
            value = container.get("account_id")
            if isinstance(value, int) and not isinstance(value, bool) and value % 3 != 0:
                container["account_id"] = GRANTED[value % len(GRANTED)]


@contextmanager
def seeded_server(directory: Path) -> Iterator[tuple[OmniServer, str, Pool]]:
    """A running server with a key for ``GRANTED`` and three turns: succeeded, failed, hanging."""
    server = make_server(directory, chunk_delay=0.001)
    key = create_key(server.database, *GRANTED)
    server.start()
    pool = Pool()
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
            for text in ("What is the price of AAPL?", "!omni:fail=engine_error", "!omni:hang"):
                body = {"type": "instant", "account_id": 1, "text": text}
                data = client.post(f"{API}/threads", json=body).json()["data"]
                pool.threads.append(data["thread_id"])
                pool.responses.append(data["response_id"])
                pool.messages.append(data["user_message_id"])
            for response_id in pool.responses[:2]:  # the third one hangs until canceled
                url = f"{API}/responses/{response_id}"

                def finished(url: str = url) -> dict[str, Any] | None:
                    r: dict[str, Any] = client.get(url, params={"account_id": 1}).json()["data"]
                    return r if r["status"] in TERMINAL else None

                pool.messages.append(poll(finished, what="a seeded turn")["output_message_id"])
        yield server, key, pool
    finally:
        server.stop()
