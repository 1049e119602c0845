"""Signing in with Discord in a real browser, and who may see what once signed in.

The bot and emulator are the session's (see conftest); each test has a fresh browser context. The
session's teardown checks the bot's log holds no traceback, whatever the tests sent it.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

from cryptography.fernet import Fernet
from playwright.async_api import BrowserContext, Page

from tests.browser.harness import audit, screenshot
from tests.browser.webworld import SESSION_COOKIE as COOKIE
from tests.browser.webworld import SESSION_SECONDS, WebWorld
from web.context import LOGINS_PER_MINUTE


async def test_sign_in_lands_on_your_servers_with_pkce_and_safe_cookies(
    web: WebWorld, context: BrowserContext, page: Page
) -> None:
    await web.consent_page(page)
    await screenshot(page, "discord-consent")
    authorize = parse_qs(urlsplit(page.url).query)
    assert authorize["scope"] == ["identify guilds"]
    assert authorize["code_challenge_method"] == ["S256"] and authorize["code_challenge"]
    assert len(authorize["state"][0]) >= 16
    assert authorize["redirect_uri"] == [web.url("/auth/callback")]

    await page.get_by_role("button", name="Authorize as Alice", exact=True).click()
    await page.wait_for_url(web.url("/me"))
    assert await page.locator("h1").inner_text() == "Your reading"
    servers = await page.locator("#main ul.servers a").all_inner_texts()
    assert servers == ["Reading Group"]  # not "Other Server", which alice is not in
    assert "Other Server" not in await page.content()
    exchange = web.discord.last_call("POST /oauth2/token")
    assert exchange.ok and exchange.json["code_verifier"]

    cookie = next(c for c in await context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert not cookie["secure"]  # a plain-http base URL; Secure would lose the cookie
    assert web.discord.oauth_client_secret not in cookie["value"]

    # The access token served once to learn who this is, then was dropped: not in the cookie,
    # not in the database, and used for nothing but /users/@me and /users/@me/guilds.
    secrets = [
        value
        for token in web.discord.oauth.tokens.values()
        for value in (token.access_token, token.refresh_token)
    ]
    assert secrets
    held = json.dumps(await web.read_session_cookie(cookie["value"]))
    assert str(web.alice.id) in held
    assert not [value for value in secrets if value in held]
    for stored in web.world.database.parent.glob("bot.db*"):
        data = stored.read_bytes()
        assert not [value for value in secrets if value.encode() in data], stored
    bearer = {r.route for r in web.discord.requests if r.auth == "Bearer"}
    assert bearer == {"GET /users/@me", "GET /users/@me/guilds"}
    await audit(page, "me")

    await page.get_by_role("link", name="Reading Group").click()
    await page.wait_for_url(web.url(f"/me/{web.guild.id}"))
    assert await page.locator("h1").inner_text() == "Reading Group"
    await audit(page, "me-server")

    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(web.url("/"))
    response = await page.goto(web.url("/me"))
    assert response is not None and response.status == 401
    assert "Reading Group" not in await page.locator("#main").inner_text()
    await audit(page, "sign-in")


async def test_every_page_carries_the_security_headers(web: WebWorld, page: Page) -> None:
    for path in ("/", "/texts/anti-ai", "/search?q=workers", "/me", "/no-such-page"):
        response = await page.goto(web.url(path))
        assert response is not None
        headers = await response.all_headers()
        csp = dict(
            (d.split()[0], d.split()[1:])
            for d in headers["content-security-policy"].split(";")
            if d.strip()
        )
        assert csp["frame-ancestors"] == ["'none'"], path
        scripts = csp.get("script-src", csp["default-src"])
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers.get("referrer-policy"), path
        # Nothing on the page relies on what that policy blocks: no inline script or handler.
        inline = await page.evaluate(
            """() => [...document.querySelectorAll("*")]
                .filter((e) => (e.tagName === "SCRIPT" && !e.hasAttribute("src"))
                    || [...e.attributes].some((a) => a.name.startsWith("on")))
                .map((e) => e.outerHTML.slice(0, 80))"""
        )
        assert inline == [], path


async def test_cancelling_on_discord_says_so_and_signs_nobody_in(web: WebWorld, page: Page) -> None:
    await web.consent_page(page)
    exchanges = len(web.discord.calls("POST /oauth2/token"))
    await page.get_by_role("button", name="Cancel").click()
    await page.wait_for_url(lambda url: web.on_site(url))
    assert await page.locator("h1").inner_text() == "Sign-in cancelled"
    assert "not signed in" in await page.locator("#main").inner_text()
    await audit(page, "sign-in-cancelled")
    assert len(web.discord.calls("POST /oauth2/token")) == exchanges
    response = await page.goto(web.url("/me"))
    assert response is not None and response.status == 401


async def test_next_only_leads_inside_the_site(web: WebWorld, page: Page) -> None:
    await web.sign_in(page, web.alice, next_path=f"/me/{web.guild.id}")
    assert web.path_of(page.url) == f"/me/{web.guild.id}"
    for outside in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        await page.context.clear_cookies()
        await web.sign_in(page, web.alice, next_path=outside)
        assert web.path_of(page.url) == "/me", outside


async def test_a_replayed_callback_state_or_code_gets_a_clear_page_and_changes_nothing(
    web: WebWorld, context: BrowserContext, page: Page
) -> None:
    callbacks: list[str] = []
    page.on(
        "request",
        lambda request: (
            callbacks.append(request.url)
            if web.on_site(request.url) and urlsplit(request.url).path == "/auth/callback"
            else None
        ),
    )
    await web.sign_in(page, web.alice)
    assert len(callbacks) == 1
    used = callbacks[0]

    # The same browser goes back to the callback: its state was used up.
    response = await page.goto(used)
    assert response is not None and response.status == 400
    assert await page.locator("h1").inner_text() == "Sign-in not recognised"
    await audit(page, "sign-in-replayed")
    assert "Traceback" not in await page.content()
    response = await page.goto(web.url("/me"))  # still signed in: nothing was changed
    assert response is not None and response.status == 200

    browser = context.browser
    assert browser is not None
    other = await browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.7"})
    try:
        thief = await other.new_page()
        # Someone else replays the whole URL (code and state): no sign-in of theirs is under way.
        exchanges = len(web.discord.calls("POST /oauth2/token"))
        response = await thief.goto(used)
        assert response is not None and response.status == 400
        assert len(web.discord.calls("POST /oauth2/token")) == exchanges
        # With a state of their own, the used code reaches Discord, which refuses it.
        await web.consent_page(thief)
        state = parse_qs(urlsplit(thief.url).query)["state"][0]
        code = parse_qs(urlsplit(used).query)["code"][0]
        response = await thief.goto(web.url(f"/auth/callback?code={code}&state={state}"))
        assert response is not None and response.status == 400
        assert await thief.locator("h1").inner_text() == "Sign-in failed"
        refused = web.discord.last_call("POST /oauth2/token")
        assert refused.status == 400 and refused.response["error"] == "invalid_grant"
        response = await thief.goto(web.url("/me"))
        assert response is not None and response.status == 401
    finally:
        await other.close()


async def test_forged_or_expired_session_cookies_mean_signing_in_again(
    web: WebWorld, context: BrowserContext, page: Page
) -> None:
    now = time.time()
    expired = await web.session_cookie(web.alice, [web.guild.id], at=now - SESSION_SECONDS - 60)
    cases = {
        "garbage": "not-a-session",
        "another key": Fernet(Fernet.generate_key()).encrypt(b'{"session": {"uid": 1}}').decode(),
        "expired": expired,
    }
    for label, value in cases.items():
        await web.set_session_cookie(context, value)
        response = await page.goto(web.url(f"/me/{web.guild.id}"))
        assert response is not None and response.status == 401, label
        text = await page.locator("#main").inner_text()
        assert "expired or could not be read" in text, label
        assert "Streak" not in text, label
    await audit(page, "session-lost")

    # The same forgery dated now is accepted: the expired case failed on its age alone.
    fresh = await web.session_cookie(web.alice, [web.guild.id], at=now)
    await web.set_session_cookie(context, fresh)
    response = await page.goto(web.url("/me"))
    assert response is not None and response.status == 200


async def test_sign_ins_are_limited_per_address(web: WebWorld, context: BrowserContext) -> None:
    statuses = []
    for _ in range(LOGINS_PER_MINUTE + 2):
        response = await context.request.get(web.url("/login"), max_redirects=0)
        statuses.append(response.status)
    assert statuses[:LOGINS_PER_MINUTE] == [302] * LOGINS_PER_MINUTE
    assert statuses[LOGINS_PER_MINUTE:] == [429, 429]
    assert "Too many sign-ins" in await response.text()
    assert response.headers.get("retry-after")


async def test_discord_failing_during_sign_in_gets_a_clear_page_then_works_again(
    web: WebWorld, page: Page
) -> None:
    for route, status in (("POST /oauth2/token", 502), ("GET /users/@me/guilds", 500)):
        web.discord.faults.server_error(route, status)
        await web.consent_page(page)
        await page.get_by_role("button", name="Authorize as Alice", exact=True).click()
        await page.wait_for_url(lambda url: web.on_site(url))
        assert web.discord.last_call(route).fault is not None, route
        main = await page.locator("#main").inner_text()
        assert await page.locator("h1").count() == 1 and "Traceback" not in main, route
        assert await page.get_by_role("link", name="Sign in with Discord").count() >= 1, route
        await audit(page, f"sign-in-discord-{status}")
        response = await page.goto(web.url("/me"))
        assert response is not None and response.status == 401, route  # not signed in
    await web.sign_in(page, web.alice)
    assert web.path_of(page.url) == "/me"
