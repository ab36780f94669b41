"""Positions, events between two states, and cursors (``domain/progress.py``)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.progress import (
    Cursor,
    State,
    advance,
    apply,
    changes,
    position,
    truncate,
)

RUNNING = ResponseStatus.RUNNING

PARTS: list[dict[str, Any]] = [
    {"type": "thinking", "thoughts": ["a", "b"]},
    {"type": "text", "text": "Hello world"},
    {"type": "chart", "payload": {"chartId": "c"}},
    {"type": "text", "text": "More"},
]


def test_changes_from_the_start_rebuild_everything() -> None:
    events = changes(PARTS, (0, 0))
    assert [k for k, _ in events] == ["delta", "delta", "delta", "part", "delta"]
    assert apply([], events) == PARTS


def test_changes_continue_inside_the_last_seen_part() -> None:
    events = changes(PARTS, (2, 5))
    assert events[0] == ("delta", {"part_index": 1, "type": "text", "text": " world"})
    assert apply(truncate(PARTS, (2, 5)), events) == PARTS


def test_nothing_to_send_when_caught_up_or_ahead() -> None:
    assert changes(PARTS, position(PARTS)) == []
    assert changes(PARTS[:2], position(PARTS)) == []


def test_advance_tracks_the_position_of_each_event() -> None:
    at = (0, 0)
    for kind, data in changes(PARTS, at):
        at = advance(at, kind, data)
    assert at == position(PARTS)


def test_cursor_round_trip_and_rejects() -> None:
    cursor = Cursor(2, RUNNING, (3, 17))
    assert Cursor.parse(cursor.event_id()) == cursor
    for bad in (None, "", "x", "1.running.2", "1.bogus.0.0", "-1.running.0.0", "a.b.c.d"):
        assert Cursor.parse(bad) is None


def test_states_never_go_back() -> None:
    short = State(1, RUNNING, tuple(PARTS[:2]))
    long = State(1, RUNNING, tuple(PARTS))
    queued = State(0, ResponseStatus.QUEUED, ())
    assert long.newer_than(short) and not short.newer_than(long)
    assert short.newer_than(queued) and not queued.newer_than(short)
    assert State(2, RUNNING, ()).newer_than(long)
    assert long.continues(Cursor(0, ResponseStatus.QUEUED, (0, 0)))
    assert not long.continues(Cursor(0, ResponseStatus.QUEUED, (1, 1)))


texts = st.text(alphabet="ab ", min_size=1, max_size=5)
part = st.one_of(
    st.builds(lambda t: ("text", t), texts),
    st.builds(lambda t: ("thought", t), texts),
    st.just(("chart", "")),
)


def grow(steps: list[tuple[str, str]]) -> list[list[dict[str, Any]]]:
    """Every state of a turn built the way the recorder builds it."""
    parts: list[dict[str, Any]] = []
    states = [[]]
    for kind, value in steps:
        last = parts[-1] if parts else None
        if kind == "text" and last is not None and last["type"] == "text":
            last["text"] += value
        elif kind == "text":
            parts.append({"type": "text", "text": value})
        elif kind == "thought" and last is not None and last["type"] == "thinking":
            last["thoughts"] = [*last["thoughts"], value]
        elif kind == "thought":
            parts.append({"type": "thinking", "thoughts": [value]})
        else:
            parts.append({"type": "chart", "payload": {}})
        states.append([dict(p) for p in parts])
    return states


@given(st.lists(part, max_size=12), st.data())
def test_any_earlier_state_plus_changes_is_the_later_state(
    steps: list[tuple[str, str]], data: st.DataObject
) -> None:
    states = grow(steps)
    i = data.draw(st.integers(0, len(states) - 1))
    j = data.draw(st.integers(i, len(states) - 1))
    earlier, later = states[i], states[j]
    assert truncate(later, position(earlier)) == earlier
    assert apply(earlier, changes(later, position(earlier))) == later
