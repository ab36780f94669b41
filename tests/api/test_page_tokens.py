"""A page token carries its page size; a ``page_size`` sent alongside a token is ignored.

A caller who follows ``next_page_token`` sends only the token (the README's loop and our
client do), so the size must travel inside it: were it dropped, every page after the first
would silently fall back to the default of 100 items. These run in process on SQLite in a
few seconds, so a change to the token format, to ``api/deps.py`` or to the cursors the store
builds fails fast rather than only in the slow end-to-end tests.
"""

from __future__ import annotations

from typing import Any

from tests.support import Harness, wait_terminal

API = "/v1/omni-ai"


async def get_page(h: Harness, path: str, **params: Any) -> tuple[list[str], dict[str, Any]]:
    r = await h.client.get(f"{API}{path}", params={"account_id": 1, **params})
    assert r.status_code == 200, r.text
    body = r.json()
    return [item["id"] for item in body["data"]], body["metadata"]


async def test_thread_tokens_keep_the_first_page_size(harness: Harness) -> None:
    for i in range(5):
        r = await harness.client.post(
            f"{API}/threads", json={"type": "instant", "account_id": 1, "text": f"q{i}"}
        )
        await wait_terminal(harness.client, r.json()["data"]["response_id"])
    first, meta = await get_page(harness, "/threads", page_size=2)
    token = meta["next_page_token"]
    # Token alone: its own size (2), not the default (100, which would return all 3 left).
    second, _ = await get_page(harness, "/threads", page_token=token)
    # A page_size next to the token changes nothing, larger or smaller.
    assert (await get_page(harness, "/threads", page_token=token, page_size=100))[0] == second
    assert (await get_page(harness, "/threads", page_token=token, page_size=1))[0] == second
    assert len(first) == len(second) == 2 and not set(first) & set(second)


async def test_message_tokens_keep_the_first_page_size_both_ways(harness: Harness) -> None:
    r = await harness.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": "q0"}
    )
    accepted = r.json()["data"]
    thread = f"/threads/{accepted['thread_id']}/messages"
    await wait_terminal(harness.client, accepted["response_id"])
    for i in range(1, 4):  # 4 turns: 8 messages
        r = await harness.client.post(
            f"{API}/threads/{accepted['thread_id']}/messages",
            json={"account_id": 1, "text": f"q{i}"},
        )
        await wait_terminal(harness.client, r.json()["data"]["response_id"])
    latest, meta = await get_page(harness, thread, page_size=3)
    older, older_meta = await get_page(harness, thread, page_token=meta["next_page_token"])
    oldest, oldest_meta = await get_page(harness, thread, page_token=older_meta["next_page_token"])
    assert (len(latest), len(older), len(oldest)) == (3, 3, 2)
    # The way back (previous_page_token) keeps the size too, whatever page_size says: with 6
    # newer messages, a size of 100 would return all of them instead of the 3 just seen.
    back, _ = await get_page(
        harness, thread, page_token=oldest_meta["previous_page_token"], page_size=100
    )
    assert back == older
