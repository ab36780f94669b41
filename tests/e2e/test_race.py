"""Cancel and completion racing on purpose, hundreds of times, on each database.

The race runs twice per database: 500 turns against the app in process (ASGI, so the race is
dense and fast), and 120 turns over real HTTP against ``omni serve`` started as a subprocess,
so the same interleavings also cross a socket, uvicorn and a separate event loop.

A first wave of turns runs to its end (polled, then canceled: ``canceled`` must be false) and
measures how long a turn lasts under this load. Every later turn is canceled at a random moment
around that duration, and the estimate keeps adapting (later when cancels win, earlier when
completions win), so both outcomes happen often on any machine and backend. Whatever the
interleaving, the contract must hold: one final message per turn, written together with the
terminal status, an outcome that matches it, a ``canceled`` flag that tells the truth, gapless
history, and nothing written by the engine after a cancel.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest

from omni_server.engines.builtin import instant_answer
from tests.conftest import fast_settings
from tests.e2e.conftest import ServerFactory, create_key
from tests.support import running_app

pytestmark = pytest.mark.slow

API = "/v1/omni-ai"
PROMPT = "hello there"
ANSWER = instant_answer(PROMPT)
THREADS = 250
TURNS_PER_THREAD = 2  # 500 turns in all
CONCURRENCY = 50
# Over real HTTP: fewer turns, so that the subprocess race stays well under a minute.
PROCESS_THREADS = 60  # 120 turns, 100 of them raced
PROCESS_CONCURRENCY = 20
OUTCOME = {"succeeded": "completed", "failed": "errored", "canceled": "canceled"}
MIN_SHARE = 0.10


class AdaptiveDelay:
    """A random delay around an estimate that moves toward an even split of outcomes.

    Turn durations depend on the machine, the backend and the load: the estimate starts at a
    measured duration and is then learnt, with steps that shrink as outcomes accumulate (a
    stochastic approximation of the median duration under the race's own load).
    """

    def __init__(self, rng: random.Random, start: float = 0.1) -> None:
        self._rng = rng
        self._seen = 0
        self.estimate = start

    def draw(self) -> float:
        return self.estimate * self._rng.uniform(0.2, 1.8)

    def record(self, canceled: bool) -> None:
        # Canceled: the cancel came before the end, so aim later next time; and the reverse.
        self._seen += 1
        step = 1 + max(0.03, 0.2 / math.sqrt(self._seen))
        self.estimate *= step if canceled else 1 / step
        self.estimate = min(5.0, max(0.001, self.estimate))


@dataclass
class Turn:
    thread_id: str
    response_id: str
    user_message_id: str
    delay: float = 0.0
    flags: list[bool] = field(default_factory=list)
    status: str = ""
    output_message_id: str = ""
    raced: bool = True


@dataclass
class Race:
    client: httpx.AsyncClient
    rng: random.Random
    delay: AdaptiveDelay | None = None
    turns: list[Turn] = field(default_factory=list)
    threads: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)

    async def start_thread(self) -> dict[str, Any]:
        body = {"type": "instant", "account_id": 1, "text": PROMPT}
        r = await self.client.post(f"{API}/threads", json=body)
        assert r.status_code == 200, r.text
        accepted: dict[str, Any] = r.json()["data"]
        self.threads.append(accepted["thread_id"])
        return accepted

    async def continue_thread(self, thread_id: str) -> dict[str, Any]:
        # The previous turn's cancel has answered, so that turn is over: no 409 is possible.
        body = {"account_id": 1, "text": PROMPT}
        r = await self.client.post(f"{API}/threads/{thread_id}/messages", json=body)
        assert r.status_code == 200, r.text
        accepted: dict[str, Any] = r.json()["data"]
        return accepted

    async def run_thread(self, gate: asyncio.Semaphore, thread_id: str | None = None) -> None:
        """Race the turns of a new thread, or the remaining turns of a measured one."""
        async with gate:
            if thread_id is None:
                thread_id = (await self.race(await self.start_thread())).thread_id
            for _ in range(TURNS_PER_THREAD - 1):
                await self.race(await self.continue_thread(thread_id))

    async def measure(self) -> None:
        """A turn left to finish; then a cancel that must report ``canceled: false``."""
        accepted = await self.start_thread()
        turn = self.new_turn(accepted, raced=False)
        while await self.status(turn) not in OUTCOME:
            await asyncio.sleep(0.5)  # spaced out: the polls should add little load
        await self.cancel_and_settle(turn)
        params = {"account_id": 1}
        r = await self.client.get(f"{API}/threads/{turn.thread_id}/messages", params=params)
        user, assistant = r.json()["data"]
        # The server's own timestamps: acknowledgement to final message.
        ended = datetime.fromisoformat(assistant["created_at"])
        self.durations.append((ended - datetime.fromisoformat(user["created_at"])).total_seconds())

    async def race(self, accepted: dict[str, Any]) -> Turn:
        assert self.delay is not None
        turn = self.new_turn(accepted, raced=True)
        turn.delay = self.delay.draw()
        await asyncio.sleep(turn.delay)
        await self.cancel_and_settle(turn)
        self.delay.record(turn.status == "canceled")
        return turn

    def new_turn(self, accepted: dict[str, Any], *, raced: bool) -> Turn:
        ids = accepted["thread_id"], accepted["response_id"], accepted["user_message_id"]
        turn = Turn(*ids, raced=raced)
        self.turns.append(turn)
        return turn

    async def cancel_and_settle(self, turn: Turn) -> None:
        # Now and then two cancels race each other as well as the worker.
        cancels = 2 if self.rng.random() < 0.2 else 1
        answers = await asyncio.gather(*(self.cancel(turn.response_id) for _ in range(cancels)))
        turn.flags = list(answers)
        # Synchronous cancel: the response is terminal the moment the DELETE has answered.
        turn.status = await self.status(turn)
        assert turn.status in OUTCOME, turn

    async def status(self, turn: Turn) -> str:
        params = {"account_id": 1}
        r = await self.client.get(f"{API}/responses/{turn.response_id}", params=params)
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        turn.output_message_id = data["output_message_id"]
        status: str = data["status"]
        return status

    async def cancel(self, response_id: str) -> bool:
        params = {"account_id": 1}
        r = await self.client.delete(f"{API}/responses/{response_id}", params=params)
        assert r.status_code == 200, r.text
        canceled: bool = r.json()["data"]["canceled"]
        return canceled


def text_of(parts: list[dict[str, Any]]) -> str:
    return "".join(p["text"] for p in parts if p["type"] == "text")


async def check_thread(client: httpx.AsyncClient, thread_id: str, turns: list[Turn]) -> None:
    params = {"account_id": 1, "page_size": 100}
    r = await client.get(f"{API}/threads/{thread_id}/messages", params=params)
    assert r.status_code == 200, r.text
    messages = r.json()["data"]
    assert [m["seq"] for m in messages] == list(range(1, 2 * len(turns) + 1)), messages
    pairs = zip(messages[::2], messages[1::2], strict=True)
    for turn, (user, assistant) in zip(turns, pairs, strict=True):
        assert (user["role"], user["outcome"]) == ("USER", "completed")
        assert user["id"] == turn.user_message_id
        assert text_of(user["content"]["parts"]) == PROMPT
        assert assistant["role"] == "ASSISTANT"
        assert assistant["id"] == turn.output_message_id
        assert assistant["outcome"] == OUTCOME[turn.status], (turn, assistant)
        parts = assistant["content"]["parts"]
        assert all(p["type"] != "thinking" for p in parts), assistant
        if turn.status == "succeeded":
            assert text_of(parts) == ANSWER, assistant
        else:
            # Only what the engine produced before the cancel, nothing written after it.
            assert ANSWER.startswith(text_of(parts)), assistant
    r = await client.get(f"{API}/threads/{thread_id}/response", params={"account_id": 1})
    assert r.json()["data"] is None


async def check_turn(client: httpx.AsyncClient, turn: Turn) -> None:
    # The cancel's flag tells the truth about the final status (both cancels, when two raced).
    assert all(flag == (turn.status == "canceled") for flag in turn.flags), turn
    r = await client.get(f"{API}/responses/{turn.response_id}", params={"account_id": 1})
    data = r.json()["data"]
    # The status does not change after it was seen terminal (a late worker changed nothing).
    assert (data["status"], data["output_message_id"]) == (turn.status, turn.output_message_id)
    r = await client.get(f"{API}/messages/{turn.output_message_id}", params={"account_id": 1})
    assert r.status_code == 200, r.text
    message = r.json()["data"]
    assert message["outcome"] == OUTCOME[turn.status]
    # The final message holds exactly what the response shows without its thinking parts, and
    # neither changed afterwards (a canceled engine's later output was discarded).
    visible = [p for p in data["content"]["parts"] if p["type"] != "thinking"]
    assert message["content"]["parts"] == visible, (turn, message, data)


async def gather_bounded(coroutines: list[Any], limit: int) -> None:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine: Any) -> None:
        async with gate:
            await coroutine

    await asyncio.gather(*(one(c) for c in coroutines))


async def run_race(
    client: httpx.AsyncClient, rng: random.Random, *, threads: int, concurrency: int
) -> None:
    """Measure, race ``threads`` threads of two turns each, then check every invariant."""
    race = Race(client, rng)
    started = time.monotonic()
    async with asyncio.timeout(150):
        await asyncio.gather(*(race.measure() for _ in range(concurrency)))
        measured = list(race.threads)
        race.delay = AdaptiveDelay(rng, start=statistics.median(race.durations))
        gate = asyncio.Semaphore(concurrency)
        await asyncio.gather(
            *(race.run_thread(gate, thread_id) for thread_id in measured),
            *(race.run_thread(gate) for _ in range(threads - len(measured))),
        )
    elapsed = time.monotonic() - started

    raced = [t for t in race.turns if t.raced]
    counts = Counter(t.status for t in raced)
    print(
        f"{len(race.turns)} turns in {elapsed:.1f} s; raced {len(raced)}: {dict(counts)}; "
        f"measured duration {statistics.median(race.durations) * 1000:.0f} ms, "
        f"final estimate {race.delay.estimate * 1000:.0f} ms"
    )
    assert len(race.turns) == threads * TURNS_PER_THREAD
    assert all(t.status == "succeeded" for t in race.turns if not t.raced)
    assert set(counts) <= {"succeeded", "canceled"}, counts
    for status in ("succeeded", "canceled"):
        assert counts[status] >= MIN_SHARE * len(raced), counts

    by_thread: dict[str, list[Turn]] = {}
    for turn in race.turns:
        by_thread.setdefault(turn.thread_id, []).append(turn)
    await gather_bounded([check_thread(client, t, by_thread[t]) for t in race.threads], 20)
    await gather_bounded([check_turn(client, t) for t in race.turns], 20)


def seeded_rng() -> random.Random:
    seed = int(os.environ.get("OMNI_RACE_SEED", time.time_ns() % 1_000_000))
    print(f"race seed {seed} (OMNI_RACE_SEED={seed} replays the draws; timing still varies)")
    return random.Random(seed)


async def test_cancel_races_completion(database_url: str) -> None:
    """500 turns against the app in process: the densest race, no socket in between."""
    settings = fast_settings(
        database_url, chunk_delay=0.002, progress_interval=0.05, max_running=CONCURRENCY
    )
    async with running_app(settings) as h:
        await run_race(h.client, seeded_rng(), threads=THREADS, concurrency=CONCURRENCY)


async def test_cancel_races_completion_over_http_against_omni_serve(
    database_url: str, server_factory: ServerFactory
) -> None:
    """120 turns over real HTTP against ``omni serve`` in its own process, key made by the CLI.

    The cancel's answer, the worker's final write and the reads all cross a real socket and
    uvicorn, with the runner on the server's own event loop, as in production.
    """
    server = server_factory(
        database=database_url,
        chunk_delay=0.002,
        progress_interval=0.05,
        max_running=PROCESS_CONCURRENCY,
        access_log="false",
    )
    key = create_key(server.database, 1)
    server.start()
    headers = {"Authorization": f"Bearer {key}"}
    # Idle connections are dropped before the server's keep-alive (5 s) would close them, so
    # a request never races the server's close on a reused connection.
    limits = httpx.Limits(keepalive_expiry=2.0)
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, timeout=30, limits=limits
    ) as client:
        await run_race(
            client, seeded_rng(), threads=PROCESS_THREADS, concurrency=PROCESS_CONCURRENCY
        )
