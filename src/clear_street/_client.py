"""The clients: :class:`ClearStreet` (blocking) and :class:`AsyncClearStreet`.

A client owns its settings and, unless one was passed in, its HTTP connection pool. Copies
made with ``with_options`` share the pool of the client they came from, and only the client
that created a pool closes it, so closing a copy never breaks the original. A pool passed in
as ``http_client`` stays the caller's to close.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

import httpx

from clear_street._config import ClientConfig, Environment, derive_config, make_config
from clear_street._constants import DEFAULT_MAX_RETRIES
from clear_street._transport import AsyncTransport, SyncTransport
from clear_street._types import NOT_GIVEN, NotGiven, Timeout
from clear_street.resources.v1 import V1, AsyncV1


class _Settings:
    """Read-only views of a client's settings; the API key is never shown."""

    _config: ClientConfig

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def timeout(self) -> Timeout:
        return self._config.timeout

    @property
    def max_retries(self) -> int:
        return self._config.max_retries

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"


class ClearStreet(_Settings):
    """Blocking client of the Omni AI API.

    ``api_key`` defaults to ``CLEAR_STREET_API_KEY``; the base URL comes from ``base_url``,
    ``environment`` (``"production"`` or ``"dev"``) or ``CLEAR_STREET_BASE_URL``, in that
    order, and is production otherwise. Raises :class:`~clear_street.ClearStreetError` when
    no API key can be found.
    """

    v1: V1

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        environment: Environment | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        config = make_config(
            api_key=api_key,
            base_url=base_url,
            environment=environment,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )
        self._setup(config, http_client or httpx.Client(), owns_http=http_client is None)

    def _setup(self, config: ClientConfig, http: httpx.Client, *, owns_http: bool) -> None:
        self._config = config
        self._owns_http = owns_http
        self._transport = SyncTransport(config, http)
        self.v1 = V1(self._transport)

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        environment: Environment | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        http_client: httpx.Client | NotGiven = NOT_GIVEN,
    ) -> ClearStreet:
        """A copy with some settings changed, sharing this client's connection pool."""
        config = derive_config(
            self._config,
            api_key=api_key,
            base_url=base_url,
            environment=environment,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        http = self._transport.http if isinstance(http_client, NotGiven) else http_client
        copy = ClearStreet.__new__(ClearStreet)
        copy._setup(config, http, owns_http=False)
        return copy

    def close(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_http:
            self._transport.http.close()

    def __enter__(self) -> ClearStreet:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClearStreet(_Settings):
    """Async client of the Omni AI API; configured exactly like :class:`ClearStreet`."""

    v1: AsyncV1

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        environment: Environment | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        config = make_config(
            api_key=api_key,
            base_url=base_url,
            environment=environment,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )
        self._setup(config, http_client or httpx.AsyncClient(), owns_http=http_client is None)

    def _setup(self, config: ClientConfig, http: httpx.AsyncClient, *, owns_http: bool) -> None:
        self._config = config
        self._owns_http = owns_http
        self._transport = AsyncTransport(config, http)
        self.v1 = AsyncV1(self._transport)

    def with_options(
        self,
        *,
        api_key: str | NotGiven = NOT_GIVEN,
        base_url: str | httpx.URL | NotGiven = NOT_GIVEN,
        environment: Environment | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        http_client: httpx.AsyncClient | NotGiven = NOT_GIVEN,
    ) -> AsyncClearStreet:
        """A copy with some settings changed, sharing this client's connection pool."""
        config = derive_config(
            self._config,
            api_key=api_key,
            base_url=base_url,
            environment=environment,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        http = self._transport.http if isinstance(http_client, NotGiven) else http_client
        copy = AsyncClearStreet.__new__(AsyncClearStreet)
        copy._setup(config, http, owns_http=False)
        return copy

    async def close(self) -> None:
        """Close the connection pool if this client created it."""
        if self._owns_http:
            await self._transport.http.aclose()

    async def __aenter__(self) -> AsyncClearStreet:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
