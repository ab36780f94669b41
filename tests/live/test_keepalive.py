"""An idle stream gets comment lines (the interval is a setting, 15 s by default)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import fast_settings
from tests.live.support import serving
from tests.support import sqlite_url


async def test_idle_stream_gets_keepalive_comments(tmp_path: Path) -> None:
    settings = fast_settings(sqlite_url(tmp_path), runner=False, events_keepalive=0.1)
    async with serving(settings) as live:
        rid = (await live.ask("Hello"))["response_id"]
        lines: list[str] = []
        async with live.client.stream(
            "GET", f"/v1/omni-ai/responses/{rid}/events", params={"account_id": 1}
        ) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            async for line in r.aiter_lines():
                lines.append(line)
                if lines.count(": keep-alive") >= 2:
                    break
        assert lines[0].startswith("id: 0.queued.0.0")
        assert "event: snapshot" in lines
        await live.client.delete(f"/v1/omni-ai/responses/{rid}", params={"account_id": 1})
