"""Limits on the fields of a JSON body: text, titles, comments, metadata, NUL characters.

Checked after a body is read (see ``validation.parse_body``), each refused with a 422
naming its rule, like the contract's context limits. Every limit is an ``OMNI_*`` setting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from omni_server.api.reading.models import CONTEXT_MAX_BYTES, LimitBroken
from omni_server.settings import Settings

NUL_RULE: Final = "must not contain NUL characters"


@dataclass(frozen=True)
class BodyLimits:
    """The size rules for fields of a JSON body (every one an ``OMNI_*`` setting)."""

    text_chars: int = 32_000
    title_chars: int = 80
    context_bytes: int = CONTEXT_MAX_BYTES
    comment_chars: int = 4_000
    metadata_bytes: int = 16 * 1024

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(
            text_chars=settings.max_text_chars,
            title_chars=settings.max_title_chars,
            context_bytes=settings.max_context_bytes,
            comment_chars=settings.max_comment_chars,
            metadata_bytes=settings.max_metadata_bytes,
        )


def check_fields(values: Mapping[str, Any], limits: BodyLimits) -> None:
    """Refuse a read body whose fields break a size rule or hold a NUL character.

    ``values`` are the plain values of a request model (unknown fields already dropped).
    Raises :class:`LimitBroken` naming the first rule broken. Linear in the body's size.
    """
    target = values.get("target")
    ticker = target.get("ticker") if isinstance(target, Mapping) else None
    for where, value, most in (
        ("text", values.get("text"), limits.text_chars),
        ("thesis", values.get("thesis"), limits.text_chars),
        ("target.ticker", ticker, limits.title_chars),
        ("comment", values.get("comment"), limits.comment_chars),
    ):
        if isinstance(value, str) and len(value) > most:
            raise LimitBroken(f"{where}: must be at most {most} characters")
    metadata = values.get("metadata")
    if metadata is not None and compact_size(metadata) > limits.metadata_bytes:
        raise LimitBroken(f"metadata: compact JSON must be at most {limits.metadata_bytes} bytes")
    where_nul = find_nul(values)
    if where_nul is not None:
        raise LimitBroken(f"{where_nul}: {NUL_RULE}")


def compact_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return len(text.encode("utf-8"))


def find_nul(value: Any, where: str = "") -> str | None:
    """The path of the first string (value or key) holding ``\\0``, or ``None``.

    PostgreSQL cannot store NUL in text, SQLite can: refusing it here gives the same answer
    on both. Iterative, so deep values cost no recursion.
    """
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path or "body"
        elif isinstance(item, Mapping):
            for key, child in reversed(list(item.items())):
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    return child_path
                stack.append((child_path, child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{i}]", child) for i, child in reversed(list(enumerate(item))))
    return None
