"""Walking every page of a list endpoint by following ``metadata.next_page_token``.

The bookkeeping (which token is next, which items were already seen, in what order to yield
a page) is :class:`PageWalk`, shared by the sync and async iterators; they only differ in how
a page is fetched.

Threads are listed most recently active first, so a thread that becomes active while we
page moves to the front and may come around again: items are de-duplicated by id. A server
answering the same token twice would loop forever, so that raises instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Generic, Protocol, TypeVar

from clear_street._exceptions import ClearStreetError
from clear_street._types import NOT_GIVEN, NotGiven
from clear_street.types.envelope import ResponseMetadata


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_Identified)


class _Page(Protocol[ItemT]):
    @property
    def data(self) -> list[ItemT]: ...

    @property
    def metadata(self) -> ResponseMetadata: ...


PageToken = str | NotGiven


class PageWalk(Generic[ItemT]):
    """State of one walk over pages; ``reverse_pages`` yields each page back to front."""

    def __init__(self, *, reverse_pages: bool = False) -> None:
        self.next_token: PageToken = NOT_GIVEN
        self.finished = False
        self._reverse = reverse_pages
        self._seen_ids: set[str] = set()
        self._seen_tokens: set[str] = set()

    def take(self, page: _Page[ItemT]) -> list[ItemT]:
        """The new items of ``page``, in yield order; advances to the next token."""
        items = list(reversed(page.data)) if self._reverse else list(page.data)
        fresh = [item for item in items if item.id not in self._seen_ids]
        self._seen_ids.update(item.id for item in fresh)
        self._advance(page.metadata.next_page_token)
        return fresh

    def _advance(self, token: str | None) -> None:
        if not token:
            self.finished = True
            return
        if token in self._seen_tokens:
            raise ClearStreetError(f"The API returned page token {token!r} twice; stopping.")
        self._seen_tokens.add(token)
        self.next_token = token


def iterate(fetch: Callable[[PageToken], _Page[ItemT]], walk: PageWalk[ItemT]) -> Iterator[ItemT]:
    """Yield every item, fetching pages lazily as the caller consumes them."""
    while not walk.finished:
        yield from walk.take(fetch(walk.next_token))


async def aiterate(
    fetch: Callable[[PageToken], Awaitable[_Page[ItemT]]], walk: PageWalk[ItemT]
) -> AsyncIterator[ItemT]:
    """The async twin of :func:`iterate`."""
    while not walk.finished:
        for item in walk.take(await fetch(walk.next_token)):
            yield item
