"""The contract's limits that types cannot express, checked after a body is read.

Context size and shape, feedback scores, and the sizes of text, titles, comments and
metadata; NUL characters anywhere. Each is refused with a 422 naming its rule (the
message of :class:`LimitBroken`, after the body prefix added by :mod:`.body`). Every size
is an ``OMNI_*`` setting (:meth:`BodyLimits.from_settings`). All checks are linear in the
body's size.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from omni_server.domain.ids import isoformat
from omni_server.settings import Settings

CONTEXT_MAX_ITEMS: Final = 4
CONTEXT_MAX_BYTES: Final = 64 * 1024
CONTEXT_MAX_DEPTH: Final = 32
FEEDBACK_SCORES: Final = frozenset({-1, 0, 1, 2, 3, 4, 5})
NUL_RULE: Final = "must not contain NUL characters"


class LimitBroken(ValueError):
    """A read body breaks a contract limit; the message names the field and the rule."""


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


DEFAULT_LIMITS: Final = BodyLimits()


def check_body(fields: Collection[str], values: Mapping[str, Any], limits: BodyLimits) -> None:
    """Every limit that applies to a body with these ``fields``, first broken rule raised."""
    if "context" in fields and values.get("context") is not None:
        check_context(values["context"], limits.context_bytes)
    check_fields(values, limits)
    if "score" in fields:
        check_score(values["score"])


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


def check_score(score: int) -> None:
    """Feedback is thumbs (-1, 0, +1) or stars (1 to 5)."""
    if score not in FEEDBACK_SCORES:
        raise LimitBroken("score: must be -1, 0, +1 or 1 to 5")


def check_context(context: Mapping[str, Any], max_bytes: int = CONTEXT_MAX_BYTES) -> None:
    """Apply the contract's context rules to a read ``TurnContext`` (plain values).

    1 to 4 items; each ``kind`` and ``label`` not blank; each ``data`` nested at most 32
    levels (an object holding only scalars is one level); the whole context at most 64 KiB
    as compact JSON. Raises :class:`LimitBroken` naming the first rule broken.
    """
    items = context["items"]
    if not 1 <= len(items) <= CONTEXT_MAX_ITEMS:
        raise LimitBroken(f"context.items: must contain 1 to {CONTEXT_MAX_ITEMS} items")
    for index, item in enumerate(items):
        where = f"context.items[{index}]"
        for name in ("kind", "label"):
            if not item[name].strip():
                raise LimitBroken(f"{where}.{name}: must not be blank")
        if nesting_depth(item["data"]) > CONTEXT_MAX_DEPTH:
            raise LimitBroken(f"{where}.data: nested deeper than {CONTEXT_MAX_DEPTH} levels")
    if compact_json_size(context) > max_bytes:
        raise LimitBroken(f"context: compact JSON must be at most {max_bytes} bytes")


def nesting_depth(value: Any) -> int:
    """Levels of arrays and objects in ``value`` (0 for a scalar), level by level."""
    depth = 0
    level = [value] if isinstance(value, dict | list) else []
    while level:
        depth += 1
        below: list[Any] = []
        for container in level:
            children = container.values() if isinstance(container, dict) else container
            below += [child for child in children if type(child) in _CONTAINERS]
        level = below
    return depth


_CONTAINERS: Final = (dict, list)


def compact_json_size(context: Mapping[str, Any]) -> int:
    """Bytes of the context as compact UTF-8 JSON, the measure clients are told about.

    ``captured_at`` counts in the form the server stores and serves back (``isoformat``).
    """
    items = [{**item, "captured_at": item.get("captured_at")} for item in context["items"]]
    for item in items:
        if item["captured_at"] is None:
            del item["captured_at"]
        else:
            item["captured_at"] = isoformat(item["captured_at"])
    text = json.dumps({"items": items}, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8"))
