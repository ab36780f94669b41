"""The schedule ``responses.wait`` polls on: growing pauses, bounded by a deadline.

Polls start ``poll_interval`` apart and the gap grows by half each time up to
``max_poll_interval``, so a quick turn is seen quickly and a long one (deep insights can run
for minutes) does not hammer the API. The last pause is cut short to end at the deadline.
"""

from __future__ import annotations

from collections.abc import Callable

from clear_street._constants import POLL_BACKOFF_FACTOR
from clear_street._exceptions import WaitTimeoutError
from clear_street.types.response import Response


class PollSchedule:
    """Pauses between polls; ``next_pause`` is ``None`` once the deadline has passed."""

    def __init__(
        self,
        *,
        timeout: float,
        poll_interval: float,
        max_poll_interval: float,
        clock: Callable[[], float],
    ) -> None:
        if timeout < 0 or poll_interval <= 0 or max_poll_interval <= 0:
            raise ValueError("timeout must be >= 0 and poll intervals > 0")
        self._clock = clock
        self._started = clock()
        self._deadline = self._started + timeout
        self._interval = min(poll_interval, max_poll_interval)
        self._max_interval = max_poll_interval

    @property
    def waited(self) -> float:
        """Seconds since the schedule started."""
        return self._clock() - self._started

    @property
    def remaining(self) -> float:
        """Seconds left before the deadline (0 once it has passed)."""
        return max(self._deadline - self._clock(), 0.0)

    def next_pause(self) -> float | None:
        """Seconds to sleep before the next poll, or ``None`` when time is up."""
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            return None
        pause = min(self._interval, remaining)
        self._interval = min(self._interval * POLL_BACKOFF_FACTOR, self._max_interval)
        return pause


def pause_before_next_poll(
    schedule: PollSchedule, response_id: str, snapshot: Response
) -> float | None:
    """``None`` when ``snapshot`` is terminal, else the pause before polling again.

    Raises :class:`WaitTimeoutError` (with the snapshot) when the deadline has passed.
    """
    if snapshot.is_terminal:
        return None
    pause = schedule.next_pause()
    if pause is None:
        raise WaitTimeoutError(response_id, snapshot, schedule.waited)
    return pause
