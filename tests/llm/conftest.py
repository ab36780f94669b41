"""Fixtures of the LLM engine tests: the fake provider and the server running the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import fast_settings
from tests.llm.fake_provider import FakeProvider
from tests.support import Harness, running_app, sqlite_url


@pytest.fixture
async def provider() -> AsyncIterator[FakeProvider]:
    fake = FakeProvider()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def llm_settings(database: str, provider: FakeProvider, **overrides: object) -> object:
    values: dict[str, object] = {
        "engine": "openai",
        "llm_base_url": provider.url,
        "llm_model": "fake-model",
        "llm_api_key": "sk-secret-test-key",
        "llm_timeout": 5.0,
    }
    values.update(overrides)
    return fast_settings(database, **values)


@pytest.fixture
async def llm(provider: FakeProvider, tmp_path: Path) -> AsyncIterator[Harness]:
    """The server on SQLite with ``OMNI_ENGINE=openai`` pointed at the fake provider."""
    async with running_app(llm_settings(sqlite_url(tmp_path), provider)) as h:  # type: ignore[arg-type]
        yield h


@pytest.fixture
async def any_llm(provider: FakeProvider, database_url: str) -> AsyncIterator[Harness]:
    """The same on each backend, where storage is involved."""
    async with running_app(llm_settings(database_url, provider)) as h:  # type: ignore[arg-type]
        yield h
