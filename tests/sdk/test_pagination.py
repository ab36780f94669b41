"""Walking every page: threads in API order, messages newest first, each item once."""

from __future__ import annotations

import pytest

from clear_street import AsyncClearStreet, ClearStreet, ClearStreetError
from tests.sdk.mock_api import FakeApi, message, ok, thread

TID = "019dbae9-73b3-7fe0-bd14-25fe57e91475"


def queue_thread_pages(api: FakeApi) -> None:
    api.queue(
        ok([thread("t5"), thread("t4")], next_page_token="p2", previous_page_token=None),
        ok([thread("t3"), thread("t2")], next_page_token="p3", previous_page_token="p1"),
        ok([thread("t1")], next_page_token=None, previous_page_token="p2"),
    )


def queue_message_pages(api: FakeApi) -> None:
    # The latest page first; each page is in ascending seq; next_page_token goes back in time.
    api.queue(
        ok([message(4), message(5)], next_page_token="older-1", previous_page_token=None),
        ok([message(2), message(3)], next_page_token="older-2", previous_page_token="newer-1"),
        ok([message(1)], next_page_token=None, previous_page_token="newer-2"),
    )


def test_iter_threads_follows_next_page_token(client: ClearStreet, api: FakeApi) -> None:
    queue_thread_pages(api)

    ids = [t.id for t in client.v1.omni_ai.threads.iter_threads(account_id=7, page_size=2)]

    assert ids == ["t5", "t4", "t3", "t2", "t1"]
    assert [api.query(i) for i in range(3)] == [
        {"account_id": "7", "page_size": "2"},
        {"account_id": "7", "page_size": "2", "page_token": "p2"},
        {"account_id": "7", "page_size": "2", "page_token": "p3"},
    ]


def test_iter_messages_yields_newest_first(client: ClearStreet, api: FakeApi) -> None:
    queue_message_pages(api)

    seqs = [m.seq for m in client.v1.omni_ai.threads.iter_messages(TID, account_id=7)]

    assert seqs == [5, 4, 3, 2, 1]
    assert api.requests[0].url.path == f"/v1/omni-ai/threads/{TID}/messages"
    assert "page_token" not in api.query(0)
    assert api.query(2)["page_token"] == "older-2"


def test_pages_are_fetched_lazily(client: ClearStreet, api: FakeApi) -> None:
    queue_message_pages(api)

    newest = client.v1.omni_ai.threads.iter_messages(TID, account_id=7)
    first_two = [next(newest).seq, next(newest).seq]

    assert first_two == [5, 4]
    assert len(api.requests) == 1


def test_an_item_seen_twice_is_yielded_once(client: ClearStreet, api: FakeApi) -> None:
    # t3 became active while we paged and moved up; the server shows it again.
    api.queue(
        ok([thread("t3"), thread("t2")], next_page_token="p2"),
        ok([thread("t3"), thread("t1")], next_page_token=None),
    )

    ids = [t.id for t in client.v1.omni_ai.threads.iter_threads(account_id=7)]

    assert ids == ["t3", "t2", "t1"]


def test_empty_list(client: ClearStreet, api: FakeApi) -> None:
    api.queue(ok([], next_page_token=None))

    assert list(client.v1.omni_ai.threads.iter_threads(account_id=7)) == []


def test_a_repeated_token_stops_the_walk(client: ClearStreet, api: FakeApi) -> None:
    api.queue(ok([thread("a")], next_page_token="same"), ok([thread("b")], next_page_token="same"))

    with pytest.raises(ClearStreetError, match="twice"):
        list(client.v1.omni_ai.threads.iter_threads(account_id=7))


def test_empty_thread_id_fails_at_the_call(client: ClearStreet, api: FakeApi) -> None:
    with pytest.raises(ValueError, match="`thread_id`"):
        client.v1.omni_ai.threads.iter_messages("", account_id=7)
    assert api.requests == []


async def test_async_iter_threads(aclient: AsyncClearStreet, api: FakeApi) -> None:
    queue_thread_pages(api)

    ids = [t.id async for t in aclient.v1.omni_ai.threads.iter_threads(account_id=7)]

    assert ids == ["t5", "t4", "t3", "t2", "t1"]


async def test_async_iter_messages(aclient: AsyncClearStreet, api: FakeApi) -> None:
    queue_message_pages(api)

    seqs = [m.seq async for m in aclient.v1.omni_ai.threads.iter_messages(TID, account_id=7)]

    assert seqs == [5, 4, 3, 2, 1]
    assert len(api.requests) == 3
