"""What ``omni serve`` does around uvicorn: settings errors as one line, binding, the banner.

The banner is printed once the socket is bound and the app has started, so the URL it shows
(with the real port, also when ``--port 0`` asked for any free one) answers at once.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import socket
import sys
from datetime import datetime
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from omni_server.domain.keys import KeyRecord
from omni_server.settings import Settings

log = logging.getLogger("omni")

# Settings fields that ``omni serve`` also takes as flags (the rest are variables only).
FLAGS = {
    "host": "--host",
    "port": "--port",
    "database": "--database",
    "max_running": "--max-running",
    "log_level": "--log-level",
    "log_format": "--log-format",
}


def explain(exc: ValidationError) -> str:
    """One line naming the setting (variable and flag), the value, and what is allowed."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "settings"
    names = f"OMNI_{field.upper()}"
    if field in FLAGS:
        names += f" / {FLAGS[field]}"
    reason = str(first["msg"]).removeprefix("Value error, ")
    return f"error: invalid {names} {first.get('input')!r}: {reason}"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; raises ``OSError`` (in use, bad address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def invoked_as(argv0: str | None = None) -> str:
    """How to run ``omni`` again from here: as it was started, or as it is on the PATH."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    path = Path(argv0)
    if path.name == "omni" and path.exists():
        on_path = shutil.which("omni")
        if on_path and Path(on_path).resolve() == path.resolve():
            return "omni"
        return shlex.quote(argv0)
    return f"{shlex.quote(sys.executable)} -m omni_server"


def key_command(settings: Settings, argv0: str | None = None) -> str:
    """The exact command that creates a key in the database this server uses."""
    command = f"{invoked_as(argv0)} keys create --account 1"
    if settings.database or settings.data_dir != Settings.model_fields["data_dir"].default:
        command += f" --database {shlex.quote(settings.database_url)}"
    return command


def banner(settings: Settings, url: str, database: str, *, has_key: bool) -> list[str]:
    lines = [
        f"Omni listening on {url} (API docs: {url}/docs, metrics: {url}/metrics)",
        f"database: {database}",
        f"engine: {settings.engine} (max running turns: {settings.max_running})"
        if settings.runner
        else "runner: off (turns run in `omni worker` processes)",
    ]
    if settings.workers > 1:
        lines[0] += f" in {settings.workers} processes"
    prefix = "create an API key with" if has_key else "no API key exists yet; create one with"
    lines.append(f"{prefix}: {key_command(settings)}")
    return lines


class BannerServer(uvicorn.Server):
    """uvicorn's server, announcing itself once it is started on the sockets it was given."""

    def __init__(self, config: uvicorn.Config, banner: list[str]) -> None:
        super().__init__(config)
        self._banner = banner

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            for line in self._banner:
                log.info(line)


def url_of(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def key_table(records: list[KeyRecord]) -> str:
    """``omni keys list``: a header, then one aligned row per key (never a secret)."""
    header = ("ID", "PREFIX", "NAME", "ACCOUNTS", "CREATED", "LAST USED", "STATUS")
    rows = [
        (
            str(r.id),
            f"{r.prefix}...",
            r.name,
            ",".join(str(a) for a in sorted(r.accounts)),
            _when(r.created_at),
            _when(r.last_used_at),
            f"revoked {_when(r.revoked_at)}" if r.revoked_at else "active",
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    )
