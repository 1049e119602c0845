"""Signing in with Discord: state, PKCE, replays, cancellation, next=, cookies, rate limit."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.oauth import s256_challenge
from tests.web.conftest import ALICE, CLIENT_ID, FakeDiscord, csrf_of, sign_in
from web import WebContext
from web.auth import safe_next

Client = TestClient[web.Request, web.Application]


def test_s256_challenge_is_rfc7636s() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    digest = hashlib.sha256(verifier.encode()).digest()
    assert s256_challenge(verifier) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_login_redirects_to_authorize_with_state_and_pkce(client: Client) -> None:
    response = await client.get("/login", allow_redirects=False)
    assert response.status == 302
    url = urlsplit(response.headers["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "http://discord.invalid/oauth2/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["scope"] == "identify guilds"
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 40 and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == "http://127.0.0.1:8080/auth/callback"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # the base URL is http


async def test_whole_sign_in_lands_on_next(client: Client, discord: FakeDiscord) -> None:
    assert await sign_in(client, discord, ALICE, next_page="/me/111") == "/me/111"
    html = await (await client.get("/me")).text()
    assert "Reading Group" in html
    assert "Guild 999" not in html  # a server the bot is not in is not listed
    assert discord.tokens  # a token was issued, and is nowhere in the cookie:
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    for token in discord.tokens:
        assert token not in str(cookie)


async def test_replayed_callback_is_refused(client: Client, discord: FakeDiscord) -> None:
    started = await client.get("/login", allow_redirects=False)
    query = discord.authorize(started.headers["Location"], ALICE)
    first = await client.get(f"/auth/callback?{query}", allow_redirects=False)
    assert first.status == 302
    again = await client.get(f"/auth/callback?{query}", allow_redirects=False)
    assert again.status == 400
    assert "already used" in await again.text()


async def test_replayed_code_with_the_old_cookie_is_refused(
    client: Client, discord: FakeDiscord
) -> None:
    started = await client.get("/login", allow_redirects=False)
    old_cookies = {c.key: c.value for c in client.session.cookie_jar}
    query = discord.authorize(started.headers["Location"], ALICE)
    assert (await client.get(f"/auth/callback?{query}", allow_redirects=False)).status == 302
    await client.post("/logout", data={"csrf_token": await csrf_of(client)})
    client.session.cookie_jar.update_cookies(old_cookies)
    replay = await client.get(f"/auth/callback?{query}", allow_redirects=False)
    assert replay.status == 400
    assert "Traceback" not in await replay.text()
    assert (await client.get("/me")).status == 401


async def test_forged_state_is_refused(client: Client, discord: FakeDiscord) -> None:
    started = await client.get("/login", allow_redirects=False)
    query = discord.authorize(started.headers["Location"], ALICE)
    forged = query.split("&state=")[0] + "&state=forged"
    response = await client.get(f"/auth/callback?{forged}", allow_redirects=False)
    assert response.status == 400
    assert discord.exchanges == 0


async def test_callback_without_a_started_login_is_refused(client: Client) -> None:
    response = await client.get("/auth/callback?code=abc&state=xyz")
    assert response.status == 400
    assert "Sign in" in await response.text()


async def test_denied_consent_says_you_cancelled(client: Client, discord: FakeDiscord) -> None:
    started = await client.get("/login", allow_redirects=False)
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    response = await client.get(f"/auth/callback?error=access_denied&state={state}")
    assert response.status == 200
    assert "You cancelled" in await response.text()
    assert discord.exchanges == 0
    assert (await client.get("/me")).status == 401


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil",
        "javascript:x",
        "/ok\r\nSet-Cookie: x",
        "",
        "me",
    ],
)
def test_next_stays_inside_the_site(target: str) -> None:
    assert safe_next(target) == "/me"


def test_next_keeps_site_pages() -> None:
    assert safe_next("/me/111?x=1") == "/me/111?x=1"


async def test_open_redirect_refused_end_to_end(client: Client, discord: FakeDiscord) -> None:
    assert await sign_in(client, discord, ALICE, next_page="https://evil.example/") == "/me"


async def test_logins_are_rate_limited_per_address(client: Client) -> None:
    statuses = [(await client.get("/login", allow_redirects=False)).status for _ in range(12)]
    assert statuses[:10] == [302] * 10
    assert statuses[10:] == [429, 429]
    refused = await client.get("/login", allow_redirects=False)
    assert "Too many sign-in attempts" in await refused.text()
    assert int(refused.headers["Retry-After"]) > 0


async def test_logout_needs_csrf_and_ends_the_session(client: Client, discord: FakeDiscord) -> None:
    await sign_in(client, discord, ALICE)
    refused = await client.post("/logout")
    assert refused.status == 403
    assert (await client.get("/me")).status == 200
    done = await client.post(
        "/logout", data={"csrf_token": await csrf_of(client)}, allow_redirects=False
    )
    assert done.status == 302
    assert (await client.get("/me")).status == 401


async def test_forged_cookie_is_a_clear_page(client: Client) -> None:
    client.session.cookie_jar.update_cookies({"manifesto_session": "gAAAAAforged"})
    response = await client.get("/me")
    html = await response.text()
    assert response.status == 401
    assert "expired or could not be read" in html


async def test_expired_cookie_is_a_clear_page(client: Client, context: WebContext) -> None:
    """A cookie a week and a day old is refused by the server, whatever the browser kept."""
    import json
    import time

    from cryptography.fernet import Fernet

    old = int(time.time()) - 8 * 24 * 3600
    session = {"uid": ALICE, "name": "alice", "guilds": [], "csrf": "x"}
    data = {"session": session, "created": old}
    stale = Fernet(context.session_key).encrypt_at_time(json.dumps(data).encode(), old)
    client.session.cookie_jar.update_cookies({"manifesto_session": stale.decode()})
    response = await client.get("/me")
    assert response.status == 401
    assert "expired or could not be read" in await response.text()
    data["created"] = int(time.time()) - 6 * 24 * 3600  # last saved six days ago: still valid
    fresh = Fernet(context.session_key).encrypt(json.dumps(data).encode())
    client.session.cookie_jar.update_cookies({"manifesto_session": fresh.decode()})
    assert (await client.get("/me")).status == 200  # the same cookie, in date, is accepted


async def test_https_base_url_makes_cookies_secure(client: Client) -> None:
    from tests.web.conftest import web_settings

    assert web_settings("x", base_url="https://read.example.org").secure_cookies
    assert not web_settings("x").secure_cookies
