"""A cancel committed by an API server closes the model provider's stream in a worker process.

The LLM engine's cancel is how a cross-process cancel is seen from outside: the worker hears
the cancel through PostgreSQL, cancels the engine's task, and the engine closes its upstream
HTTP stream, which the fake provider (a real HTTP server in this test process) observes as a
disconnect. The provider streams forever, so a disconnect can only come from the cancel.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e import scale_support
from tests.e2e.conftest import create_key
from tests.e2e.scale_support import Cluster
from tests.e2e.test_scale import API, client, history, start_turn, wait_status
from tests.llm.fake_provider import FakeProvider, Received, Reply, chunk

pytestmark = pytest.mark.postgres

postgres_url = scale_support.postgres_url
cluster = scale_support.cluster


@dataclass
class ProviderThread:
    """The asyncio fake provider, on an event loop of its own beside the blocking test."""

    fake: FakeProvider
    loop: asyncio.AbstractEventLoop

    def wait_disconnect(self, timeout: float) -> Received:
        future = asyncio.run_coroutine_threadsafe(self.fake.wait_disconnect(timeout), self.loop)
        return future.result(timeout + 5)


@pytest.fixture
def provider() -> Iterator[ProviderThread]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake = FakeProvider()
    asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    try:
        yield ProviderThread(fake, loop)
    finally:
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_cancel_on_an_api_server_closes_the_provider_stream_of_a_worker(
    cluster: Cluster, provider: ProviderThread
) -> None:
    provider.fake.script(Reply(chunks=[chunk("Shares of ")], delay=0.02, forever=True))
    server = cluster.server()
    cluster.worker(
        engine="openai", llm_base_url=provider.fake.url, llm_model="fake", llm_timeout=10
    )
    key = create_key(cluster.database, 1)
    with client(server.url, key) as c:
        turn = start_turn(c, "Tell me about AAPL")

        def streamed() -> bool:
            data = wait_status(c, turn["response_id"], {"running"})
            parts = data["content"]["parts"]
            return any(p["type"] == "text" and len(p["text"]) > 40 for p in parts)

        deadline = time.monotonic() + 30
        while not streamed():
            assert time.monotonic() < deadline, "the worker's engine never streamed text"
            time.sleep(0.05)
        r = c.delete(f"{API}/responses/{turn['response_id']}", params={"account_id": 1})
        answered = time.monotonic()
        assert r.json()["data"]["canceled"] is True
        received = provider.wait_disconnect(timeout=10)
        assert received.disconnected_at is not None
        # Reported, not asserted tightly: bench/bench_scale.py measures the latency.
        print(f"provider saw the disconnect {received.disconnected_at - answered:.3f} s after")
        assert received.disconnected_at - answered < 5.0
        final = history(c, turn["thread_id"])[-1]
        assert final["outcome"] == "canceled"
        text = "".join(p.get("text", "") for p in final["content"]["parts"])
        assert text.startswith("Shares of ")
