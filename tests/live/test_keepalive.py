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


async def test_a_change_nobody_announced_is_found_at_the_next_keepalive(tmp_path: Path) -> None:
    import asyncio
    import uuid

    from omni_server.domain.ids import utcnow
    from omni_server.domain.lifecycle import ResponseStatus
    from omni_server.store.turns import TurnStore
    from tests.live.support import read_events

    settings = fast_settings(sqlite_url(tmp_path), runner=False, events_keepalive=0.2)
    async with serving(settings) as live:
        rid = (await live.ask("Hello"))["response_id"]
        watching = asyncio.create_task(read_events(live.client, rid))
        await asyncio.sleep(0.3)
        # A store without the hub: as if another process wrote and its notification was lost.
        silent = TurnStore(live.app.state.db)
        await silent.finalize(uuid.UUID(rid), ResponseStatus.CANCELED, now=utcnow())
        events = await asyncio.wait_for(watching, 10)
        assert events[-1].event == "done" and events[-1].data["status"] == "canceled"
