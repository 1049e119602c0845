"""Browser fixtures: one headless Chromium per test session, a fresh context (cookies, storage)
per test, and the real bot process serving the web app against the Discord emulator.

Every test here runs on the session's event loop, since Playwright's objects belong to the loop
that made them and the browser is shared. ``web`` is one bot and emulator per test module (the
bot takes seconds to start): tests of a module share its people and database, so each test
signs in its own fresh browser context and leaves state the next test does not depend on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.browser.harness import DESKTOP, launch
from tests.browser.webworld import WebWorld, start_web_world

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in Path(str(item.path)).parents and pytest_asyncio.is_async_test(item):
            item.add_marker(session_loop, append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="session")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile for one test: no cookies, nothing cached, desktop-sized, English."""
    fresh = await browser.new_context(viewport=DESKTOP, locale="en-GB")
    fresh.set_default_timeout(10_000)
    try:
        yield fresh
    finally:
        await fresh.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def web(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WebWorld]:
    """The bot with its web app on, against an emulator with two servers (see webworld)."""
    async with start_web_world(tmp_path_factory.mktemp("web")) as world:
        yield world
