"""Process-level plumbing for scaling out: ``serve --workers N`` and ``omni worker``.

Kept out of ``cli.py`` so the command definitions stay declarative. Several API processes on
one port are uvicorn's multiprocess supervisor around an app factory; the children read their
settings from the ``OMNI_*`` environment, which is why the parent writes its resolved
settings there first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from types import FrameType
from typing import TYPE_CHECKING, Any

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from omni_server.settings import Settings

log = logging.getLogger("omni")

if TYPE_CHECKING:
    from omni_server.app import OmniApp

SQLITE_WORKERS = (
    "error: --workers needs PostgreSQL: SQLite lets one process write at a time "
    "(use --workers 1, or --database postgresql://...)"
)


def is_postgres(settings: Settings) -> bool:
    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    return make_url(url).get_backend_name() == "postgresql"


def check_workers(settings: Settings) -> None:
    """Refuse several API processes on SQLite, in one line, exit status 2."""
    if settings.workers > 1 and not is_postgres(settings):
        typer.echo(SQLITE_WORKERS, err=True)
        raise typer.Exit(2)


def workers_note(settings: Settings) -> str:
    return f" ({settings.workers} processes)" if settings.workers > 1 else ""


def exit_zero_on_sigterm() -> None:
    """A SIGTERM that uvicorn hands back after its graceful shutdown ends us with status 0.

    Uvicorn re-raises the signal it caught once it has shut down, under the handler that was
    there before it; without this that is the default action, death by SIGTERM (status 143).
    """

    def leave(_sig: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)


def settings_to_environment(settings: Settings) -> None:
    """Write every resolved setting as ``OMNI_*`` for child processes to read."""
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"OMNI_{name.upper()}"] = str(value)


def app_from_environment() -> OmniApp:
    """The app factory each ``serve --workers N`` child process calls."""
    from omni_server.app import create_app

    return create_app(Settings())


def serve_processes(
    settings: Settings, sock: socket.socket, *, log_config: dict[str, Any], banner: list[str]
) -> None:
    """``workers`` API processes on the socket already bound, under uvicorn's supervisor."""
    from uvicorn.supervisors import Multiprocess

    from omni_server.serving import uvicorn_config

    settings_to_environment(settings)
    config = uvicorn_config(
        "omni_server.scaling:app_from_environment",
        settings,
        log_config=log_config,
        factory=True,
        workers=settings.workers,
    )
    for line in banner:
        log.info(line)
    Multiprocess(config, sockets=[sock]).run()


def run_worker_process(settings: Settings, *, host: str, port: int | None) -> None:
    from omni_server.worker.process import run_worker

    try:
        asyncio.run(run_worker(settings, host=host, port=port))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except (OSError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        url = make_url(settings.database_url).render_as_string(hide_password=True)
        typer.echo(f"error: cannot use the database {url}: {reason}", err=True)
        raise typer.Exit(1) from None
