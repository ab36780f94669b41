"""Fuzz of every query parameter and of page tokens, over a real socket: never a 5xx.

Extends the body fuzz of ``tests/unit/test_validation.py`` to the query string: arbitrary
text, numbers out of every range, repeated fields, and page tokens that are random text,
random Base64 JSON, or well-formed cursors with forged fields.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import fast_settings
from tests.edge.conftest import Served, serve
from tests.support import sqlite_url

API = "/v1/omni-ai"
QUERY_FIELDS = ("account_id", "page_size", "page_token")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
cursor_keys = st.lists(
    st.integers(-(2**80), 2**80)
    | st.text(max_size=40)
    | st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
    | st.uuids().map(str),
    max_size=3,
)
cursors = st.tuples(st.sampled_from(["n", "p", "x"]), cursor_keys, st.integers(-5, 2**70))


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


page_tokens = (
    st.text(max_size=60)
    | json_values.map(b64)
    | cursors.map(lambda c: b64(list(c)))
    | st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode())
)
numbers = st.integers(-(2**70), 2**70).map(str) | st.text(max_size=12)
values = {"account_id": numbers, "page_size": numbers, "page_token": page_tokens}
pairs = st.lists(
    st.sampled_from(QUERY_FIELDS).flatmap(lambda name: st.tuples(st.just(name), values[name])),
    max_size=4,
)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, list[str]]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz-query")
    for server in serve(fast_settings(sqlite_url(tmp))):
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=10) as client:
            created = client.post(
                f"{API}/threads", json={"type": "instant", "account_id": 1, "text": "hi AAPL"}
            ).json()["data"]
            paths = [
                f"{API}/threads",
                f"{API}/threads/{created['thread_id']}",
                f"{API}/threads/{created['thread_id']}/messages",
                f"{API}/threads/{created['thread_id']}/response",
                f"{API}/responses/{created['response_id']}",
                f"{API}/messages/{created['user_message_id']}",
                f"{API}/entitlements",
                f"{API}/entitlement-status",
            ]
            yield server, paths


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path_index=st.integers(0, 7), query=pairs)
def test_no_query_string_gives_a_server_error(
    seeded: tuple[Served, list[str]], path_index: int, query: list[tuple[str, str]]
) -> None:
    server, paths = seeded
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=10) as client:
        r = client.get(paths[path_index], params=query)
    assert r.status_code in (200, 400, 403, 404), r.text
    body = r.json()
    if r.status_code != 200:
        assert body["error"]["code"] == r.status_code
        assert body["metadata"]["request_id"] == r.headers["x-request-id"]
