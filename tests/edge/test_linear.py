"""Every parser and engine helper is linear in its input.

Each check times a 1x and an 8x input and fails if the 8x input costs more than 24x: a
linear helper costs about 8x, a quadratic one 64x. Time is the CPU time of the test's thread
(``time.thread_time``), the minimum of several runs: other processes on a busy machine do
not count, and what noise remains only ever raises a run. Base sizes keep the 1x run at a
millisecond or more, well above the clock's resolution. Absolute speed is measured by
``bench/bench_limits.py``, not here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from omni_server.api.reading.body import parse_body
from omni_server.api.reading.limits import BodyLimits, check_fields, find_nul
from omni_server.api.reading.models import CreateFeedbackRequest, CreateThreadRequest
from omni_server.api.reading.query import ACCOUNT_ID, PAGE_SIZE, PAGE_TOKEN, parse_query
from omni_server.api.reading.syntax import Reader
from omni_server.domain.errors import InvalidBody, InvalidRequest
from omni_server.engines import directives
from omni_server.engines.builtin import chunks
from omni_server.engines.market import tickers_in
from omni_server.engines.orders import parse_orders
from omni_server.engines.replies import instant_reply, symbols_in_context
from tests.unit.test_builtin_engine import turn

RUNS = 7
MAX_GROWTH = 24


def cost(work: Callable[[Any], object], value: Any) -> float:
    best = float("inf")
    for _ in range(RUNS):
        began = time.thread_time()
        work(value)
        best = min(best, time.thread_time() - began)
    return best


def assert_linear(make: Callable[[int], Any], work: Callable[[Any], object], base: int) -> None:
    small, large = make(base), make(8 * base)
    work(small)  # warm caches (compiled patterns, derived readers)
    one, eight = cost(work, small), cost(work, large)
    assert eight < MAX_GROWTH * one, (
        f"8x input cost {eight / one:.1f}x ({one:.4f}s -> {eight:.4f}s)"
    )


def word(n: int) -> str:
    """A distinct upper-case word of 5 letters for each ``n`` < 26**5."""
    letters = []
    for _ in range(5):
        n, rest = divmod(n, 26)
        letters.append(chr(65 + rest))
    return "".join(letters)


def distinct_words(n: int) -> str:
    return " ".join(word(i) for i in range(n))


def refused(model: Any) -> Callable[[bytes], object]:
    def work(raw: bytes) -> object:
        try:
            return parse_body(raw, model)
        except (InvalidBody, InvalidRequest) as exc:
            return exc

    return work


def many_unknown_fields(n: int) -> bytes:
    fields = ",".join(f'"f{i}":{i}' for i in range(n))
    return ('{"type":"instant","account_id":1,"text":"café",' + fields + "}").encode()


def many_unknown_objects(n: int) -> bytes:
    fields = ",".join(f'"f{i}":{{"é":[{i}]}}' for i in range(n))
    return ('{"text":"ü",' + fields + ',"type":"instant","account_id":1}').encode()


CASES: dict[str, tuple[Callable[[int], Any], Callable[[Any], object], int]] = {
    "tickers_in": (distinct_words, tickers_in, 2_000),
    "instant_reply": (distinct_words, lambda text: instant_reply(turn(text), text), 2_000),
    "symbols_in_context": (
        lambda n: [{"kind": "k", "label": "l", "data": {"symbol": distinct_words(n)}}],
        symbols_in_context,
        2_000,
    ),
    "parse_orders": (lambda n: "buy 10 AAPL at 190 and " * n, parse_orders, 500),
    "directives": (lambda n: "!omni:hangx " * n, directives.without_directives, 8_000),
    "chunks": (distinct_words, chunks, 4_000),
    "body with many unknown fields": (many_unknown_fields, refused(CreateThreadRequest), 2_000),
    "body with many unknown objects": (many_unknown_objects, refused(CreateThreadRequest), 1_000),
    "body with an error at the end": (
        lambda n: many_unknown_fields(n)[:-1] + b",",
        refused(CreateThreadRequest),
        2_000,
    ),
    "feedback metadata": (
        lambda n: json.dumps(
            {"account_id": 1, "score": 1, "metadata": {f"k{i}": ["é", {"v": i}] for i in range(n)}}
        ).encode(),
        refused(CreateFeedbackRequest),
        1_000,
    ),
    "field limits": (
        lambda n: {"text": "a" * n, "metadata": {f"k{i}": [{"v": "x"}] for i in range(n)}},
        lambda values: check_fields(values, BodyLimits(metadata_bytes=10**9, text_chars=10**9)),
        2_000,
    ),
    "query string with many pairs": (
        lambda n: "&".join(f"x{i}=%C3%A9+{i}" for i in range(n)) + "&account_id=" + "0" * n,
        lambda raw: parse_query(raw, (ACCOUNT_ID, PAGE_SIZE, PAGE_TOKEN)),
        2_000,
    ),
    "find_nul in deep values": (
        lambda n: [{"a": [str(i)] * 3} for i in range(n)],
        find_nul,
        2_000,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_linear(name: str) -> None:
    make, work, base = CASES[name]
    assert_linear(make, work, base)


def test_the_reader_decodes_each_byte_once() -> None:
    """``text_here`` after every field costs the bytes since the last call, not the prefix."""

    def walk(raw: bytes) -> None:
        reader = Reader(raw)
        for index in range(0, len(raw), 7):
            reader.index = index - index % 7
            if raw[reader.index] < 0x80:
                reader.text_here()

    assert_linear(lambda n: ("é" + "a" * 6) * n, lambda text: walk(text.encode()), 3_000)


def test_thinking_names_a_bounded_number_of_symbols() -> None:
    text = distinct_words(5_000)
    reply = instant_reply(turn(text), text)
    thought = reply.thoughts[-1]
    assert "AAAAA, BAAAA" in thought
    assert thought.endswith(f"and {5_000 - 10} more...")
    assert len(thought) < 200
