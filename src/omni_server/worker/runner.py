"""The claim loop: keeps up to ``max_running`` turns running, in order of arrival.

Work comes from the database, never from memory, so a restart loses nothing: queued rows are
claimed again and rows left running by a dead process are reaped when their lease expires.
The loop wakes on an in-process signal when a turn is queued and polls as a fallback (the
signal a separate worker process would get by a notification).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ErrorCode, ResponseStatus
from omni_server.domain.models import Claim, ErrorInfo
from omni_server.engines.base import Engine
from omni_server.observability import events
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.worker.execution import AccountData, TurnSettings, UsageSink, execute

log = logging.getLogger("omni.worker")

WORKER_LOST = ErrorInfo(
    ErrorCode.WORKER_LOST.value, "The worker running this turn stopped before it finished."
)


class Runner:
    def __init__(
        self,
        turns: TurnStore,
        queries: QueryStore,
        engine: Engine,
        *,
        max_running: int = 64,
        poll_interval: float = 0.5,
        lease_seconds: float = 10.0,
        settings: TurnSettings | None = None,
        account_data: AccountData | None = None,
        usage: UsageSink | None = None,
    ) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._turns = turns
        self._queries = queries
        self._engine = engine
        self._max_running = max_running
        self._poll_interval = poll_interval
        self._lease = timedelta(seconds=lease_seconds)
        self._settings = settings or TurnSettings()
        self._account_data = account_data
        self._usage = usage
        self._tasks: dict[uuid.UUID, tuple[Claim, asyncio.Task[None]]] = {}
        self._wake = asyncio.Event()
        self._main: asyncio.Task[None] | None = None
        self._heartbeat_at = 0.0
        self._reaped_at = 0.0

    # -- signals from the API (services.ports.TurnSignals) -------------------------------------

    def turn_queued(self) -> None:
        self._wake.set()

    def turn_canceled(self, response_id: uuid.UUID) -> None:
        """Stop the engine of a response that the API has already finalized as canceled."""
        entry = self._tasks.get(response_id)
        if entry is not None:
            entry[1].cancel()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._main = asyncio.create_task(self._loop(), name="omni-runner")

    async def stop(self) -> None:
        """Stop claiming, stop running engines and fail their turns (``worker_lost``)."""
        if self._main is not None:
            self._main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._main
        running = dict(self._tasks)
        for _claim, task in running.values():
            task.cancel()
        await asyncio.gather(*(task for _claim, task in running.values()), return_exceptions=True)
        for claim, _task in running.values():
            lost = await self._turns.finalize(
                claim.response.id,
                ResponseStatus.FAILED,
                now=utcnow(),
                error=WORKER_LOST,
                attempt=claim.attempt,
            )
            if lost is not None:
                events.finished(lost)

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("runner tick failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()
            self._wake.clear()

    async def tick(self) -> int:
        """One pass: keep leases alive, reap dead ones, claim what fits. Returns claims made."""
        await self._maintain()
        free = self._max_running - len(self._tasks)
        claims = await self._turns.claim(
            worker_id=self.worker_id, limit=free, lease=self._lease, now=utcnow()
        )
        for claim in claims:
            self._spawn(claim)
        return len(claims)

    async def run_until_idle(self, timeout: float = 30.0) -> None:
        """Claim and run until nothing is queued or running (deterministic tests)."""
        async with asyncio.timeout(timeout):
            while await self.tick() or self._tasks:
                if self._tasks:
                    tasks = [task for _claim, task in self._tasks.values()]
                    await asyncio.wait(tasks, return_when="FIRST_COMPLETED")

    # -- internals ---------------------------------------------------------------------------

    def _spawn(self, claim: Claim) -> None:
        response_id = claim.response.id
        task = asyncio.create_task(
            execute(
                claim,
                turns=self._turns,
                queries=self._queries,
                engine=self._engine,
                settings=self._settings,
                account_data=self._account_data,
                usage=self._usage,
            ),
            name=f"turn-{response_id}",
        )
        self._tasks[response_id] = (claim, task)
        task.add_done_callback(lambda t: self._done(claim, t))

    def _done(self, claim: Claim, task: asyncio.Task[None]) -> None:
        self._tasks.pop(claim.response.id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("turn %s ended with %r", claim.response.id, task.exception())
        self._wake.set()

    async def _maintain(self) -> None:
        now_mono = time.monotonic()
        lease = self._lease.total_seconds()
        if self._tasks and now_mono - self._heartbeat_at >= lease / 3:
            self._heartbeat_at = now_mono
            claims = [claim for claim, _task in self._tasks.values()]
            await self._turns.heartbeat(claims, lease=self._lease, now=utcnow())
        if now_mono - self._reaped_at >= min(lease / 2, 5.0):
            self._reaped_at = now_mono
            await self._reap()

    async def _reap(self) -> None:
        for response_id, attempt in await self._turns.expired_leases(utcnow()):
            if response_id in self._tasks:
                continue
            reaped = await self._turns.finalize(
                response_id, ResponseStatus.FAILED, now=utcnow(), error=WORKER_LOST, attempt=attempt
            )
            if reaped is not None:
                events.finished(reaped)
                log.warning("response %s finalized as worker_lost (lease expired)", response_id)
