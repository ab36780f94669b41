"""One log line (and the metrics) per response lifecycle event.

Every line names the response, its thread, its account and the status it reached, so a
response can be followed from ``queued`` to its end with one search. Callers report only the
transitions they won (a compare-and-set that returned the row), so nothing is told twice.
"""

from __future__ import annotations

import logging
import uuid

from omni_server.domain.models import Response
from omni_server.observability import metrics

log = logging.getLogger("omni.lifecycle")


def _fields(
    response_id: uuid.UUID, thread_id: uuid.UUID, account_id: int, status: str
) -> dict[str, object]:
    return {
        "response_id": str(response_id),
        "thread_id": str(thread_id),
        "account_id": account_id,
        "status": status,
    }


def queued(response_id: uuid.UUID, thread_id: uuid.UUID, account_id: int) -> None:
    """A turn was accepted and waits for a worker."""
    if not log.isEnabledFor(logging.INFO):
        return
    log.info("response queued", extra=_fields(response_id, thread_id, account_id, "queued"))


def running(response: Response, worker_id: str) -> None:
    """A worker claimed the turn."""
    if not log.isEnabledFor(logging.INFO):
        return
    fields = _fields(response.id, response.thread_id, response.account_id, "running")
    log.info("response running", extra={**fields, "worker_id": worker_id})


def finished(response: Response, *, canceled_by_client: bool = False) -> None:
    """The turn reached its terminal status (the write that did it returned ``response``)."""
    status = response.status.value
    if response.error is not None:
        metrics.engine_error(response.error.code)
    if log.isEnabledFor(logging.INFO):
        fields = _fields(response.id, response.thread_id, response.account_id, status)
        if response.error is not None:
            fields["error_code"] = response.error.code
        event = "response canceled by the client" if canceled_by_client else f"response {status}"
        log.info(event, extra=fields)
    metrics.observe_terminal(status, response.created_at, response.started_at, response.finished_at)
