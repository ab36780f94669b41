"""Building clients: where settings come from, copies, headers, and closing."""

from __future__ import annotations

import httpx
import pytest

from clear_street import DEFAULT_TIMEOUT, AsyncClearStreet, ClearStreet, ClearStreetError
from tests.sdk.mock_api import THREAD, FakeApi, ok


def mock_http(api: FakeApi) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(api.handler))


def test_api_key_from_the_environment(monkeypatch: pytest.MonkeyPatch, api: FakeApi) -> None:
    monkeypatch.setenv("CLEAR_STREET_API_KEY", "from-env")
    api.queue(ok(THREAD))

    with ClearStreet(base_url="http://x", http_client=mock_http(api)) as client:
        client.v1.omni_ai.threads.get_thread_by_id("t", account_id=1)

    assert api.last.headers["authorization"] == "Bearer from-env"


def test_api_key_argument_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLEAR_STREET_API_KEY", "from-env")

    with ClearStreet(api_key="arg") as client:
        assert client._config.api_key == "arg"


@pytest.mark.parametrize("cls", [ClearStreet, AsyncClearStreet])
def test_missing_api_key_is_a_clear_error(cls: type[ClearStreet] | type[AsyncClearStreet]) -> None:
    with pytest.raises(ClearStreetError, match="CLEAR_STREET_API_KEY"):
        cls()


@pytest.mark.parametrize(
    ("kwargs", "env", "expected"),
    [
        ({}, None, "https://api.clearstreet.com"),
        ({"environment": "dev"}, None, "https://api-dev.clearstreet.com"),
        ({"environment": "production"}, "http://env:1", "https://api.clearstreet.com"),
        ({}, "http://env:1", "http://env:1"),
        ({"base_url": "http://arg:2"}, "http://env:1", "http://arg:2"),
    ],
)
def test_base_url_resolution(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, str], env: str | None, expected: str
) -> None:
    if env is not None:
        monkeypatch.setenv("CLEAR_STREET_BASE_URL", env)

    with ClearStreet(api_key="k", **kwargs) as client:  # type: ignore[arg-type]
        assert client.base_url == expected


def test_base_url_and_environment_together_are_ambiguous() -> None:
    with pytest.raises(ValueError, match="either"):
        ClearStreet(api_key="k", base_url="http://a", environment="dev")


def test_unknown_environment() -> None:
    with pytest.raises(ValueError, match="staging"):
        ClearStreet(api_key="k", environment="staging")  # type: ignore[arg-type]


def test_base_url_with_a_path_prefix(api: FakeApi) -> None:
    api.queue(ok(THREAD))

    with ClearStreet(
        api_key="k", base_url="http://proxy/omni/", http_client=mock_http(api)
    ) as client:
        client.v1.omni_ai.threads.get_thread_by_id("t", account_id=1)

    assert str(api.last.url) == "http://proxy/omni/v1/omni-ai/threads/t?account_id=1"


def test_defaults() -> None:
    with ClearStreet(api_key="k") as client:
        assert client.timeout == DEFAULT_TIMEOUT
        assert client.max_retries == 2
        assert "k" not in repr(client)


def test_negative_max_retries() -> None:
    with pytest.raises(ValueError):
        ClearStreet(api_key="k", max_retries=-1)


def test_default_headers_and_user_agent_override(api: FakeApi) -> None:
    api.queue(ok(THREAD))
    client = ClearStreet(
        api_key="k",
        base_url="http://x",
        default_headers={"User-Agent": "my-app/1", "X-Team": "desk"},
        http_client=mock_http(api),
    )

    client.v1.omni_ai.threads.get_thread_by_id("t", account_id=1)

    assert api.last.headers["user-agent"] == "my-app/1"
    assert api.last.headers["x-team"] == "desk"


def test_with_options_changes_only_what_is_given(api: FakeApi) -> None:
    base = ClearStreet(
        api_key="k", base_url="http://x", default_headers={"X-A": "1"}, http_client=mock_http(api)
    )

    copy = base.with_options(api_key="k2", timeout=3.0, default_headers={"X-B": "2"})

    assert copy._config.api_key == "k2"
    assert copy.timeout == 3.0
    assert copy.base_url == "http://x"
    assert copy.max_retries == base.max_retries
    assert copy._config.default_headers == {"X-A": "1", "X-B": "2"}
    assert base._config.api_key == "k"
    assert copy._transport.http is base._transport.http
    assert base.with_options(environment="dev").base_url == "https://api-dev.clearstreet.com"


def test_a_copy_does_not_close_the_shared_pool() -> None:
    base = ClearStreet(api_key="k")
    copy = base.with_options(max_retries=5)

    copy.close()
    assert not base._transport.http.is_closed

    base.close()
    assert base._transport.http.is_closed


def test_context_manager_closes_its_own_pool() -> None:
    with ClearStreet(api_key="k") as client:
        http = client._transport.http
    assert http.is_closed


def test_a_lent_pool_stays_open() -> None:
    http = httpx.Client()
    with ClearStreet(api_key="k", http_client=http):
        pass
    assert not http.is_closed
    http.close()


async def test_async_context_manager_and_options(api: FakeApi) -> None:
    async with AsyncClearStreet(api_key="k") as client:
        http = client._transport.http
        copy = client.with_options(base_url="http://other")
        assert copy.base_url == "http://other"
        assert copy._transport.http is http
        await copy.close()
        assert not http.is_closed
    assert http.is_closed
    assert "AsyncClearStreet" in repr(client)


async def test_async_client_sends_the_same_request(api: FakeApi) -> None:
    api.queue(ok({"canceled": True}))
    http = httpx.AsyncClient(transport=httpx.MockTransport(api.handler))

    async with AsyncClearStreet(api_key="k", base_url="http://x", http_client=http) as client:
        result = await client.v1.omni_ai.responses.cancel_response("r", account_id=0)

    assert result.data.canceled is True
    assert (api.last.method, str(api.last.url)) == (
        "DELETE",
        "http://x/v1/omni-ai/responses/r?account_id=0",
    )
    await http.aclose()
