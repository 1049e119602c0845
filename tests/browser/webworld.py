"""The real bot process with its web app on, against the emulator, for browser tests.

The bot is started as ``tests/e2e`` starts it (``python -m bot run``, configured by environment
only), plus the web app's keys: ``WEB_BASE_URL`` on a free local port, the emulator's OAuth2
client id and secret, and its authorize URL, with ``{WEB_BASE_URL}/auth/callback`` registered as
the application's redirect URI. Two servers: "Reading Group" (alice, bob, mod) and "Other Server"
(carol, and bob again), so a test can check that one server's member never reaches the other's
pages.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

from cryptography.fernet import Fernet
from playwright.async_api import BrowserContext, Page

from tests.e2e.conftest import World, make_world
from tests.emulator import Emulator, Guild, Member

LISTENING: Final = "web app listening on"
SESSION_COOKIE: Final = "manifesto_session"
SESSION_KEY: Final = "web_secret_key"
"""The meta row holding the session cookies' Fernet key when WEB_SECRET_KEY is not set."""
SESSION_SECONDS: Final = 7 * 24 * 3600
ERROR_LINE: Final = re.compile(r"^\S+ \S+ (ERROR|CRITICAL) ")
"""A log line of the bot's at ERROR or worse (``2026-01-02 03:04:05,678 ERROR    name: ...``)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class WebWorld:
    world: World
    base_url: str
    other: Guild
    """A server alice is not in; carol's (and bob's, who is in both)."""
    carol: Member

    @property
    def discord(self) -> Emulator:
        return self.world.discord

    @property
    def guild(self) -> Guild:
        return self.world.guild

    @property
    def alice(self) -> Member:
        return self.world.alice

    @property
    def bob(self) -> Member:
        return self.world.bob

    @property
    def mod(self) -> Member:
        """Reading Group's moderator: the Moderator role grants Manage Server."""
        return self.world.mod

    def url(self, path: str) -> str:
        return self.base_url + path

    def on_site(self, url: str) -> bool:
        return url.startswith(self.base_url + "/") or url == self.base_url

    async def consent_page(self, page: Page, next_path: str | None = None) -> None:
        """Open ``/login`` and follow it to Discord's (the emulator's) consent page."""
        login = "/login" + (f"?next={quote(next_path, safe='')}" if next_path else "")
        await page.goto(self.url(login))
        if self.on_site(page.url):
            # A sign-in page of the site's own first: its button leads to Discord.
            await (
                page.get_by_role("link", name="Sign in with Discord")
                .or_(page.get_by_role("button", name="Sign in with Discord"))
                .first.click()
            )
        await page.wait_for_url(f"{self.discord.authorize_url}?**")

    async def sign_in(self, page: Page, who: Member, next_path: str | None = None) -> None:
        """The whole sign-in as a person does it: /login, Discord's consent, back on the site."""
        await self.consent_page(page, next_path)
        name = who.user.global_name or who.user.username
        await page.get_by_role("button", name=f"Authorize as {name}", exact=True).click()
        await page.wait_for_url(lambda url: self.on_site(url) and "/auth/callback" not in url)

    async def session_cookie(
        self, who: Member, guild_ids: list[int], *, at: float | None = None
    ) -> str:
        """A session cookie as the web app writes one (aiohttp-session's Fernet storage, with
        the key the app keeps in its database), dated ``at``: a cookie the browser could hold
        after a week away, or one claiming servers its holder is not in."""
        key = await self._session_fernet()
        when = int(time.time() if at is None else at)
        session = {
            "uid": who.id,
            "name": who.user.username,
            "guilds": guild_ids,
            "csrf": secrets.token_urlsafe(32),
            "seen": when,
        }
        data = json.dumps({"created": when, "session": session}).encode()
        value = key.encrypt_at_time(data, when).decode()
        return value

    async def read_session_cookie(self, value: str) -> Any:
        """What a session cookie holds, decrypted with the app's key."""
        key = await self._session_fernet()
        return json.loads(key.decrypt(value.encode()))

    async def _session_fernet(self) -> Fernet:
        rows = await self.world.query("SELECT value FROM meta WHERE key = ?", (SESSION_KEY,))
        assert rows, "the web app keeps its generated session key in the meta table"
        return Fernet(str(rows[0]["value"]).encode())

    async def set_session_cookie(self, context: BrowserContext, value: str) -> None:
        """Give the browser this session cookie (and no other)."""
        await context.clear_cookies()
        await context.add_cookies([{"name": SESSION_COOKIE, "value": value, "url": self.base_url}])

    def path_of(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")


@contextlib.asynccontextmanager
async def start_web_world(tmp_path: Path) -> AsyncIterator[WebWorld]:
    async with Emulator(bot_name="Manifesto Bot") as discord:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        discord.register_redirect_uri(f"{base_url}/auth/callback")
        env = {
            "WEB_BASE_URL": base_url,
            "WEB_HOST": "127.0.0.1",
            "WEB_PORT": str(port),
            "DISCORD_CLIENT_ID": discord.oauth_client_id,
            "DISCORD_CLIENT_SECRET": discord.oauth_client_secret,
            "DISCORD_AUTHORIZE_URL": discord.authorize_url,
        }
        world = make_world(discord, tmp_path, env)
        other = discord.create_guild("Other Server")
        carol = other.add_member("carol")
        other.add_member(world.bob.user)
        try:
            await world.start_bot()
            await world.bot.wait_for_log(LISTENING, within=15)
        except BaseException:
            await world.bot.stop()
            raise
        try:
            yield WebWorld(world, base_url, other, carol)
        finally:
            code = await world.bot.stop()
            assert discord.unanswered_interactions() == []
            log = world.bot.log_text()
            assert code == 0, log[-3000:]
            # Whatever a browser sent, the web app answered with a page and logged no error (an
            # unexpected exception is logged at ERROR with its traceback; an outage the tests
            # cause on purpose is a WARNING).
            errors = [line for line in log.splitlines() if ERROR_LINE.match(line)]
            assert errors == [], log[-6000:]
            assert discord.oauth_client_secret not in log
