"""Clients wired to a :class:`FakeApi` and a :class:`FakeTime`, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from clear_street import AsyncClearStreet, ClearStreet
from tests.sdk.mock_api import FakeApi, FakeTime

BASE_URL = "http://omni.test"
API_KEY = "test-key"


@pytest.fixture(autouse=True)
def _no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own settings out of the tests."""
    for name in ("CLEAR_STREET_API_KEY", "CLEAR_STREET_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(api: FakeApi, fake_time: FakeTime) -> Iterator[ClearStreet]:
    http = httpx.Client(transport=httpx.MockTransport(api.handler))
    c = ClearStreet(api_key=API_KEY, base_url=BASE_URL, http_client=http)
    c._transport.sleep = fake_time.sleep
    c._transport.clock = fake_time.clock
    yield c
    http.close()


@pytest.fixture
async def aclient(api: FakeApi, fake_time: FakeTime) -> AsyncIterator[AsyncClearStreet]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(api.handler))
    c = AsyncClearStreet(api_key=API_KEY, base_url=BASE_URL, http_client=http)
    c._transport.sleep = fake_time.asleep
    c._transport.clock = fake_time.clock
    yield c
    await http.aclose()


Call = Callable[..., Any]


@pytest.fixture(params=["sync", "async"])
def call(request: pytest.FixtureRequest, api: FakeApi, fake_time: FakeTime) -> Iterator[Call]:
    """``call("responses.cancel_response", "id", account_id=1)`` on either client.

    Lets one test pin down behaviour that the sync and async clients must share.
    """
    if request.param == "sync":
        http = httpx.Client(transport=httpx.MockTransport(api.handler))
        sync = ClearStreet(api_key=API_KEY, base_url=BASE_URL, http_client=http)
        sync._transport.sleep = fake_time.sleep
        sync._transport.clock = fake_time.clock

        def run_sync(name: str, *args: Any, **kwargs: Any) -> Any:
            return _method(sync.v1.omni_ai, name)(*args, **kwargs)

        yield run_sync
        http.close()
        return

    ahttp = httpx.AsyncClient(transport=httpx.MockTransport(api.handler))
    aclient = AsyncClearStreet(api_key=API_KEY, base_url=BASE_URL, http_client=ahttp)
    aclient._transport.sleep = fake_time.asleep
    aclient._transport.clock = fake_time.clock

    def run_async(name: str, *args: Any, **kwargs: Any) -> Any:
        return asyncio.run(_method(aclient.v1.omni_ai, name)(*args, **kwargs))

    yield run_async
    asyncio.run(ahttp.aclose())


def _method(omni_ai: Any, name: str) -> Any:
    resource, method = name.split(".")
    return getattr(getattr(omni_ai, resource), method)
