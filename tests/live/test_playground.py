"""The playground and the API docs in headless Chromium (Debian's package, driven by
Playwright): everything is served by this server, nothing comes from another origin, and the
pages raise no JavaScript error."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import fast_settings
from tests.live.support import Live, serving
from tests.support import sqlite_url

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "playground.png"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true",
    reason="chromium is not installed (apt-get install -y chromium)",
)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    async with serving(fast_settings(sqlite_url(tmp_path), chunk_delay=0.01)) as server:
        yield server


class Browser:
    def __init__(self, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("response", lambda r: self.errors.append(r.url) if r.status >= 400 else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def check_clean(self) -> None:
        foreign = [u for u in self.requests if _origin(u) != self.origin]
        assert foreign == [], foreign
        assert self.errors == []


def _origin(url: str) -> str:
    parts = urlsplit(url.removeprefix("blob:"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else url[:5]


@pytest.fixture
async def browser(live: Live) -> AsyncIterator[Browser]:
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = await chromium.new_page(viewport={"width": 1280, "height": 860})
        yield Browser(page, live.url)
        await chromium.close()


async def connect(browser: Browser, live: Live) -> Any:
    page = browser.page
    await page.goto(f"{live.url}/playground")
    await page.get_by_label("API key").fill(live.key)
    await page.get_by_label("Account ID").fill("1")
    await page.get_by_role("button", name="Connect").click()
    return page


async def test_playground_end_to_end(browser: Browser, live: Live) -> None:
    expect = playwright_api.expect
    page = await connect(browser, live)
    await expect(page.get_by_role("status")).to_have_text("Connected.")

    # A question: live answer, thinking collapsed, a chart drawn as SVG, suggestion buttons.
    await page.get_by_label("Message").fill("How is AAPL doing?")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("svg.chart polyline").first).to_be_visible()
    await expect(page.locator("details.thinking").first).not_to_have_attribute("open", "")
    await expect(page.get_by_role("button", name="Send")).to_be_enabled()
    suggestion = page.locator(".suggestions button").first
    label = await suggestion.text_content()
    await suggestion.click()
    assert await page.get_by_label("Message").input_value() != ""
    assert label

    # An order: a card with its fields and no way to place it.
    await page.get_by_label("Message").fill("Buy 10 shares of MSFT at limit 300")
    await page.get_by_role("button", name="Send").click()
    card = page.locator(".card", has_text="Order ticket")
    await expect(card).to_contain_text("MSFT")
    await expect(card).to_contain_text("limit price")
    assert await card.get_by_role("button").count() == 0

    # A running answer stopped with Stop; an errored one shows its message.
    await page.get_by_label("Message").fill("!omni:hang")
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_text("Still working.").last).to_be_visible()
    await page.get_by_role("button", name="Stop").click()
    await expect(page.locator(".outcome.canceled").last).to_have_text("Canceled")
    await page.get_by_label("Message").fill("!omni:fail=boom")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator(".outcome.errored").last).to_contain_text("Error: ")

    # The thread list, and its history after a reload (the key stays in localStorage).
    await page.reload()
    await expect(page.get_by_label("API key")).to_have_value(live.key)
    await page.locator("#threads button").first.click()
    await expect(page.locator("#history > li")).to_have_count(8)
    await expect(page.locator(".outcome.canceled")).to_have_count(1)

    # Deep insights for a ticker.
    await page.get_by_label("Ticker").fill("nvda")
    await page.get_by_role("button", name="Deep insights").click()
    await expect(page.get_by_text("Deep insights: NVDA").last).to_be_visible()
    await expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=30000)
    await page.locator("#threads button", has_text="How is AAPL").click()
    await expect(page.locator("svg.chart").first).to_be_visible()
    await page.screenshot(path=str(SCREENSHOT))
    browser.check_clean()


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_api_docs_load_from_the_package(browser: Browser, live: Live, path: str) -> None:
    page = browser.page
    await page.goto(f"{live.url}{path}")
    await playwright_api.expect(page.locator("body")).to_contain_text(
        "Poll a response", timeout=30000
    )
    assert any("/static/vendor/" in u for u in browser.requests)
    browser.check_clean()
