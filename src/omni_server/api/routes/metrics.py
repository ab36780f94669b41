"""``GET /metrics``: Prometheus text format (our extension, outside the contract's paths)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from omni_server.observability import metrics
from omni_server.store.stats import StatsStore

log = logging.getLogger("omni.api")


async def get_metrics(request: Request) -> Response:
    try:
        metrics.set_active(await StatsStore(request.app.state.db).active_responses())
    except Exception:
        # The other metrics still tell the operator something; the gauge keeps its last value.
        log.warning("cannot count active responses for /metrics", exc_info=True)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
