"""``compose.yaml`` and the Dockerfile describe commands the ``omni`` CLI accepts as written.

No container engine runs here, so each service's command line is parsed by the real command
(its click context: option names, types and ranges checked, nothing run) with the service's
environment in place, and its ``OMNI_*`` variables are loaded by the real settings class.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from typer._click.core import Context
from typer._click.exceptions import UsageError

from omni_server import cli
from omni_server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def omni_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if s.get("image") == "omni:latest"}


def parse(args: list[str]) -> Context:
    """Parse ``omni ARGS`` exactly as the command line would, without running anything.

    (Typer vendors click as ``typer._click``; its contexts parse and validate every option,
    types and ranges included, and only ``invoke`` would run the command.)
    """
    group = typer.main.get_command(cli.app)
    parent = group.make_context("omni", list(args))
    name, command, rest = group.resolve_command(parent, list(args))
    assert command is not None and name == args[0], f"no omni command {args[0]!r}"
    return command.make_context(name, rest, parent=parent)


def test_the_layout_is_postgres_two_servers_and_two_workers() -> None:
    services = omni_services()
    roles = sorted(s["command"][0] for s in services.values())
    assert roles == ["migrate", "serve", "serve", "worker", "worker"]
    assert "postgres" in compose()["services"]
    for service in services.values():
        if service["command"][0] == "serve":
            assert "--no-runner" in service["command"]


@pytest.mark.parametrize("name", sorted(omni_services()))
def test_every_service_command_is_accepted(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    service = omni_services()[name]
    for key, value in service.get("environment", {}).items():
        monkeypatch.setenv(key, str(value))
    ctx = parse(service["command"])
    assert ctx.params  # parsed into the command's parameters
    Settings()  # every OMNI_* variable of the service is valid
    assert service["environment"]["OMNI_DATABASE"].startswith("postgresql://")


def test_a_wrong_command_would_be_caught() -> None:
    with pytest.raises(UsageError):
        parse(["worker", "--concurrency", "0"])
    with pytest.raises(UsageError):
        parse(["serve", "--runners"])


def test_dockerfile_runs_the_omni_command() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r'^ENTRYPOINT \["omni"\]$', text, re.MULTILINE)
    cmd = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert cmd is not None
    parse(yaml.safe_load(cmd.group(1)))
