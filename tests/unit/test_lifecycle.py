"""The lifecycle table, exhaustively: every (source, target) pair."""

from __future__ import annotations

import itertools

import pytest

from omni_server.domain.lifecycle import (
    ACTIVE,
    TERMINAL,
    MessageOutcome,
    ResponseStatus,
    can_transition,
    is_terminal,
    outcome_of,
    sources_of,
)

Q, R, S, F, C = (
    ResponseStatus.QUEUED,
    ResponseStatus.RUNNING,
    ResponseStatus.SUCCEEDED,
    ResponseStatus.FAILED,
    ResponseStatus.CANCELED,
)

ALLOWED = {(Q, R), (Q, C), (Q, F), (R, S), (R, F), (R, C)}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(ResponseStatus, repeat=2)))
def test_transition_table(source: ResponseStatus, target: ResponseStatus) -> None:
    assert can_transition(source, target) == ((source, target) in ALLOWED)


def test_active_and_terminal_partition_the_statuses() -> None:
    assert {Q, R} == ACTIVE
    assert {S, F, C} == TERMINAL
    assert set(ResponseStatus) == ACTIVE | TERMINAL
    assert all(is_terminal(s) == (s in TERMINAL) for s in ResponseStatus)


def test_terminal_statuses_are_final() -> None:
    for status in TERMINAL:
        assert not any(can_transition(status, t) for t in ResponseStatus)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(S, MessageOutcome.COMPLETED), (F, MessageOutcome.ERRORED), (C, MessageOutcome.CANCELED)],
)
def test_outcome_of_terminal(status: ResponseStatus, outcome: MessageOutcome) -> None:
    assert outcome_of(status) is outcome


@pytest.mark.parametrize("status", [Q, R])
def test_outcome_of_active_is_an_error(status: ResponseStatus) -> None:
    with pytest.raises(ValueError, match="not terminal"):
        outcome_of(status)


def test_sources_are_what_compare_and_set_allows() -> None:
    assert sources_of(R) == {Q}
    assert sources_of(C) == {Q, R}
    assert sources_of(S) == {R}
    assert sources_of(F) == {Q, R}
    assert sources_of(Q) == set()
