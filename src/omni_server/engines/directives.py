"""Test directives of the built-in engine (contract section 5).

Integrators put ``!omni:sleep=2``, ``!omni:hang``, ``!omni:fail=<code>`` or ``!omni:crash`` in a
prompt to drive the lifecycle from a client. Parsing is pure so it can be tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERN = re.compile(
    r"!omni:(?:sleep=(?P<sleep>\d+(?:\.\d+)?)|(?P<hang>hang)|fail=(?P<fail>[A-Za-z0-9_.-]+)"
    r"|(?P<crash>crash))"
)


@dataclass(frozen=True, slots=True)
class Directive:
    sleep: float | None = None
    hang: bool = False
    fail: str | None = None
    crash: bool = False


def parse(text: str) -> Directive | None:
    """The first directive in ``text``, or ``None``."""
    match = _PATTERN.search(text)
    if match is None:
        return None
    sleep = match.group("sleep")
    return Directive(
        sleep=float(sleep) if sleep is not None else None,
        hang=match.group("hang") is not None,
        fail=match.group("fail"),
        crash=match.group("crash") is not None,
    )


def without_directives(text: str) -> str:
    """The prompt without its directives, for the answer and the thread title."""
    return " ".join(_PATTERN.sub(" ", text).split())
