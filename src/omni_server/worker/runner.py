"""The claim loop: keeps up to ``max_running`` turns running, fairly among accounts.

Work comes from the database, never from memory, so a restart loses nothing: queued rows are
claimed again and rows left running by a dead process are reaped when their lease expires.
Three independent tasks share the work, so that none can starve another:

- the *claim loop* wakes on a signal (in-process call, or a PostgreSQL notification through
  ``listener``) when a turn is queued, and polls as a fallback;
- the *heartbeat* extends this runner's leases every ``heartbeat_interval`` (a third of the
  lease by default), stops the engines of claims that are no longer running (a cancel whose
  notification was missed), and reaps expired leases of any worker;
- the *listener*, on PostgreSQL, keeps the notification connection open.

A drain (SIGTERM) stops claiming at once, waits up to a grace period for running turns, then
finalizes what is left as ``worker_lost`` with the content saved so far.
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
from omni_server.worker.signals import PostgresListener

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
        max_per_account: int | None = None,
        poll_interval: float = 0.5,
        lease_seconds: float = 10.0,
        heartbeat_interval: float | None = None,
        settings: TurnSettings | None = None,
        account_data: AccountData | None = None,
        usage: UsageSink | None = None,
        listener: PostgresListener | None = None,
    ) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._turns = turns
        self._queries = queries
        self._engine = engine
        self._max_running = max_running
        self._max_per_account = max_per_account
        self._poll_interval = poll_interval
        self._lease = timedelta(seconds=lease_seconds)
        self._heartbeat_interval = heartbeat_interval or lease_seconds / 3
        self._settings = settings or TurnSettings()
        self._account_data = account_data
        self._usage = usage
        self._listener = listener
        self._tasks: dict[uuid.UUID, tuple[Claim, asyncio.Task[None]]] = {}
        self._stopping: set[uuid.UUID] = set()
        self._finalizing: set[uuid.UUID] = set()
        self._wake = asyncio.Event()
        self._beat = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []
        self.draining = False

    @property
    def running(self) -> int:
        return len(self._tasks)

    # -- signals (services.ports.TurnSignals, worker.signals.SignalTarget) ------------------

    def turn_queued(self) -> None:
        self._wake.set()

    def turn_canceled(self, response_id: uuid.UUID) -> None:
        """Stop the engine of a response that was finalized (canceled) by someone else."""
        entry = self._tasks.get(response_id)
        if entry is not None and response_id not in self._stopping:
            self._stopping.add(response_id)
            entry[1].cancel()

    def signals_reconnected(self) -> None:
        """Notifications may have been missed: claim and check our claims now."""
        self._wake.set()
        self._beat.set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._beat.set()  # reap leases left by a dead process without waiting an interval
        self._background = [
            asyncio.create_task(self._claim_loop(), name="omni-claim"),
            asyncio.create_task(self._heartbeat_loop(), name="omni-heartbeat"),
        ]
        if self._listener is not None:
            listen = self._listener.run(self)
            self._background.append(asyncio.create_task(listen, name="omni-listen"))

    async def drain(self, grace: float) -> None:
        """Stop claiming now; give running turns ``grace`` seconds, then :meth:`stop`."""
        self.draining = True
        running = [task for _claim, task in self._tasks.values()]
        log.info("draining: %d turn(s) running, grace %.1f s", len(running), grace)
        if running:
            await asyncio.wait(running, timeout=grace)
        await self.stop()

    async def stop(self) -> None:
        """Stop claiming, stop running engines and fail their turns (``worker_lost``)."""
        self.draining = True
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background = []
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

    async def _claim_loop(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("claiming failed; retrying")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()
            self._wake.clear()

    async def _heartbeat_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._heartbeat_interval):
                    await self._beat.wait()
            self._beat.clear()
            try:
                await self.heartbeat()
                await self.reap()
            except Exception:
                log.exception("heartbeat failed; retrying")

    async def tick(self) -> int:
        """Claim what fits in the free slots (none while draining). Returns claims made."""
        free = self._max_running - len(self._tasks)
        if self.draining or free <= 0:
            return 0
        claims = await self._turns.claim(
            worker_id=self.worker_id,
            limit=free,
            lease=self._lease,
            now=utcnow(),
            per_account=self._max_per_account,
        )
        for claim in claims:
            self._spawn(claim)
        return len(claims)

    async def heartbeat(self) -> None:
        """Extend our leases; stop engines whose claim is no longer running."""
        claims = [claim for claim, _task in self._tasks.values()]
        if not claims:
            return
        alive = await self._turns.heartbeat(claims, lease=self._lease, now=utcnow())
        for claim in claims:
            response_id = claim.response.id
            # A claim missing from ``alive`` that its own task is finalizing is not lost.
            lost = response_id not in alive and response_id not in self._finalizing
            if lost and response_id in self._tasks:
                log.info("response %s is no longer ours; stopping its engine", response_id)
                self.turn_canceled(response_id)

    async def reap(self) -> None:
        """Finalize expired leases (of any worker) as ``worker_lost``."""
        for response_id, attempt in await self._turns.expired_leases(utcnow()):
            if response_id in self._tasks:
                continue
            reaped = await self._turns.finalize(
                response_id, ResponseStatus.FAILED, now=utcnow(), error=WORKER_LOST, attempt=attempt
            )
            if reaped is not None:
                events.finished(reaped)
                log.warning("response %s finalized as worker_lost (lease expired)", response_id)

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
                finalizing=lambda: self._finalizing.add(response_id),
            ),
            name=f"turn-{response_id}",
        )
        self._tasks[response_id] = (claim, task)
        task.add_done_callback(lambda t: self._done(claim, t))

    def _done(self, claim: Claim, task: asyncio.Task[None]) -> None:
        response_id = claim.response.id
        self._tasks.pop(response_id, None)
        self._finalizing.discard(response_id)
        if response_id in self._stopping:
            self._stopping.discard(response_id)
            # Wall-clock time, so that another process (bench/bench_scale.py) can measure
            # from its DELETE to the moment this engine stopped.
            log.info("engine stopped for response %s at %.6f", response_id, time.time())
        elif not task.cancelled() and task.exception() is not None:
            log.error("turn %s ended with %r", response_id, task.exception())
        self._wake.set()
