"""How far a response has got, as data: positions, the events between two of them, event ids.

A running turn's content only grows at its end: text is appended to the last text part,
thoughts to the last thinking part, and whole parts are appended after it. So any state a
watcher has seen is a prefix of every later state of the same attempt, and a prefix is fully
described by a :data:`Position`: the number of parts and the size of the last one (characters
of text, number of thoughts, 1 for a whole part). The events from one position to a later
state are computed from the later state alone, which is what makes an event id (attempt,
status, position) enough to resume a stream exactly, in any process, without a replay buffer.
Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from omni_server.domain.lifecycle import TERMINAL, ResponseStatus
from omni_server.domain.models import Claim, Part, Response

Position = tuple[int, int]
"""(number of parts, size of the last part)."""

START: Position = (0, 0)

_RANK = {ResponseStatus.QUEUED: 0, ResponseStatus.RUNNING: 1}


def size(part: Part) -> int:
    """How much of a part there is: text length, thought count, or 1 for a whole part."""
    kind = part.get("type")
    if kind == "text":
        return len(part.get("text", ""))
    if kind == "thinking":
        return len(part.get("thoughts", ()))
    return 1


def position(parts: tuple[Part, ...] | list[Part]) -> Position:
    return (len(parts), size(parts[-1])) if parts else START


def rank(status: ResponseStatus) -> int:
    """Queued < running < any terminal status: statuses only move up."""
    return _RANK.get(status, 2)


def changes(parts: tuple[Part, ...] | list[Part], since: Position) -> list[tuple[str, Any]]:
    """``delta`` and ``part`` events that take a watcher from ``since`` to ``parts``.

    A text delta carries the appended characters, a thinking delta one whole new thought, a
    ``part`` event a whole part. Nothing is returned when ``since`` is at or past ``parts``.
    """
    count, last = since
    out: list[tuple[str, Any]] = []
    for index in range(max(count - 1, 0), len(parts)):
        start = last if index == count - 1 else 0
        out.extend(_part_changes(index, parts[index], start, new=index >= count))
    return out


def _part_changes(index: int, part: Part, start: int, *, new: bool) -> list[tuple[str, Any]]:
    kind = part.get("type")
    if kind == "text":
        text = str(part.get("text", ""))
        if len(text) > start or (new and not text):
            return [("delta", {"part_index": index, "type": "text", "text": text[start:]})]
        return []
    if kind == "thinking":
        thoughts = list(part.get("thoughts", ()))
        return [
            ("delta", {"part_index": index, "type": "thinking", "text": str(t)})
            for t in thoughts[start:]
        ]
    return [("part", {"part_index": index, "part": part})] if new else []


def truncate(parts: tuple[Part, ...] | list[Part], at: Position) -> list[Part]:
    """The prefix of ``parts`` at position ``at`` (``at`` must not be past ``parts``)."""
    count, last = at
    out = [dict(p) for p in parts[:count]]
    if out:
        tail = out[-1]
        if tail.get("type") == "text":
            tail["text"] = tail["text"][:last]
        elif tail.get("type") == "thinking":
            tail["thoughts"] = list(tail["thoughts"][:last])
    return out


def apply(parts: list[Part], events: list[tuple[str, Any]]) -> list[Part]:
    """``parts`` after ``events`` (from :func:`changes`): how a remote watcher rebuilds state."""
    out = [dict(p) for p in parts]
    for kind, data in events:
        index = int(data["part_index"])
        if kind == "part":
            out[index:] = [dict(data["part"])]
        elif data["type"] == "text":
            if index < len(out):
                out[index]["text"] = out[index]["text"] + data["text"]
            else:
                out.append({"type": "text", "text": data["text"]})
        elif index < len(out):
            out[index]["thoughts"] = [*out[index]["thoughts"], data["text"]]
        else:
            out.append({"type": "thinking", "thoughts": [data["text"]]})
    return out


@dataclass(frozen=True, slots=True)
class Cursor:
    """What a watcher has seen: an attempt's status and content up to a position."""

    attempt: int
    status: ResponseStatus
    at: Position

    def event_id(self) -> str:
        return f"{self.attempt}.{self.status.value}.{self.at[0]}.{self.at[1]}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor of an event id, or ``None`` for anything that is not one."""
        try:
            attempt, status, count, last = (text or "").split(".")
            cursor = cls(int(attempt), ResponseStatus(status), (int(count), int(last)))
        except ValueError:
            return None
        return cursor if min(cursor.attempt, *cursor.at) >= 0 else None


@dataclass(frozen=True, slots=True)
class State:
    """The latest known state of one response; ``final`` is set once it is terminal."""

    attempt: int
    status: ResponseStatus
    parts: tuple[Part, ...]
    final: Response | None = None

    @classmethod
    def of(cls, response: Response) -> State:
        final = response if response.status in TERMINAL else None
        return cls(response.attempt, response.status, response.parts, final)

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.attempt, self.status, position(self.parts))

    def continues(self, cursor: Cursor) -> bool:
        """Whether ``cursor`` saw a prefix of this state (an empty prefix fits any attempt)."""
        return cursor.attempt == self.attempt or cursor.at == START

    def newer_than(self, other: State) -> bool:
        """Whether this state should replace ``other`` for a watcher (never goes back)."""
        if other.final is not None:
            return False
        if self.final is not None or self.attempt != other.attempt:
            return self.final is not None or self.attempt > other.attempt
        if rank(self.status) != rank(other.status):
            return rank(self.status) > rank(other.status)
        return position(self.parts) > position(other.parts)


class ProgressSink(Protocol):
    """Where the write path reports progress, so that watchers hear of it at once.

    ``live`` comes from the worker before the content is persisted; the others after the
    write that they describe has committed.
    """

    def live(self, claim: Claim, parts: list[Part]) -> None: ...

    def claimed(self, claim: Claim) -> None: ...

    def stored(self, claim: Claim) -> None: ...

    def finalized(self, response: Response) -> None: ...


class NoProgress:
    """A sink that drops everything (stores built without an event hub)."""

    def live(self, claim: Claim, parts: list[Part]) -> None:
        return None

    def claimed(self, claim: Claim) -> None:
        return None

    def stored(self, claim: Claim) -> None:
        return None

    def finalized(self, response: Response) -> None:
        return None


def advance(at: Position, kind: str, data: dict[str, Any]) -> Position:
    """The position after one event from :func:`changes`."""
    index = int(data["part_index"])
    grown = len(data["text"]) if data.get("type") == "text" else 1
    if kind == "delta" and index == at[0] - 1:
        return (at[0], at[1] + grown)
    return (index + 1, grown)
