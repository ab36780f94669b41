"""Per-key fairness at the edge, on each database: active turns and request rate, both 429.

The active limit is counted in the database, so it holds for creates racing in one process
and across two servers (two apps, two connection pools) on the same database.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from omni_server.settings import Settings
from tests.conftest import fast_settings
from tests.support import running_app

API = "/v1/omni-ai"


def limited(database_url: str, **overrides: object) -> Settings:
    return fast_settings(database_url, max_active_per_key=3, **overrides)


async def create(client: httpx.AsyncClient, key: str, text: str = "!omni:hang") -> httpx.Response:
    return await client.post(
        f"{API}/threads",
        json={"type": "instant", "account_id": 1, "text": text},
        headers={"Authorization": f"Bearer {key}"},
    )


def assert_too_many(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 429, answer.text
    assert answer.headers["x-should-retry"] == "true"
    assert int(answer.headers["retry-after"]) >= 1
    body: dict[str, Any] = answer.json()
    assert body["error"]["code"] == 429
    assert body["metadata"]["request_id"] == answer.headers["x-request-id"]
    return body


async def test_active_limit_refuses_the_key_over_it_and_not_another(database_url: str) -> None:
    async with running_app(limited(database_url)) as h:
        created = [await create(h.client, h.key) for _ in range(3)]
        assert [c.status_code for c in created] == [200, 200, 200]
        body = assert_too_many(await create(h.client, h.key))
        assert "too many active responses" in body["error"]["message"]
        # Nothing was written by the refused request: still three threads.
        threads = await h.client.get(f"{API}/threads", params={"account_id": 1})
        assert len(threads.json()["data"]) == 3

        other = await h.new_key(1)
        assert (await create(h.client, other)).status_code == 200

        # A continuation counts too; a canceled turn frees its place.
        thread_id = created[0].json()["data"]["thread_id"]
        first = created[0].json()["data"]["response_id"]
        cancel = await h.client.delete(f"{API}/responses/{first}", params={"account_id": 1})
        assert cancel.json()["data"] == {"canceled": True}
        again = await h.client.post(
            f"{API}/threads/{thread_id}/messages", json={"account_id": 1, "text": "!omni:hang"}
        )
        assert again.status_code == 200, again.text
        assert_too_many(
            await h.client.post(
                f"{API}/threads/{thread_id}/messages", json={"account_id": 1, "text": "x"}
            )
        )


async def test_concurrent_creates_never_exceed_the_active_limit(database_url: str) -> None:
    """Two servers on one database, 24 creates of one key at once: exactly 3 are accepted."""
    async with (
        running_app(limited(database_url)) as first,
        running_app(limited(database_url)) as second,
    ):
        key = await first.new_key(1)
        clients = [first.client, second.client] * 12
        answers = await asyncio.gather(*(create(c, key) for c in clients))
        codes = sorted(a.status_code for a in answers)
        assert codes.count(200) == 3, codes
        assert codes.count(429) == 21, codes

        async def active() -> int:
            r = await first.client.get(f"{API}/threads", params={"account_id": 1})
            return len(r.json()["data"])

        # The test key of ``first`` made nothing; only the three accepted threads exist.
        assert await active() == 3


async def test_rate_limit_refuses_a_fast_key_and_not_another(database_url: str) -> None:
    async with running_app(fast_settings(database_url, rate_limit="1/min burst 3")) as h:
        answers = [await h.client.get(f"{API}/threads", params={"account_id": 1}) for _ in range(4)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        body = assert_too_many(answers[3])
        assert "Too many requests" in body["error"]["message"]
        assert int(answers[3].headers["retry-after"]) > 50  # one token a minute

        other = await h.new_key(1)
        fine = await h.client.get(
            f"{API}/threads",
            params={"account_id": 1},
            headers={"Authorization": f"Bearer {other}"},
        )
        assert fine.status_code == 200
        # Unauthenticated requests are refused before the limit is consulted.
        anonymous = await h.client.get(
            f"{API}/threads", params={"account_id": 1}, headers={"Authorization": ""}
        )
        assert anonymous.status_code == 401


async def test_limits_are_off_when_configured_so(database_url: str) -> None:
    async with running_app(fast_settings(database_url, max_active_per_key=0)) as h:
        answers = [await create(h.client, h.key) for _ in range(5)]
        assert [a.status_code for a in answers] == [200] * 5
        polls = [await h.client.get(f"{API}/threads", params={"account_id": 1}) for _ in range(50)]
        assert {p.status_code for p in polls} == {200}
