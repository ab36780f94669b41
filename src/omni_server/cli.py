"""The ``omni`` command: serve, migrate, and manage API keys."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
import uvicorn
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from omni_server import __version__, scaling
from omni_server.domain.ids import utcnow
from omni_server.services.auth import KeyService
from omni_server.settings import Settings
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.keys import KeyStore

T = TypeVar("T")

app = typer.Typer(help="Omni: a self-hosted Omni AI API server.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        envvar="OMNI_DATABASE",
        help="sqlite:///path/omni.db or postgresql://user@host/db (default: SQLite in data dir).",
    ),
]

PerAccountOpt = Annotated[
    int | None,
    typer.Option(
        envvar="OMNI_MAX_RUNNING_PER_ACCOUNT",
        min=1,
        help="Turns of one account run at once (default: 3/4 of the maximum).",
    ),
]
GraceOpt = Annotated[
    float | None,
    typer.Option(
        envvar="OMNI_SHUTDOWN_GRACE",
        min=0,
        help="Seconds running turns get to finish after SIGTERM (default 30).",
    ),
]


def _settings(database: str | None, **overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if database:
        values["database"] = database
    return Settings(**values)  # type: ignore[arg-type]


def _with_db(
    settings: Settings, work: Callable[[Database], Awaitable[T]], *, upgrade: bool = True
) -> T:
    """Run ``work`` on the configured database (migrated first unless ``upgrade`` is off)."""

    async def run() -> T:
        db = Database.open(settings.database_url, pool_size=1)
        try:
            if upgrade:
                await migrate.upgrade(db.writer)
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except (OSError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        typer.echo(
            f"error: cannot use the database {_describe(settings.database_url)}: {reason}", err=True
        )
        raise typer.Exit(1) from None


def _describe(url: str) -> str:
    """The database URL without its password, for startup messages."""
    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(envvar="OMNI_HOST", help="Interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="OMNI_PORT", help="TCP port.")] = 8000,
    database: DatabaseOpt = None,
    max_running: Annotated[
        int, typer.Option(envvar="OMNI_MAX_RUNNING", min=1, help="Turns run at once.")
    ] = 64,
    log_level: Annotated[str, typer.Option(envvar="OMNI_LOG_LEVEL")] = "info",
    runner: Annotated[
        bool,
        typer.Option(
            "--runner/--no-runner",
            envvar="OMNI_RUNNER",
            help="Run turns in this process too; --no-runner serves the API only.",
        ),
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            envvar="OMNI_WORKERS", min=1, help="API processes sharing the port (PostgreSQL)."
        ),
    ] = 1,
    max_running_per_account: PerAccountOpt = None,
    shutdown_grace: GraceOpt = None,
) -> None:
    """Run the API server and, unless --no-runner, its in-process runner."""
    from omni_server.app import create_app

    settings = _settings(
        database,
        host=host,
        port=port,
        max_running=max_running,
        log_level=log_level,
        runner=runner,
        workers=workers,
        max_running_per_account=max_running_per_account,
        shutdown_grace=shutdown_grace,
    )
    scaling.check_workers(settings)
    has_key = _with_db(
        settings, lambda db: KeyStore(db).any_live(), upgrade=settings.migrate_on_start
    )
    typer.echo(f"Omni {__version__}")
    typer.echo(f"  database : {_describe(settings.database_url)}")
    if settings.runner:
        typer.echo(f"  engine   : {settings.engine} (max running turns: {settings.max_running})")
    else:
        typer.echo("  runner   : off (turns run in `omni worker` processes)")
    typer.echo(f"  listening: http://{host}:{port}" + scaling.workers_note(settings))
    if not has_key:
        typer.echo(
            "  no API key exists yet; create one with:\n"
            f"    omni keys create --account 1 --database '{settings.database_url}'"
        )
    scaling.exit_zero_on_sigterm()
    if settings.workers > 1:
        scaling.serve_processes(settings)
        return
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=settings.http_grace,
    )


@app.command()
def worker(
    database: DatabaseOpt = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency",
            envvar="OMNI_MAX_RUNNING",
            min=1,
            help="Turns this worker runs at once.",
        ),
    ] = 64,
    host: Annotated[
        str, typer.Option(envvar="OMNI_HOST", help="Interface of the probes and metrics.")
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            envvar="OMNI_WORKER_PORT",
            min=1,
            max=65535,
            help="Serve /healthz, /readyz and /metrics on this port (default: none).",
        ),
    ] = None,
    max_running_per_account: PerAccountOpt = None,
    shutdown_grace: GraceOpt = None,
    log_level: Annotated[str, typer.Option(envvar="OMNI_LOG_LEVEL")] = "info",
) -> None:
    """Run turns only (no API): any number of workers share one PostgreSQL database."""
    settings = _settings(
        database,
        max_running=concurrency,
        max_running_per_account=max_running_per_account,
        shutdown_grace=shutdown_grace,
        log_level=log_level,
    )
    scaling.run_worker_process(settings, host=host, port=port)


@app.command("migrate")
def migrate_command(database: DatabaseOpt = None) -> None:
    """Create or upgrade the database schema."""
    settings = _settings(database)

    async def nothing(_db: Database) -> None:
        return None

    _with_db(settings, nothing)
    typer.echo(f"database at the newest schema: {_describe(settings.database_url)}")


@keys_app.command("create")
def keys_create(
    account: Annotated[
        list[int],
        typer.Option(
            "--account",
            envvar="OMNI_KEY_ACCOUNTS",
            help="Account id the key may act for (repeatable; the variable is space-separated).",
        ),
    ],
    name: Annotated[
        str, typer.Option("--name", envvar="OMNI_KEY_NAME", help="A label to recognise the key by.")
    ] = "default",
    database: DatabaseOpt = None,
) -> None:
    """Create a key; the secret is printed once, alone on the last line."""
    settings = _settings(database)
    created = _with_db(
        settings, lambda db: KeyService(KeyStore(db)).create(accounts=frozenset(account), name=name)
    )
    typer.echo(f"created key {created.record_id} ({name}) for accounts {sorted(set(account))}")
    typer.echo("store it now: the secret is not shown again")
    typer.echo(created.secret)


@keys_app.command("list")
def keys_list(database: DatabaseOpt = None) -> None:
    """List keys (never their secrets)."""
    records = _with_db(_settings(database), lambda db: KeyStore(db).all())
    if not records:
        typer.echo("no keys")
    for r in records:
        state = f"revoked {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "active"
        accounts = ",".join(str(a) for a in sorted(r.accounts))
        typer.echo(f"{r.id}  {r.prefix}...  {r.name:<16} accounts={accounts}  {state}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `omni keys list` shows it.")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke a key (running servers notice within the key cache time, 5 s by default)."""
    try:
        parsed = uuid.UUID(key_id)
    except ValueError:
        typer.echo(f"error: {key_id!r} is not a key id", err=True)
        raise typer.Exit(2) from None
    revoked = _with_db(_settings(database), lambda db: KeyStore(db).revoke(parsed, utcnow()))
    if not revoked:
        typer.echo(f"error: no active key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def main() -> None:
    app()
