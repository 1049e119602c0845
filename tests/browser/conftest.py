"""Browser fixtures: one headless Chromium per test session, a fresh context (cookies, storage)
per test, and the real bot process serving the web app against the Discord emulator.

Every test here runs on the session's event loop, since Playwright's objects belong to the loop
that made them and the browser is shared. ``web`` is one bot and emulator for the session (the
bot takes seconds to start), kept live on a thread of its own (see webworld), so browser tests
share pytest-xdist's workers with every other test. The tests share its people and database, so
each test signs in its own fresh browser context, and a test that changes a member's data uses a
member of its own, so no test depends on another's order.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from bot.storage.database import DIALECTS
from tests.browser.harness import DESKTOP, launch
from tests.browser.webworld import WebWorld, site_beside, start_web_world
from tests.postgres import PostgresServer

HERE = Path(__file__).resolve().parent
_visitors = itertools.count(1)


def visitor_address() -> str:
    """A fresh address from 198.51.100.0/24 (TEST-NET-2) for one browser context."""
    n = next(_visitors)
    return f"198.51.{100 + n // 250}.{n % 250 + 1}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is marked ``browser`` (``-m "not browser"`` leaves Chromium out) and runs
    on the session's event loop, which may stand still between them while the worker runs
    other files' tests: nothing that must keep answering the bot lives on it."""
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if pytest_asyncio.is_async_test(item):
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
    """A fresh profile for one test: no cookies, nothing cached, desktop-sized, English.

    Each context is its own visitor to the web app: the site limits sign-ins per address and
    trusts ``X-Forwarded-For`` from a proxy on its own machine, so each test comes "through the
    proxy" from an address of its own (a documentation address; only a header, no traffic).
    """
    fresh = await browser.new_context(
        viewport=DESKTOP,
        locale="en-GB",
        extra_http_headers={"X-Forwarded-For": visitor_address()},
    )
    fresh.set_default_timeout(10_000)
    try:
        yield fresh
    finally:
        await fresh.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def web(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[WebWorld]:
    """The bot with its web app on, against an emulator with two servers (see webworld).

    One per test session (per pytest-xdist worker): the bot takes seconds to start, and
    ``--dist worksteal`` may hand a module's tests to several workers, so a world per module
    could start a bot per module per worker."""
    async with start_web_world(tmp_path_factory.mktemp("web")) as world:
        yield world


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=DIALECTS)
async def web_alone(
    request: pytest.FixtureRequest, web: WebWorld, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[WebWorld]:
    """The web app as a process of its own (``python -m bot web``) beside the bot process, on
    the same database: SQLite beside ``web``'s bot (one more process, not another world), and
    PostgreSQL in a world of its own whose bot serves no web app at all. Its ``base_url`` is
    the separate process's; what the bot does is seen through the same emulator as ever."""
    if request.param == "sqlite":
        async with site_beside(web) as world:
            yield world
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = await server.create_database()
    try:
        async with start_web_world(
            tmp_path_factory.mktemp("web-alone"), database_url=url, web_in_bot=False
        ) as world:
            yield world
    finally:
        await server.drop_database(url)
