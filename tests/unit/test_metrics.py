"""The metric hooks: what a terminal response adds to the counters and histograms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from omni_server.observability import metrics

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_turn_that_ran_counts_its_queue_and_run_time() -> None:
    before = {
        "done": value("omni_responses_total", status="succeeded"),
        "queue": value("omni_response_queue_seconds_sum"),
        "run": value("omni_response_run_seconds_sum"),
    }
    metrics.observe_terminal("succeeded", T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=7))
    assert value("omni_responses_total", status="succeeded") == before["done"] + 1
    assert value("omni_response_queue_seconds_sum") == before["queue"] + 2
    assert value("omni_response_run_seconds_sum") == before["run"] + 5


def test_a_turn_canceled_while_queued_has_no_run_time() -> None:
    runs = value("omni_response_run_seconds_count")
    queued = value("omni_response_queue_seconds_count")
    metrics.observe_terminal("canceled", T0, None, T0 + timedelta(seconds=3))
    assert value("omni_response_run_seconds_count") == runs
    assert value("omni_response_queue_seconds_count") == queued + 1


def test_active_gauge_is_set_for_both_statuses() -> None:
    metrics.set_active({"running": 4})
    assert value("omni_responses_active", status="running") == 4
    assert value("omni_responses_active", status="queued") == 0


def test_hooks_count_by_label() -> None:
    before = value("omni_rate_limited_total", limit="active")
    metrics.rate_limited("active")
    assert value("omni_rate_limited_total", limit="active") == before + 1
    before = value("omni_engine_errors_total", code="timeout")
    metrics.engine_error("timeout")
    assert value("omni_engine_errors_total", code="timeout") == before + 1
    assert b"omni_http_requests_total" in metrics.render()
