"""Log configuration shared by every process: text or one JSON object per line.

``configure_logging(settings)`` installs one handler on stderr for our loggers *and* uvicorn's,
and returns the same ``dictConfig`` so that it can be handed to uvicorn as ``log_config``
(uvicorn would otherwise install its own formatters over ours). Every record gets the id of
the request being served, from a context variable the request-id middleware sets, so an
error line can be tied to the answer the client received.
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from omni_server.settings import Settings

LogFormat = Literal["text", "json"]
TRACE = 5

request_id_var: ContextVar[str | None] = ContextVar("omni_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is data.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}
LOGGERS = ("omni", "uvicorn", "uvicorn.error", "uvicorn.access", "alembic")


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id (``None`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


READY = "omni_fields"
"""``extra={READY: {...}}`` hands a record its structured fields ready-made, as one dict."""
SHOWN = "omni_shown"
"""``extra={SHOWN: names}``: fields the message already shows, left out of text lines."""


def extras(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a caller attached with ``extra=``, in the order given.

    A caller on a hot path (the access line, once per request) passes them as one dict under
    :data:`READY`, which saves scanning every attribute of the record.
    """
    attributes = record.__dict__
    ready: dict[str, Any] | None = attributes.get(READY)
    if ready is not None:
        return ready
    added = attributes.keys() - _STANDARD  # a set difference, in C: this runs per request
    return {
        k: v
        for k, v in attributes.items()
        if k in added and not k.startswith("_") and v is not None
    }


class _Clock:
    """``YYYY-MM-DD HH:MM:SS`` computed once a second, for text lines (one per request)."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def text(self, created: float) -> str:
        second = int(created)
        if second != self._second:
            moment = datetime.fromtimestamp(second, UTC)
            self._second, self._text = second, moment.strftime("%Y-%m-%d %H:%M:%S")
        return f"{self._text}.{int((created - second) * 1000):03d}+00:00"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extra fields.

    A traceback goes into the ``exc`` field, so even a crash stays one line.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(extras(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """``time level logger message key=value ...`` for people reading a terminal.

    A field whose value the message already shows (the method of an access line) is left out.
    Written by hand rather than with a format string: it runs for every request.
    """

    def __init__(self) -> None:
        super().__init__()
        self._clock = _Clock()

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        when = self._clock.text(record.created)
        named: frozenset[str] | None = record.__dict__.get(SHOWN)
        if named is not None:
            pairs = [f"{k}={v}" for k, v in extras(record).items() if k not in named]
        else:
            shown = set(message.split())
            pairs = [f"{k}={v}" for k, v in extras(record).items() if str(v) not in shown]
        fields = " ".join(pairs)
        text = f"{when} {record.levelname:<7} {record.name} {message}"
        if fields:
            text = f"{text} {fields}"
        if record.exc_info:
            text = f"{text}\n{self.formatException(record.exc_info)}"
        return text


def logging_config(fmt: LogFormat, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``fmt`` at ``level`` (uvicorn's names; ``trace``
    is uvicorn's level below debug)."""
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    numeric = TRACE if level == "trace" else logging.getLevelName(level.upper())
    loggers = {
        name: {"handlers": ["omni"], "level": numeric, "propagate": False} for name in LOGGERS
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"omni": {"()": formatter}},
        "handlers": {
            "omni": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "omni",
                "filters": ["request_id"],
            }
        },
        "loggers": loggers,
    }


def configure_logging(settings: Settings) -> dict[str, Any]:
    """Install the configuration for this process and return it (for uvicorn's ``log_config``)."""
    config = logging_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(config)
    # No line shows them, so do not collect them on every record (logging's own advice).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Nor look up the caller's file and line (a stack walk per record, a third of an access
    # line's cost); logging documents this switch for exactly that purpose.
    logging._srcfile = None
    return config
