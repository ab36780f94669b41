"""The hub's fan-out and the PostgreSQL bridge's payloads (no database needed for these)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.progress import State
from omni_server.events.hub import EventHub
from omni_server.events.pg import MAX_PAYLOAD, PgBridge, bridge_for

RUNNING = ResponseStatus.RUNNING


async def test_watches_get_the_newest_state_and_long_polls_only_saved_changes() -> None:
    hub = EventHub()
    rid = uuid.uuid4()
    live, poll = hub.watch(rid), hub.watch(rid, stored_only=True)
    hub.offer(rid, State(1, RUNNING, ({"type": "text", "text": "ab"},)), persisted=False)
    assert await live.wait(1) and not await poll.wait(0.01)
    hub.offer(rid, State(1, RUNNING, ({"type": "text", "text": "a"},)), persisted=False)
    assert live.state is not None and live.state.parts[0]["text"] == "ab"
    hub.offer(rid, None, persisted=True)
    assert await poll.wait(1)
    assert hub.latest(rid) == live.state
    live.close()
    poll.close()
    assert not hub.watching(rid) and hub.watch_count == 0


def bridge() -> PgBridge:
    made = bridge_for("postgresql://u@h/db", EventHub(), None)  # type: ignore[arg-type]
    assert made is not None
    return made


def test_only_postgresql_gets_a_bridge() -> None:
    assert bridge_for("sqlite:///x.db", EventHub(), None) is None  # type: ignore[arg-type]


def test_payloads_carry_events_since_the_last_one_and_big_ones_become_hints() -> None:
    b, rid = bridge(), uuid.uuid4()
    first = json.loads(b._payload(rid, State(1, RUNNING, ({"type": "text", "text": "ab"},)), False))
    assert first["b"] == [0, 0] and first["e"][0][1]["text"] == "ab"
    second = json.loads(
        b._payload(rid, State(1, RUNNING, ({"type": "text", "text": "abcd"},)), False)
    )
    assert second["b"] == [1, 2] and second["e"][0][1]["text"] == "cd"
    huge = State(1, RUNNING, ({"type": "text", "text": "abcd" + "x" * MAX_PAYLOAD},))
    hint = json.loads(b._payload(rid, huge, False))
    assert "e" not in hint and hint["r"] == str(rid)


def test_a_receiver_rebuilds_from_what_its_watchers_hold() -> None:
    sender, receiver = bridge(), bridge()
    rid = uuid.uuid4()
    hub: EventHub = receiver._hub
    watch = hub.watch(rid)
    watch.offer(State(1, RUNNING, ({"type": "text", "text": "abc"},)))
    sender._payload(rid, State(1, RUNNING, ({"type": "text", "text": "ab"},)), False)
    message: dict[str, Any] = json.loads(
        sender._payload(rid, State(1, RUNNING, ({"type": "text", "text": "abcdef"},)), False)
    )
    rebuilt = receiver._rebuild(rid, message)
    assert rebuilt is not None and rebuilt.parts == ({"type": "text", "text": "abcdef"},)
    # Behind the base: the receiver must re-read the database instead.
    watch.state = State(1, RUNNING, ({"type": "text", "text": "a"},))
    assert receiver._rebuild(rid, message) is None
    watch.close()
