"""The web app under aiohttp's test client, with a fake Discord for OAuth2 and membership.

``site`` is the app on a fresh SQLite database; ``discord`` is a small stand-in for Discord's
token endpoint and user API (checking the code, redirect URI, client secret and PKCE verifier
like Discord does) and ``members`` decides who is in which server, as the bot would.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import Secret, WebSettings
from bot.library import Library, load_library
from bot.membership import MemberAccess, Named, ServerLayout
from bot.search import SearchEngine
from bot.storage import Database
from bot.storage import meetings as meeting_store
from tests.conftest import REPO_ROOT
from web import WebContext, create_app

CLIENT_ID = "123456789012345678"
CLIENT_SECRET = "s3cret-client-secret"
GUILD_A, GUILD_B = 111, 222
ALICE, BOB = 1001, 1002
CAROL = 1003
"""A member of server A who moderates nothing (Alice manages A, Bob manages B)."""
CHANNEL_A, THREADS_A, CHANNEL_B = 5001, 5002, 6001
ROLE_A, ROLE_B = 7001, 8001


@dataclass
class FakeMembership:
    """Server ids to (name, member ids); ``calls`` counts the lookups reaching "Discord".

    ``managers`` are the (server, member) pairs with Manage Server, ``roles`` each member's
    role ids, ``layouts`` each server's channels and roles, as Discord would answer them.
    """

    guilds: dict[int, tuple[str, set[int]]] = field(default_factory=dict)
    calls: int = 0
    managers: set[tuple[int, int]] = field(default_factory=set)
    roles: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    layouts: dict[int, ServerLayout] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    """Display names of members, as Discord would give them (the same in every server here)."""

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        return {g: self.guilds[g][0] for g in guild_ids if g in self.guilds}

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        return await self.member_access(guild_id, user_id) is not None

    async def member_access(self, guild_id: int, user_id: int) -> MemberAccess | None:
        self.calls += 1
        entry = self.guilds.get(guild_id)
        if entry is None or user_id not in entry[1]:
            return None
        key = (guild_id, user_id)
        return MemberAccess(frozenset(self.roles.get(key, set())), key in self.managers)

    async def server_layout(self, guild_id: int) -> ServerLayout:
        return self.layouts.get(guild_id, ServerLayout((), ()))

    async def member_names(self, guild_id: int, user_ids: Collection[int]) -> dict[int, str]:
        members = self.guilds.get(guild_id, ("", set()))[1]
        return {u: self.names[u] for u in user_ids if u in self.names and u in members}


@dataclass
class FakeDiscord:
    """Codes handed out by the "authorize page", and what the token endpoint saw."""

    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    exchanges: int = 0
    base: str = ""

    def authorize(self, location: str, user_id: int) -> str:
        """What the consent page does: a code bound to the challenge; the redirect's query."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        code = secrets.token_urlsafe(16)
        self.codes[code] = (user_id, query["code_challenge"], query["redirect_uri"])
        return f"code={code}&state={query['state']}"

    async def token(self, request: web.Request) -> web.Response:
        self.exchanges += 1
        form = await request.post()
        auth = request.headers.get("Authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        entry = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            auth != f"Basic {expected}"
            or entry is None
            or entry[1] != challenge
            or entry[2] != form.get("redirect_uri")
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        token = secrets.token_urlsafe(16)
        self.tokens[token] = entry[0]
        return web.json_response({"access_token": token, "token_type": "Bearer"})

    def _user(self, request: web.Request) -> int:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            raise web.HTTPUnauthorized()
        return self.tokens[token]

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(self.users[self._user(request)]["user"])

    async def my_guilds(self, request: web.Request) -> web.Response:
        guilds = self.users[self._user(request)]["guilds"]
        return web.json_response([{"id": str(g), "name": f"Guild {g}"} for g in guilds])


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(REPO_ROOT / "seeds")


@pytest.fixture(scope="session")
def engine(library: Library) -> SearchEngine:
    return SearchEngine.build(library)


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "web.db")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(
        users={
            ALICE: {"user": {"id": str(ALICE), "username": "alice"}, "guilds": [GUILD_A, 999]},
            BOB: {"user": {"id": str(BOB), "username": "bob"}, "guilds": [GUILD_B]},
            CAROL: {"user": {"id": str(CAROL), "username": "carol"}, "guilds": [GUILD_A]},
        }
    )
    app = web.Application()
    app.router.add_post("/api/oauth2/token", fake.token)
    app.router.add_get("/api/users/@me", fake.me)
    app.router.add_get("/api/users/@me/guilds", fake.my_guilds)
    server = TestServer(app)
    await server.start_server()
    fake.base = str(server.make_url("/api"))
    try:
        yield fake
    finally:
        await server.close()


@pytest.fixture
def members() -> FakeMembership:
    return FakeMembership(
        {GUILD_A: ("Reading Group", {ALICE, CAROL}), GUILD_B: ("Other Group", {BOB})},
        managers={(GUILD_A, ALICE), (GUILD_B, BOB)},
        layouts={
            GUILD_A: ServerLayout(
                (Named(CHANNEL_A, "reading"), Named(THREADS_A, "discussion")),
                (Named(ROLE_A, "Readers"),),
            ),
            GUILD_B: ServerLayout((Named(CHANNEL_B, "general"),), (Named(ROLE_B, "Others"),)),
        },
    )


def web_settings(api_base: str, base_url: str = "http://127.0.0.1:8080") -> WebSettings:
    return WebSettings(
        base_url=base_url,
        host="127.0.0.1",
        port=0,
        client_id=CLIENT_ID,
        client_secret=Secret(CLIENT_SECRET),
        secret_key=None,
        authorize_url="http://discord.invalid/oauth2/authorize",
        api_base=api_base,
    )


@pytest.fixture
async def context(
    sqlite_db: Database,
    library: Library,
    engine: SearchEngine,
    discord: FakeDiscord,
    members: FakeMembership,
) -> WebContext:
    from cryptography.fernet import Fernet

    return WebContext(
        settings=web_settings(discord.base),
        db=sqlite_db,
        library=library,
        engine=engine,
        membership=members,
        session_key=Fernet.generate_key(),
    )


@pytest.fixture
async def client(context: WebContext) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(create_app(context))) as test_client:
        yield test_client


async def sign_in(
    client: TestClient[web.Request, web.Application],
    discord: FakeDiscord,
    user_id: int,
    next_page: str = "/me",
) -> str:
    """The whole sign-in as a browser does it; returns the page the callback redirected to."""
    started = await client.get("/login", params={"next": next_page}, allow_redirects=False)
    assert started.status == 302, await started.text()
    query = discord.authorize(started.headers["Location"], user_id)
    finished = await client.get(f"/auth/callback?{query}", allow_redirects=False)
    assert finished.status == 302, await finished.text()
    return finished.headers["Location"]


async def csrf_of(client: TestClient[web.Request, web.Application], page: str = "/me") -> str:
    import re

    html = await (await client.get(page)).text()
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, html
    return match[1]


async def make_meeting(
    db: Database,
    guild: int,
    title: str,
    *,
    members: tuple[int, ...],
    now: datetime,
    ended: bool = True,
) -> int:
    """A meeting started two hours before ``now``, ``members`` checked in an hour before, and
    (``ended``) ended half an hour before: what the moderators' pages list."""
    started = await meeting_store.start_meeting(
        db,
        guild_id=guild,
        title=title,
        at=now - timedelta(hours=2),
        text_channel_id=None,
        voice_channel_id=None,
        started_by_id=None,
    )
    for member in members:
        await meeting_store.check_in(db, guild, started.id, member, at=now - timedelta(hours=1))
    if ended:
        await meeting_store.end_meeting(
            db,
            guild,
            started.id,
            at=now - timedelta(minutes=30),
            voice_threshold=timedelta(minutes=5),
        )
    return started.id
