"""Finding a request's route without trying every route in turn.

Starlette's router tries its routes in table order, a regular expression each, until one
matches, so the routes late in a table pay for every route before them (``GET /healthz``
tried 18 patterns). :class:`IndexedRouter` narrows the table first, by path segments: a
route whose template is made of literal segments and whole-segment ``{name}`` parameters can
only match a path with as many segments, equal to the template wherever it is literal. The
routes left, together with every route the index cannot narrow (a ``Mount``, a typed
parameter), are then tried exactly as Starlette tries them, in table order; a path none of
them matches goes to Starlette's own router for its 404, 405 and (where asked) redirect
handling. So every request is answered by the route Starlette would have picked
(``tests/unit/test_routing.py`` checks that against Starlette's scan).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

_PARAMETER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
"""A segment that is one parameter with Starlette's default convertor (``[^/]+``)."""


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    parameter: _Node | None = None
    routes: list[int] = field(default_factory=list)


def _segments(route: BaseRoute) -> list[str | None] | None:
    """The route's template as segments (``None`` for a parameter), or ``None`` when the
    index cannot describe it and the route must be tried for every path."""
    if not isinstance(route, Route):
        return None
    parts: list[str | None] = []
    for segment in route.path.split("/"):
        if _PARAMETER.fullmatch(segment):
            parts.append(None)
        elif "{" in segment or "}" in segment:
            return None  # a typed parameter, or one inside a segment
        else:
            parts.append(segment)
    return parts


class RouteIndex:
    """The table's routes in a tree of path segments (see the module docstring)."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = list(routes)
        self._root = _Node()
        self._always: list[int] = []
        for position, route in enumerate(self._routes):
            parts = _segments(route)
            if parts is None:
                self._always.append(position)
                continue
            node = self._root
            for part in parts:
                if part is None:
                    node.parameter = node.parameter or _Node()
                    node = node.parameter
                else:
                    node = node.literals.setdefault(part, _Node())
            node.routes.append(position)

    def __len__(self) -> int:
        return len(self._routes)

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes that may match ``path``, in table order."""
        segments = path.split("/")
        found: list[int] = []
        pending = [(self._root, 0)]
        while pending:
            node, depth = pending.pop()
            if depth == len(segments):
                found.extend(node.routes)
                continue
            segment = segments[depth]
            literal = node.literals.get(segment)
            if literal is not None:
                pending.append((literal, depth + 1))
            if node.parameter is not None and segment:
                pending.append((node.parameter, depth + 1))
        if self._always:
            found.extend(self._always)
        if len(found) > 1:
            found.sort()
        return [self._routes[position] for position in found]


class IndexedRouter(Router):
    """Starlette's router, trying only the routes that may match (see the module docstring)."""

    def __init__(self, routes: Sequence[BaseRoute], **options: Any) -> None:
        super().__init__(list(routes), **options)
        self._index = RouteIndex(self.routes)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            # Behind a path prefix (``--root-path``) Starlette strips it before matching; those
            # rare deployments keep Starlette's own scan rather than a second copy of that rule.
            await super().app(scope, receive, send)
            return
        if len(self._index) != len(self.routes):  # a route was added after the start
            self._index = RouteIndex(self.routes)
        if "router" not in scope:
            scope["router"] = self
        partial: tuple[BaseRoute, Scope] | None = None
        for route in self._index.candidates(scope["path"]):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:
            route, child_scope = partial
            scope["route"] = route
            scope.update(child_scope)
            await route.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)
