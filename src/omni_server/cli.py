"""The ``omni`` command: serve, migrate, and manage API keys."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from omni_server import __version__, scaling, startup
from omni_server.domain.ids import utcnow
from omni_server.services.auth import KeyService
from omni_server.serving import uvicorn_config
from omni_server.settings import Settings
from omni_server.startup import key_table
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.keys import KeyStore

try:  # typer 0.2x carries its own copy of click; older releases use click itself
    from typer._click import exceptions as usage
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as usage  # type: ignore[no-redef]

T = TypeVar("T")

app = typer.Typer(help="Omni: a self-hosted Omni AI API server.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
responses_app = typer.Typer(help="Inspect responses (operators only).", no_args_is_help=True)
app.add_typer(responses_app, name="responses")

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
    """Settings from flags and ``OMNI_*`` variables, or one line on stderr and exit status 2."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if database:
        values["database"] = database
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        typer.echo(startup.explain(exc), err=True)
        raise typer.Exit(2) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"omni {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Omni: a self-hosted Omni AI API server."""


def _with_db(
    settings: Settings, work: Callable[[Database], Awaitable[T]], *, upgrade: bool = True
) -> T:
    """Run ``work`` on the configured database (migrated first unless ``upgrade`` is off)."""

    async def run() -> T:
        # The CLI serves no one else while it waits, so it waits longer for a busy database.
        db = Database.open(settings.database_url, pool_size=1, lock_timeout=10.0)
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
    port: Annotated[
        int, typer.Option(envvar="OMNI_PORT", help="TCP port, 0 to 65535 (0: any free port).")
    ] = 8000,
    database: DatabaseOpt = None,
    max_running: Annotated[
        int | None, typer.Option(envvar="OMNI_MAX_RUNNING", help="Turns run at once (>= 1).")
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(envvar="OMNI_LOG_LEVEL", help="critical, error, warning, info, debug, trace."),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(envvar="OMNI_LOG_FORMAT", help="text, or json (one object per line)."),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            envvar="OMNI_ENGINE", help="builtin, openai, a registered name or module:attribute."
        ),
    ] = None,
    runner: Annotated[
        bool | None,
        typer.Option(
            "--runner/--no-runner",
            envvar="OMNI_RUNNER",
            help="Run turns in this process too; --no-runner serves the API only.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(envvar="OMNI_WORKERS", help="API processes sharing the port (PostgreSQL)."),
    ] = None,
    max_running_per_account: PerAccountOpt = None,
    shutdown_grace: GraceOpt = None,
) -> None:
    """Run the API server and, unless --no-runner, its in-process runner."""
    from omni_server.app import create_app
    from omni_server.engines import registry
    from omni_server.observability.logging import configure_logging

    settings = _settings(
        database,
        host=host,
        port=port,
        max_running=max_running,
        log_level=log_level,
        log_format=log_format,
        engine=engine,
        runner=runner,
        workers=workers,
        max_running_per_account=max_running_per_account,
        shutdown_grace=shutdown_grace,
    )
    scaling.check_workers(settings)
    try:
        registry.check(settings.engine)
    except registry.UnknownEngine as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:  # before the database: a port in use is reported before anything else is done
        sock = startup.bind(settings.host, settings.port)
    except OSError as exc:
        typer.echo(f"error: cannot listen on {settings.host}:{settings.port}: {exc}", err=True)
        raise typer.Exit(1) from None
    log_config = configure_logging(settings)
    has_key = _with_db(
        settings, lambda db: KeyStore(db).any_live(), upgrade=settings.migrate_on_start
    )
    url = startup.url_of(sock, settings.host)
    lines = startup.banner(settings, url, _describe(settings.database_url), has_key=has_key)
    scaling.exit_zero_on_sigterm()
    if settings.workers > 1:
        scaling.serve_processes(settings, sock, log_config=log_config, banner=lines)
        return
    config = uvicorn_config(create_app(settings), settings, log_config=log_config)
    server = startup.BannerServer(config, lines)
    server.run(sockets=[sock])


@app.command()
def worker(
    database: DatabaseOpt = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            envvar="OMNI_MAX_RUNNING",
            min=1,
            help="Turns this worker runs at once.",
        ),
    ] = None,
    host: Annotated[
        str | None, typer.Option(envvar="OMNI_HOST", help="Interface of the probes and metrics.")
    ] = None,
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
    engine: Annotated[
        str | None,
        typer.Option(
            envvar="OMNI_ENGINE", help="builtin, openai, a registered name or module:attribute."
        ),
    ] = None,
    log_level: Annotated[
        str | None,
        typer.Option(envvar="OMNI_LOG_LEVEL", help="critical, error, warning, info, debug, trace."),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(envvar="OMNI_LOG_FORMAT", help="text, or json (one object per line)."),
    ] = None,
) -> None:
    """Run turns only (no API): any number of workers share one PostgreSQL database."""
    from omni_server.engines import registry
    from omni_server.observability.logging import configure_logging

    settings = _settings(
        database,
        host=host,
        max_running=concurrency,
        max_running_per_account=max_running_per_account,
        shutdown_grace=shutdown_grace,
        engine=engine,
        log_level=log_level,
        log_format=log_format,
    )
    try:
        registry.check(settings.engine)
    except registry.UnknownEngine as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings)
    scaling.run_worker_process(settings, host=settings.host, port=port)


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
        return
    typer.echo(key_table(records))


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `omni keys list` shows it.")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke a key (running servers notice within the key cache time, 1 s by default)."""
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


@responses_app.command("show")
def responses_show(
    response_id: Annotated[str, typer.Argument(help="The response's id.")],
    database: DatabaseOpt = None,
) -> None:
    """Show a response's status, error and token usage (usage never leaves this command)."""
    from omni_server.cli_responses import show

    try:
        parsed = uuid.UUID(response_id)
    except ValueError:
        typer.echo(f"error: {response_id!r} is not a response id", err=True)
        raise typer.Exit(2) from None
    lines = _with_db(_settings(database), lambda db: show(db, parsed))
    if lines is None:
        typer.echo(f"error: no response {response_id}", err=True)
        raise typer.Exit(1)
    for line in lines:
        typer.echo(line)


def main() -> None:
    """Run the command; a usage mistake (an option of the wrong type) is one line, status 2."""
    try:
        code = app(standalone_mode=False)
    except usage.NoArgsIsHelpError as exc:
        if exc.format_message().strip():  # typer may have printed the help already
            typer.echo(exc.format_message(), err=True)
        raise SystemExit(2) from None
    except usage.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "omni"
        typer.echo(f"error: {command}: {exc.format_message()}", err=True)
        raise SystemExit(2) from None
    except usage.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    raise SystemExit(code if isinstance(code, int) else 0)
