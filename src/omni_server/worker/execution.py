"""Running one claimed turn: engine, then exactly one terminal write."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ErrorCode, ResponseStatus
from omni_server.domain.models import Claim, ErrorInfo, Turn
from omni_server.engines.base import Engine, EngineError
from omni_server.observability import events
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.worker.recorder import Fenced, TurnRecorder

log = logging.getLogger("omni.worker")

TIMEOUT = ErrorInfo(ErrorCode.TIMEOUT.value, "The turn exceeded its time limit.")
INTERNAL = ErrorInfo(ErrorCode.INTERNAL.value, "The turn failed because of an internal error.")


class AccountData(Protocol):
    """Whether Omni may read an account's data (its entitlement status)."""

    async def account_data_enabled(self, account_id: int) -> bool: ...


class UsageSink(Protocol):
    """Where the tokens a turn used are kept for operators (``store.usage.UsageStore``)."""

    async def record(
        self, response_id: uuid.UUID, engine: str, prompt: int, completion: int, now: datetime
    ) -> None: ...


@dataclass(frozen=True)
class TurnSettings:
    progress_interval: float = 0.1
    turn_timeout: float = 300.0
    history_limit: int = 50


async def execute(
    claim: Claim,
    *,
    turns: TurnStore,
    queries: QueryStore,
    engine: Engine,
    settings: TurnSettings,
    account_data: AccountData | None = None,
    usage: UsageSink | None = None,
    finalizing: Callable[[], None] | None = None,
) -> None:
    """Run ``claim`` to its end. A cancel arrives as task cancellation or as :class:`Fenced`.

    Without ``account_data`` every account counts as enabled (the contract's default).
    Reported token usage is stored through ``usage`` however the turn ends.
    ``finalizing`` is called just before the terminal write, so that the runner's heartbeat
    does not mistake a claim that this very task is ending for one lost to someone else.
    """
    events.running(claim.response, claim.worker_id)
    recorder = TurnRecorder(turns, claim, interval=settings.progress_interval)

    async def save_usage() -> None:
        if usage is not None and recorder.usage is not None:
            tokens, recorder.usage = recorder.usage, None
            await asyncio.shield(
                usage.record(claim.response.id, engine.name, *tokens, now=utcnow())
            )

    async def before_final_write() -> None:
        await save_usage()  # so whoever sees the end sees the usage
        if finalizing is not None:
            finalizing()

    try:
        await _execute(
            claim, recorder, turns, queries, engine, settings, account_data, before_final_write
        )
    finally:
        await save_usage()  # a canceled or fenced turn used tokens too


async def _execute(
    claim: Claim,
    recorder: TurnRecorder,
    turns: TurnStore,
    queries: QueryStore,
    engine: Engine,
    settings: TurnSettings,
    account_data: AccountData | None,
    before_final_write: Callable[[], Awaitable[None]],
) -> None:
    response = claim.response
    status, error = ResponseStatus.SUCCEEDED, None
    try:
        turn = Turn(
            response_id=response.id,
            thread_id=response.thread_id,
            account_id=response.account_id,
            request=response.request,
            history=await queries.history(response.thread_id, settings.history_limit),
            account_data_enabled=(
                True
                if account_data is None
                else await account_data.account_data_enabled(response.account_id)
            ),
        )
        async with asyncio.timeout(settings.turn_timeout):
            await engine.run(turn, recorder)
    except Fenced:
        return
    except TimeoutError:
        status, error = ResponseStatus.FAILED, TIMEOUT
    except EngineError as exc:
        status, error = ResponseStatus.FAILED, ErrorInfo(exc.code, exc.message)
    except Exception:
        log.exception("engine %s crashed on response %s", engine.name, response.id)
        status, error = ResponseStatus.FAILED, INTERNAL
    await before_final_write()
    finished = await turns.finalize(
        response.id,
        status,
        now=utcnow(),
        parts=recorder.parts,
        error=error,
        attempt=claim.attempt,
    )
    if finished is not None:
        events.finished(finished)
