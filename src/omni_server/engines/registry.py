"""Finding the engine ``OMNI_ENGINE`` names: built-in, ``module:attribute`` or entry point.

The engine protocol (:class:`~omni_server.engines.base.Engine`) is the public interface a
team implements to put its own agent behind the API. ``OMNI_ENGINE`` accepts:

- ``builtin`` and ``openai``, shipped with Omni;
- ``package.module:attribute``, imported from the Python path;
- a name registered by an installed package in the ``omni.engines`` entry point group.

The attribute (or entry point) is either an engine object (it has ``run``) or a factory
called with the :class:`~omni_server.settings.Settings` that returns one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import httpx

from omni_server.engines.base import Engine
from omni_server.engines.builtin import BuiltinEngine
from omni_server.settings import Settings

ENGINES_GROUP = "omni.engines"


class UnknownEngine(ValueError):
    """``OMNI_ENGINE`` names nothing that exists; the message lists what does."""


def _builtin(settings: Settings) -> Engine:
    return BuiltinEngine(chunk_delay=settings.chunk_delay, directives_enabled=settings.directives)


def _openai(settings: Settings) -> Engine:
    from omni_server.engines.llm.builtin_tools import builtin_tools
    from omni_server.engines.llm.config import LLMConfig
    from omni_server.engines.llm.engine import OpenAIEngine
    from omni_server.engines.llm.tools import load_plugins

    config = LLMConfig.from_settings(settings)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=32)
    client = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(config.timeout, read=None))
    return OpenAIEngine(config, client, tools=[*builtin_tools(), *load_plugins()])


SHIPPED: dict[str, Callable[[Settings], Engine]] = {"builtin": _builtin, "openai": _openai}


def available() -> list[str]:
    """Names ``OMNI_ENGINE`` accepts besides ``module:attribute``."""
    return [*SHIPPED, *sorted(p.name for p in entry_points(group=ENGINES_GROUP))]


def _unknown(name: str, why: str = "unknown engine") -> UnknownEngine:
    return UnknownEngine(
        f"{why} {name!r}; available: {', '.join(available())}, or package.module:attribute"
    )


def _target(name: str) -> Any:
    if name in SHIPPED:
        return SHIPPED[name]
    if ":" in name:
        module_name, _, attribute = name.partition(":")
        try:
            return getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as exc:
            raise _unknown(name, f"cannot load engine ({exc})") from None
    for point in entry_points(group=ENGINES_GROUP, name=name):
        return point.load()
    raise _unknown(name)


def check(name: str) -> None:
    """Raise :class:`UnknownEngine` now if ``name`` cannot be loaded (a start-up check)."""
    _target(name)


def build(settings: Settings) -> Engine:
    """The engine ``settings.engine`` names, ready to run turns."""
    target = _target(settings.engine)
    if hasattr(target, "run") and not isinstance(target, type):
        return target  # type: ignore[no-any-return]
    try:
        engine = target(settings)
    except TypeError as exc:
        raise _unknown(settings.engine, f"cannot build engine ({exc}) from") from None
    if not hasattr(engine, "run"):
        raise _unknown(settings.engine, "not an engine:")
    return engine  # type: ignore[no-any-return]
