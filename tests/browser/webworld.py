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
import dataclasses
import json
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

from cryptography.fernet import Fernet
from playwright.async_api import BrowserContext, Page

from tests.e2e.botprocess import BotProcess
from tests.e2e.conftest import World, make_world
from tests.emulator import Emulator, Guild, Member
from tests.emulator.threaded import LoopThread, on_loop

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
    _live: _Live | None = field(default=None, repr=False)
    _thread: LoopThread | None = field(default=None, repr=False)

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
        # Landed once the page's document is read: its images (a chart) may still be drawing.
        await page.wait_for_url(
            lambda url: self.on_site(url) and "/auth/callback" not in url,
            wait_until="domcontentloaded",
        )

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


def _site_env(discord: Emulator, port: int) -> dict[str, str]:
    """What a process serving the web app on ``port`` needs to sign people in with Discord."""
    return {
        "WEB_BASE_URL": f"http://127.0.0.1:{port}",
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(port),
        "DISCORD_CLIENT_ID": discord.oauth_client_id,
        "DISCORD_CLIENT_SECRET": discord.oauth_client_secret,
        "DISCORD_AUTHORIZE_URL": discord.authorize_url,
    }


def _check_log(process: BotProcess, code: int, discord: Emulator) -> None:
    """A process of the world stopped cleanly, and whatever a browser sent, the web app answered
    with a page and logged no error (an unexpected exception is logged at ERROR with its
    traceback; an outage the tests cause on purpose is a WARNING)."""
    log = process.log_text()
    assert code == 0, log[-3000:]
    errors = [line for line in log.splitlines() if ERROR_LINE.match(line)]
    assert errors == [], log[-6000:]
    assert discord.oauth_client_secret not in log


async def _start_site(discord: Emulator, bot: BotProcess) -> tuple[BotProcess, str]:
    """``python -m bot web`` beside ``bot``, on its database; returns it and its address."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    discord.register_redirect_uri(f"{base_url}/auth/callback")
    site = BotProcess({**bot.env, **_site_env(discord, port)}, bot.workdir, command="web")
    try:
        await site.start()
        await site.wait_for_log(LISTENING, within=15)
    except BaseException:
        await site.stop()
        raise
    return site, base_url


async def _stop_site(site: BotProcess, discord: Emulator, *, check: bool = True) -> None:
    code = await site.stop()
    if check:
        _check_log(site, code, discord)


@dataclass
class _Live:
    """What runs on the world's thread: the emulator, the bot, the web process if any."""

    discord: Emulator
    world: World
    base_url: str
    other: Guild
    carol: Member
    site: BotProcess | None = None

    @classmethod
    async def start(
        cls, tmp_path: Path, *, database_url: str = "", web_in_bot: bool = True
    ) -> _Live:
        discord = Emulator(bot_name="Manifesto Bot")
        await discord.start()
        port = free_port()
        world = make_world(
            discord,
            tmp_path,
            _site_env(discord, port) if web_in_bot else {},
            database_url=database_url,
        )
        other = discord.create_guild("Other Server")
        carol = other.add_member("carol")
        other.add_member(world.bob.user)
        live = cls(discord, world, f"http://127.0.0.1:{port}", other, carol)
        try:
            await world.start_bot()
            if web_in_bot:
                discord.register_redirect_uri(f"{live.base_url}/auth/callback")
                await world.bot.wait_for_log(LISTENING, within=15)
            else:
                live.site, live.base_url = await _start_site(discord, world.bot)
        except BaseException:
            await live.stop(check=False)
            raise
        return live

    async def stop(self, *, check: bool = True) -> None:
        try:
            if self.site is not None:
                await _stop_site(self.site, self.discord, check=check)
            code = await self.world.bot.stop()
            if check:
                assert self.discord.unanswered_interactions() == []
                _check_log(self.world.bot, code, self.discord)
        finally:
            await self.discord.close()

    def facade(self, thread: LoopThread) -> WebWorld:
        """The world as tests on other loops use it: emulator objects reached through the
        thread (see tests.emulator.threaded)."""
        world = dataclasses.replace(
            self.world,
            discord=on_loop(self.world.discord, thread),
            guild=on_loop(self.world.guild, thread),
            alice=on_loop(self.world.alice, thread),
            bob=on_loop(self.world.bob, thread),
            mod=on_loop(self.world.mod, thread),
            bot=on_loop(self.world.bot, thread),
        )
        other, carol = on_loop(self.other, thread), on_loop(self.carol, thread)
        return WebWorld(world, self.base_url, other, carol, _live=self, _thread=thread)


@contextlib.asynccontextmanager
async def start_web_world(
    tmp_path: Path, *, database_url: str = "", web_in_bot: bool = True
) -> AsyncIterator[WebWorld]:
    """The world, on a thread of its own: its emulator keeps answering the bot (heartbeats,
    the scheduler's posts) while the test session's loop stands still between browser tests.

    ``web_in_bot=False``: the bot process has no web app; ``python -m bot web`` serves it as a
    process of its own against the same database (SQLite file, or ``database_url``)."""
    thread = LoopThread("web-world")
    try:
        live = await thread.run(
            _Live.start(tmp_path, database_url=database_url, web_in_bot=web_in_bot)
        )
        try:
            yield live.facade(thread)
        finally:
            await thread.run(live.stop())
    finally:
        thread.stop()


@contextlib.asynccontextmanager
async def site_beside(web: WebWorld) -> AsyncIterator[WebWorld]:
    """``python -m bot web`` as a process of its own against ``web``'s database and emulator,
    for as long as the block lasts: the same world, seen through that process's site."""
    live, thread = web._live, web._thread
    assert live is not None and thread is not None, "a world from start_web_world"
    site, base_url = await thread.run(_start_site(live.discord, live.world.bot))
    try:
        yield dataclasses.replace(web, base_url=base_url)
    finally:
        await thread.run(_stop_site(site, live.discord))
