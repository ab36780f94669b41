"""Client settings: resolving them from arguments and the environment, and request headers.

Explicit arguments win over environment variables. The base URL comes from ``base_url``,
else from ``environment`` when it is passed, else from ``CLEAR_STREET_BASE_URL``, else from
the production environment; passing both ``base_url`` and ``environment`` is ambiguous and
rejected.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import httpx

from clear_street._constants import API_KEY_ENV, BASE_URL_ENV, DEFAULT_TIMEOUT, ENVIRONMENTS
from clear_street._exceptions import ClearStreetError
from clear_street._request import RequestSpec
from clear_street._types import NOT_GIVEN, NotGiven, Timeout
from clear_street._version import __version__

Environment = Literal["production", "dev"]

USER_AGENT = f"clear-street-omni-python/{__version__}"


@dataclass(frozen=True)
class ClientConfig:
    """Settings shared by a client and everything it sends."""

    api_key: str
    base_url: str
    timeout: Timeout
    max_retries: int
    default_headers: Mapping[str, str] = field(default_factory=dict)

    def copy_with(self, **changes: Any) -> ClientConfig:
        """A copy with ``changes`` applied (arguments left as ``NOT_GIVEN`` are kept)."""
        return replace(self, **{k: v for k, v in changes.items() if not isinstance(v, NotGiven)})

    def headers_for(self, spec: RequestSpec[Any]) -> dict[str, str]:
        """Headers of a call: ours, then the client's defaults, then the call's own."""
        headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {self.api_key}",
            "User-Agent": USER_AGENT,
        }
        if spec.body is not None:
            headers["Content-Type"] = "application/json"
        return {**headers, **self.default_headers, **spec.headers}

    def build_request(
        self, http: httpx.Client | httpx.AsyncClient, spec: RequestSpec[Any]
    ) -> httpx.Request:
        """The HTTP request for ``spec`` (built through ``http`` so its own settings apply)."""
        content = (
            None if spec.body is None else json.dumps(spec.body, separators=(",", ":")).encode()
        )
        timeout = self.timeout if isinstance(spec.timeout, NotGiven) else spec.timeout
        return http.build_request(
            spec.method,
            self.base_url.rstrip("/") + spec.path,
            params=spec.query or None,
            headers=self.headers_for(spec),
            content=content,
            timeout=timeout,
        )


def resolve_api_key(api_key: str | None) -> str:
    """``api_key``, else ``CLEAR_STREET_API_KEY``; raises when neither is set."""
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if not key:
        raise ClearStreetError(
            "No API key: pass api_key=... to the client or set the "
            f"{API_KEY_ENV} environment variable."
        )
    return key


def resolve_base_url(base_url: str | httpx.URL | None, environment: Environment | None) -> str:
    """Where to send requests; see the module docstring for the order of precedence."""
    if base_url is not None and environment is not None:
        raise ValueError("Pass either base_url or environment, not both.")
    if base_url is not None:
        return str(base_url)
    if environment is not None:
        try:
            return ENVIRONMENTS[environment]
        except KeyError:
            known = ", ".join(sorted(ENVIRONMENTS))
            raise ValueError(f"Unknown environment {environment!r}; known: {known}") from None
    return os.environ.get(BASE_URL_ENV) or ENVIRONMENTS["production"]


def make_config(
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    environment: Environment | None,
    timeout: Timeout | NotGiven,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    http_client: httpx.Client | httpx.AsyncClient | None,
) -> ClientConfig:
    """Settings from constructor arguments; a given ``http_client`` lends its timeout."""
    if max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    fallback: Timeout = http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
    return ClientConfig(
        api_key=resolve_api_key(api_key),
        base_url=resolve_base_url(base_url, environment),
        timeout=fallback if isinstance(timeout, NotGiven) else timeout,
        max_retries=max_retries,
        default_headers=dict(default_headers or {}),
    )


def derive_config(
    config: ClientConfig,
    *,
    api_key: str | NotGiven,
    base_url: str | httpx.URL | NotGiven,
    environment: Environment | NotGiven,
    timeout: Timeout | NotGiven,
    max_retries: int | NotGiven,
    default_headers: Mapping[str, str] | NotGiven,
) -> ClientConfig:
    """``config`` with the given overrides; ``default_headers`` are merged, not replaced."""
    url: str | NotGiven = NOT_GIVEN
    if not isinstance(base_url, NotGiven) or not isinstance(environment, NotGiven):
        url = resolve_base_url(
            None if isinstance(base_url, NotGiven) else base_url,
            None if isinstance(environment, NotGiven) else environment,
        )
    headers: dict[str, str] | NotGiven = NOT_GIVEN
    if not isinstance(default_headers, NotGiven):
        headers = {**config.default_headers, **default_headers}
    if not isinstance(max_retries, NotGiven) and max_retries < 0:
        raise ValueError("max_retries must be >= 0")
    return config.copy_with(
        api_key=api_key,
        base_url=url,
        timeout=timeout,
        max_retries=max_retries,
        default_headers=headers,
    )
