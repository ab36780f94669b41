"""The heaviest request the limits allow, and a probe of ``/healthz`` while it is served.

Shared by ``test_responsive.py`` (a generous bound) and ``bench/bench_limits.py`` (figures
against the 50 ms goal).
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field

import httpx

MAX_BODY = 1024 * 1024
MAX_TEXT = 32_000


def word(n: int) -> str:
    letters = []
    for _ in range(5):
        n, rest = divmod(n, 26)
        letters.append(chr(65 + rest))
    return "".join(letters)


def heaviest_text(chars: int = MAX_TEXT) -> str:
    """Distinct ticker-like words, as many as fit: the worst case of ticker extraction."""
    words = [word(i) for i in range(chars // 6)]
    return " ".join(words)[:chars]


def heaviest_body(limit: int = MAX_BODY, text_chars: int = MAX_TEXT) -> bytes:
    """A thread creation of ``limit`` bytes at most: the longest text, then as many unknown
    fields as fit, with non-ASCII characters (the slow path of the body reader)."""
    head = '{"type":"instant","account_id":1,"text":"' + heaviest_text(text_chars) + '"'
    parts = [head]
    size = len(head.encode()) + 1
    index = 0
    while True:
        piece = f',"é{index}":"ü"'
        if size + len(piece.encode()) > limit:
            break
        parts.append(piece)
        size += len(piece.encode())
        index += 1
    return ("".join(parts) + "}").encode()


@dataclass
class Probe:
    """Polls ``/healthz`` on one connection from its own thread and records each latency."""

    url: str
    interval: float = 0.01
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Probe:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=30)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                began = time.perf_counter()
                try:
                    ok = client.get("/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                self.latencies.append(time.perf_counter() - began)
                self.failures += not ok
                self._stop.wait(self.interval)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies) or [0.0]
        return {
            "count": len(self.latencies),
            "p50_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
            "max_ms": ordered[-1] * 1000,
        }


def send_heaviest(url: str, key: str, body: bytes) -> dict[str, object]:
    """Post the heaviest body and wait for its turn to end; returns the final poll."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        created = client.post("/v1/omni-ai/threads", content=body)
        created.raise_for_status()
        response_id = created.json()["data"]["response_id"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            polled = client.get(f"/v1/omni-ai/responses/{response_id}", params={"account_id": 1})
            data: dict[str, object] = polled.json()["data"]
            if data["status"] in ("succeeded", "failed", "canceled"):
                data["poll_bytes"] = len(polled.content)
                return data
            time.sleep(0.05)
        raise TimeoutError("the heaviest turn did not end")
