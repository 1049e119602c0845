"""Discord's OAuth2 code grant in the emulator: each check Discord makes, shown refusing.

No bot process: an aiohttp client plays the web app (and the browser, following no redirects, so
each ``Location`` can be read), which keeps these tests quick.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from tests.emulator import Emulator, EmulatorError, Guild, Member
from tests.emulator.oauth import pkce_challenge
from tests.emulator.validation import oauth2_scopes, response_problems

REDIRECT = "http://127.0.0.1:8080/auth/callback"


@dataclass
class App:
    """The web app's side: its credentials, one login in progress, and an HTTP client."""

    discord: Emulator
    http: aiohttp.ClientSession
    group: Guild
    other: Guild
    alice: Member
    verifier: str
    state: str

    def authorize_url(self, **overrides: str | None) -> str:
        query: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.discord.oauth_client_id,
            "scope": "identify guilds",
            "state": self.state,
            "redirect_uri": REDIRECT,
            "code_challenge": pkce_challenge(self.verifier),
            "code_challenge_method": "S256",
            "prompt": "consent",
        }
        query.update(overrides)
        kept = {k: v for k, v in query.items() if v is not None}
        return f"{self.discord.authorize_url}?{urlencode(kept)}"

    def code(self, redirect: str) -> str:
        query = parse_qs(urlsplit(redirect).query)
        assert query["state"] == [self.state]
        return query["code"][0]

    async def token(self, code: str | None, *, basic: bool = True, **overrides: str | None) -> Any:
        form: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": self.verifier,
        }
        headers = {}
        if basic:
            pair = f"{self.discord.oauth_client_id}:{self.discord.oauth_client_secret}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        form.update(overrides)
        data = {k: v for k, v in form.items() if v is not None}
        url = f"{self.discord.api_base}/oauth2/token"
        async with self.http.post(url, data=data, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def get(self, path: str, authorization: str | None) -> tuple[int, Any]:
        headers = {"Authorization": authorization} if authorization else {}
        async with self.http.get(f"{self.discord.api_base}{path}", headers=headers) as response:
            return response.status, await response.json(content_type=None)


@pytest.fixture
async def app() -> AsyncIterator[App]:
    async with Emulator(bot_name="Manifesto Bot") as discord:
        group = discord.create_guild("Reading Group")
        alice = group.add_member("alice")
        group.add_member("bob")
        other = discord.create_guild("Other Server")
        other.add_member("carol")
        discord.register_redirect_uri(REDIRECT)
        async with aiohttp.ClientSession() as http:
            yield App(
                discord,
                http,
                group,
                other,
                alice,
                secrets.token_urlsafe(48),
                secrets.token_urlsafe(16),
            )


async def test_the_consent_page_lists_every_person_and_authorize_redirects_with_a_code(
    app: App,
) -> None:
    async with app.http.get(app.authorize_url()) as page:
        assert page.status == 200
        text = await page.text()
    for name in ("Alice", "Bob", "Carol"):
        assert f"Authorize as {name}" in text
    assert "Manifesto Bot" not in text.split("wants")[1]  # the bot itself cannot consent
    assert ">Cancel<" in text

    form = {**parse_qs(urlsplit(app.authorize_url()).query), "user_id": str(app.alice.id)}
    flat = {k: v[0] if isinstance(v, list) else v for k, v in form.items()}
    decision = f"{app.discord.base_url}/oauth2/authorize"
    async with app.http.post(decision, data=flat, allow_redirects=False) as answer:
        assert answer.status == 302
        location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    code = app.code(location)

    status, body = await app.token(code)
    assert status == 200, body
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer" and body["scope"] == "identify guilds"
    assert body["expires_in"] == 604800


async def test_cancel_redirects_with_access_denied_and_the_state(app: App) -> None:
    flat = {k: v[0] for k, v in parse_qs(urlsplit(app.authorize_url()).query).items()}
    decision = f"{app.discord.base_url}/oauth2/authorize"
    async with app.http.post(
        decision, data={**flat, "action": "cancel"}, allow_redirects=False
    ) as answer:
        assert answer.status == 302
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["error_description"]
    assert query["state"] == [app.state] and "code" not in query
    assert parse_qs(urlsplit(app.discord.oauth.deny(app.authorize_url())).query)["error"] == [
        "access_denied"
    ]


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"client_id": "1234"}, "Unknown application"),
        ({"client_id": None}, "Missing client_id"),
        ({"redirect_uri": "http://127.0.0.1:9999/steal"}, "redirect_uri"),
        ({"scope": "identify guilds sudo"}, "Invalid scope: sudo"),
        ({"scope": ""}, "Invalid scope"),
        ({"response_type": "token"}, "response_type"),
        ({"code_challenge_method": "plain"}, "code_challenge_method"),
        ({"code_challenge": "short"}, "code_challenge"),
        ({"prompt": "always"}, "prompt"),
    ],
)
async def test_a_bad_authorize_request_gets_an_error_page_and_no_redirect(
    app: App, override: dict[str, str | None], complaint: str
) -> None:
    async with app.http.get(app.authorize_url(**override), allow_redirects=False) as page:
        assert page.status == 400
        assert "Location" not in page.headers
        text = await page.text()
    assert complaint in text and "Authorize as" not in text
    assert app.discord.oauth.grants == {}


async def test_the_token_endpoint_refuses_what_discord_refuses(app: App) -> None:
    redirect = app.discord.oauth.approve(app.alice, app.authorize_url())
    code = app.code(redirect)

    assert await app.token(code, basic=False) == (
        401,
        {"error": "invalid_client", "error_description": "No client credentials."},
    )
    status, body = await app.token(
        code, basic=False, client_id=app.discord.oauth_client_id, client_secret="wrong"
    )
    assert (status, body["error"]) == (401, "invalid_client")
    status, body = await app.token(code, code_verifier=secrets.token_urlsafe(48))
    assert (status, body["error"]) == (400, "invalid_grant") and "code_verifier" in str(body)
    status, body = await app.token(code, code_verifier=None)
    assert (status, body["error"]) == (400, "invalid_request")
    status, body = await app.token(code, redirect_uri="http://127.0.0.1:8080/elsewhere")
    assert (status, body["error"]) == (400, "invalid_grant") and "redirect_uri" in str(body)
    status, body = await app.token(code, grant_type="password")
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    status, body = await app.token("not-a-code")
    assert (status, body["error"]) == (400, "invalid_grant")
    async with app.http.post(
        f"{app.discord.api_base}/oauth2/token", json={"grant_type": "authorization_code"}
    ) as response:
        assert response.status == 400
        assert (await response.json())["error"] == "invalid_request"

    # None of those refusals used the code up; the right request (form credentials) works once.
    status, body = await app.token(
        code,
        basic=False,
        client_id=app.discord.oauth_client_id,
        client_secret=app.discord.oauth_client_secret,
    )
    assert status == 200, body
    first = body["access_token"]
    assert (await app.get("/users/@me", f"Bearer {first}"))[0] == 200

    status, body = await app.token(code)
    assert (status, body) == (
        400,
        {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'},
    )
    # A replayed code revokes what it gave (RFC 6749 4.1.2): whoever replays it gets nothing.
    assert (await app.get("/users/@me", f"Bearer {first}"))[0] == 401


async def test_a_code_expires_after_ten_minutes(app: App) -> None:
    code = app.code(app.discord.oauth.approve("alice", app.authorize_url()))
    app.discord.advance_time(minutes=11)
    status, body = await app.token(code)
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_without_pkce_no_verifier_is_asked_for(app: App) -> None:
    url = app.authorize_url(code_challenge=None, code_challenge_method=None)
    code = app.code(app.discord.oauth.approve(app.alice, url))
    status, body = await app.token(code, code_verifier=None)
    assert status == 200, body


async def test_bearer_tokens_read_the_person_and_their_servers_as_the_spec_says(
    app: App,
) -> None:
    code = app.code(app.discord.oauth.approve(app.alice, app.authorize_url()))
    _, body = await app.token(code)
    bearer = f"Bearer {body['access_token']}"

    status, me = await app.get("/users/@me", bearer)
    assert status == 200
    assert (me["id"], me["username"]) == (str(app.alice.id), "alice")
    assert "email" not in me  # identify without email
    assert response_problems("GET", "/users/@me", me) == []

    status, guilds = await app.get("/users/@me/guilds", bearer)
    assert status == 200
    assert [g["name"] for g in guilds] == ["Reading Group"]  # not the server alice is not in
    assert guilds[0]["owner"] is False
    assert isinstance(guilds[0]["permissions"], str) and int(guilds[0]["permissions"]) > 0
    assert response_problems("GET", "/users/@me/guilds", guilds) == []
    _, counted = await app.get("/users/@me/guilds?with_counts=true", bearer)
    assert counted[0]["approximate_member_count"] == len(app.group.members)
    assert response_problems("GET", "/users/@me/guilds", counted) == []
    status, refused = await app.get("/users/@me/guilds?limit=500", bearer)
    assert status == 400 and refused["code"] == 50035

    # Recorded like every call, with the scheme but not the secret or the token.
    calls = app.discord.calls("GET /users/@me/guilds")
    assert calls[0].auth == "Bearer" and calls[0].ok
    exchange = app.discord.last_call("POST /oauth2/token")
    assert exchange.json["code_verifier"] == app.verifier
    assert app.discord.oauth_client_secret not in repr(app.discord.requests)


async def test_bearer_checks(app: App) -> None:
    assert (await app.get("/users/@me", "Bearer nonsense"))[0] == 401
    assert (await app.get("/users/@me", None))[0] == 401

    only_identify = app.authorize_url(scope="identify")
    code = app.code(app.discord.oauth.approve(app.alice, only_identify))
    _, body = await app.token(code)
    bearer = f"Bearer {body['access_token']}"
    assert (await app.get("/users/@me", bearer))[0] == 200
    assert (await app.get("/users/@me/guilds", bearer))[0] == 401  # no guilds scope
    channel = app.group.channel("general")
    assert (await app.get(f"/channels/{channel.id}", bearer))[0] == 401  # bot routes: bot only

    app.discord.advance_time(days=8)
    assert (await app.get("/users/@me", bearer))[0] == 401  # expired (expires_in: a week)


async def test_the_bot_token_still_reads_the_bot(app: App) -> None:
    bot = f"Bot {app.discord.token}"
    status, me = await app.get("/users/@me", bot)
    assert (status, me["id"], me.get("bot")) == (200, str(app.discord.bot_user.id), True)
    status, guilds = await app.get("/users/@me/guilds", bot)
    assert [g["name"] for g in guilds] == ["Reading Group", "Other Server"]


async def test_refresh_gives_a_new_pair_once_and_revoke_ends_a_token(app: App) -> None:
    code = app.code(app.discord.oauth.approve(app.alice, app.authorize_url()))
    _, first = await app.token(code)
    status, second = await app.token(
        None, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert status == 200 and second["access_token"] != first["access_token"]
    assert (await app.get("/users/@me", f"Bearer {first['access_token']}"))[0] == 401
    status, again = await app.token(
        None, grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert (status, again["error"]) == (400, "invalid_grant")

    pair = f"{app.discord.oauth_client_id}:{app.discord.oauth_client_secret}"
    async with app.http.post(
        f"{app.discord.api_base}/oauth2/token/revoke",
        data={"token": second["access_token"]},
        headers={"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()},
    ) as response:
        assert response.status == 200
    assert (await app.get("/users/@me", f"Bearer {second['access_token']}"))[0] == 401


async def test_faults_reach_the_token_endpoint_and_leave_the_code_usable(app: App) -> None:
    code = app.code(app.discord.oauth.approve(app.alice, app.authorize_url()))
    app.discord.faults.server_error("POST /oauth2/token", 502)
    status, body = await app.token(code)
    assert (status, body) == (502, {"message": "502: Bad Gateway", "code": 0})
    assert app.discord.last_call("POST /oauth2/token").fault is not None
    status, body = await app.token(code)  # Discord never handled the first try
    assert status == 200, body


async def test_approve_defaults_to_the_consent_page_last_served(app: App) -> None:
    with pytest.raises(EmulatorError, match="no consent page"):
        app.discord.oauth.approve(app.alice)
    async with app.http.get(app.authorize_url()) as page:  # as a client following /login
        assert page.status == 200
    status, body = await app.token(app.code(app.discord.oauth.approve(app.alice)))
    assert status == 200, body


def test_scopes_come_from_discords_spec() -> None:
    assert {"identify", "guilds", "email", "guilds.members.read"} <= oauth2_scopes()
    assert "sudo" not in oauth2_scopes()
