"""The browser harness tested on a tiny site of its own, so its checks are known to fail.

The site is a few aiohttp pages under the web app's own Content-Security-Policy (no inline
script), one of them a minimal "Sign in with Discord" client of the emulator's OAuth2, which
also shows the emulator's consent page working in a real browser.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Page

from tests.browser.harness import (
    PHONE,
    SCREENSHOTS,
    assert_accessible,
    audit,
    horizontal_overflow,
    screenshot,
)
from tests.emulator import Emulator

CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://127.0.0.1:*"
GOOD: Final = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Good page</title>
</head><body><header><a href="#main">Skip to content</a></header><main id="main">
<h1>A readable page</h1><p>Every paragraph fits a phone.</p>
<script>window.inlineRan = true;</script></main></body></html>"""
BAD: Final = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bad page</title>
</head><body><main><h1>Broken</h1><img src="/x.png"><button></button>
<p style="color:#ddd;background:#fff">pale text</p></main></body></html>"""
WIDE: Final = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Wide page</title>
</head><body><main><h1>Wide</h1><pre>{line}</pre></main></body></html>"""
PAGES: Final = {"good": GOOD, "bad": BAD, "wide": WIDE.format(line="x" * 400)}


@dataclass
class Site:
    url: str
    discord: Emulator


def _page(body: str, status: int = 200) -> web.Response:
    response = web.Response(text=body, status=status, content_type="text/html")
    response.headers["Content-Security-Policy"] = CSP
    return response


@pytest_asyncio.fixture(loop_scope="session")
async def site() -> AsyncIterator[Site]:
    async with Emulator() as discord:
        verifiers: dict[str, str] = {}
        base: list[str] = []

        async def login(request: web.Request) -> web.Response:
            state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
            verifiers[state] = verifier
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            query = {
                "response_type": "code",
                "client_id": discord.oauth_client_id,
                "scope": "identify guilds",
                "redirect_uri": f"{base[0]}/auth/callback",
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
            raise web.HTTPFound(f"{discord.authorize_url}?{urlencode(query)}")

        async def callback(request: web.Request) -> web.Response:
            if "error" in request.query:
                return _page(f"<h1>Not signed in</h1><p>{request.query['error']}</p>", 403)
            verifier = verifiers.pop(request.query.get("state", ""), None)
            if verifier is None:
                return _page("<h1>Unknown state</h1>", 400)
            form = {
                "grant_type": "authorization_code",
                "code": request.query["code"],
                "redirect_uri": f"{base[0]}/auth/callback",
                "code_verifier": verifier,
                "client_id": discord.oauth_client_id,
                "client_secret": discord.oauth_client_secret,
            }
            async with aiohttp.ClientSession() as http:
                async with http.post(f"{discord.api_base}/oauth2/token", data=form) as answer:
                    token = (await answer.json())["access_token"]
                headers = {"Authorization": f"Bearer {token}"}
                async with http.get(f"{discord.api_base}/users/@me", headers=headers) as answer:
                    me = await answer.json()
            return _page(f"<h1>Signed in as {me['username']}</h1>")

        async def fixed(request: web.Request) -> web.Response:
            return _page(PAGES[request.match_info["name"]])

        app = web.Application()
        app.router.add_get("/{name:good|bad|wide}", fixed)
        app.router.add_get("/login", login)
        app.router.add_get("/auth/callback", callback)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        await tcp.start()
        base.append(f"http://127.0.0.1:{runner.addresses[0][1]}")
        discord.register_redirect_uri(f"{base[0]}/auth/callback")
        guild = discord.create_guild("Reading Group", with_bot=True)
        guild.add_member("alice")
        try:
            yield Site(base[0], discord)
        finally:
            await runner.cleanup()


async def test_a_good_page_passes_the_audit_and_is_kept_at_both_widths(
    site: Site, page: Page
) -> None:
    await page.goto(f"{site.url}/good")
    await audit(page, "harness-good")
    for label in ("desktop", "375"):
        png = SCREENSHOTS / f"harness-good-{label}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # axe was injected without switching the page's CSP off: the inline script stayed blocked.
    assert await page.evaluate("() => window.inlineRan") is None
    assert await page.evaluate("() => typeof window.axe") == "object"


async def test_serious_violations_fail_with_a_readable_list(site: Site, page: Page) -> None:
    await page.goto(f"{site.url}/bad")
    with pytest.raises(AssertionError) as failure:
        await assert_accessible(page)
    report = str(failure.value)
    assert "image-alt" in report and "button-name" in report and "color-contrast" in report
    assert "[critical]" in report and "at img" in report


async def test_sideways_scroll_on_a_phone_is_measured(site: Site, page: Page) -> None:
    await page.set_viewport_size(PHONE)
    await page.goto(f"{site.url}/good")
    assert await horizontal_overflow(page) == 0
    await page.goto(f"{site.url}/wide")
    assert await horizontal_overflow(page) > 1000
    with pytest.raises(AssertionError, match="scrolls sideways"):
        await audit(page, "harness-wide")


async def test_sign_in_through_the_emulators_consent_page(site: Site, page: Page) -> None:
    await page.goto(f"{site.url}/login")
    assert page.url.startswith(site.discord.authorize_url)
    await screenshot(page, "emulator-consent")
    await assert_accessible(page)
    await page.get_by_role("button", name="Authorize as Alice").click()
    await page.wait_for_url(f"{site.url}/auth/callback?**")
    assert await page.locator("h1").inner_text() == "Signed in as alice"
    assert site.discord.last_call("POST /oauth2/token").ok


async def test_cancel_on_the_consent_page_comes_back_denied(site: Site, page: Page) -> None:
    await page.goto(f"{site.url}/login")
    await page.get_by_role("button", name="Cancel").click()
    await page.wait_for_url(f"{site.url}/auth/callback?**")
    assert "access_denied" in await page.locator("p").inner_text()
    assert site.discord.calls("POST /oauth2/token") == []
