"""Small types shared by every module: the "not given" sentinel and per-call option aliases.

An omitted optional argument must not reach the wire at all, while an explicit ``None`` must
be sent as JSON ``null`` (it can mean "clear this"). ``None`` cannot tell the two apart, so
omitted arguments default to the :data:`NOT_GIVEN` sentinel instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

import httpx


class NotGiven:
    """Type of :data:`NOT_GIVEN`; falsy, and a single instance exists."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
"""Default of optional arguments: leaves the parameter out of the request."""

Headers: TypeAlias = Mapping[str, str]
Query: TypeAlias = Mapping[str, object]
Body: TypeAlias = Mapping[str, object]
Timeout: TypeAlias = float | httpx.Timeout | None
"""Seconds, an ``httpx.Timeout``, or ``None`` to wait forever."""
