"""Graceful drain on SIGTERM for a process that uvicorn serves.

Uvicorn's own SIGTERM handling stops listening at once, finishes the requests in flight, then
runs the lifespan shutdown. For a process that also runs turns that order is wrong: clients
could no longer poll or cancel the turns given time to finish. So the first SIGTERM is caught
here first: the process is marked *draining* (``/readyz`` answers 503, so load balancers stop
sending it work), the ``drain`` coroutine runs while HTTP keeps serving, and only then is the
signal handed on to the handler installed before ours (uvicorn's), which finishes the requests
in flight within ``timeout_graceful_shutdown``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

log = logging.getLogger("omni.shutdown")


class SigtermDrain:
    def __init__(self, drain: Callable[[], Awaitable[None]]) -> None:
        self._drain = drain
        self._previous: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.draining = False

    def install(self) -> None:
        """Catch SIGTERM (main thread only: elsewhere signals cannot be handled)."""
        if threading.current_thread() is not threading.main_thread():
            return
        self._loop = asyncio.get_running_loop()
        self._previous = signal.signal(signal.SIGTERM, self._on_sigterm)

    def uninstall(self) -> None:
        if self._loop is not None and signal.getsignal(signal.SIGTERM) == self._on_sigterm:
            signal.signal(signal.SIGTERM, self._previous)
        self._loop = None

    def _on_sigterm(self, sig: int, frame: FrameType | None) -> None:
        if self.draining or self._loop is None:
            return
        self.draining = True
        self._loop.call_soon_threadsafe(self._begin, sig, frame)

    def _begin(self, sig: int, frame: FrameType | None) -> None:
        assert self._loop is not None
        self._task = self._loop.create_task(self._run(sig, frame), name="omni-drain")

    async def _run(self, sig: int, frame: FrameType | None) -> None:
        log.info("SIGTERM: draining")
        try:
            await self._drain()
        except Exception:
            log.exception("drain failed")
        finally:
            previous = self._previous
            if callable(previous):
                previous(sig, frame)
