"""Who may see a server's pages: the bot's own answer, asked on every request.

The web app never trusts the server list a browser's session carries: before showing anything of a
server it asks a :class:`MembershipSource` whether the bot is in that server and the user is a
current member. The bot process answers from discord.py (``cogs/membership.py``: its gateway
cache of servers, and the member lookup through its REST client); a web app in a process of its own
uses :class:`RestMembership`, the same lookups over plain HTTP with the bot token. Either way the
answers are cached for at most :data:`MEMBERSHIP_TTL` seconds, so someone who left a server loses
its pages within that time while a page load does not cost a Discord request.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import Final, Protocol

import aiohttp

from bot.config import Secret

MEMBERSHIP_TTL: Final = 60.0
CACHE_SIZE: Final = 10_000
TIMEOUT: Final = aiohttp.ClientTimeout(total=10)


class MembershipUnavailable(Exception):
    """Discord could not be asked; the page says so rather than guessing either way."""


class MembershipSource(Protocol):
    """The bot's view of servers and their members."""

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        """Of these servers, the ones the bot is in, with their names."""
        ...

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        """True when the bot is in the server and the user is a member of it now."""
        ...


class CachedMembership:
    """Any source's member answers kept for at most ``ttl`` seconds (a bounded LRU)."""

    def __init__(
        self,
        source: MembershipSource,
        *,
        ttl: float = MEMBERSHIP_TTL,
        size: int = CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._answers: OrderedDict[tuple[int, int], tuple[float, bool]] = OrderedDict()

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        return await self._source.shared_guilds(guild_ids)

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        key = (guild_id, user_id)
        now = self._clock()
        cached = self._answers.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            self._answers.move_to_end(key)
            return cached[1]
        answer = await self._source.is_member(guild_id, user_id)
        self._answers[key] = (now, answer)
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)
        return answer


class RestMembership:
    """Membership over Discord's REST API with the bot token, for a web-only process.

    ``GET /guilds/{id}/members/{user}`` answers 200 only when the bot is in the server and the
    user a member; the bot's server list (``GET /users/@me/guilds``) is read at most once a
    :data:`MEMBERSHIP_TTL`.
    """

    def __init__(self, api_base: str, token: Secret) -> None:
        self._api = api_base.rstrip("/")
        self._token = token
        self._http: aiohttp.ClientSession | None = None
        self._guilds: tuple[float, dict[int, str]] | None = None
        self._lock = asyncio.Lock()

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(
                timeout=TIMEOUT,
                headers={"Authorization": f"Bot {self._token.get_secret_value()}"},
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def _bot_guilds(self) -> dict[int, str]:
        async with self._lock:
            now = time.monotonic()
            if self._guilds is not None and now - self._guilds[0] < MEMBERSHIP_TTL:
                return self._guilds[1]
            found: dict[int, str] = {}
            after = 0
            try:
                while True:
                    url = f"{self._api}/users/@me/guilds?limit=200&after={after}"
                    async with self._session().get(url) as response:
                        if response.status != 200:
                            raise MembershipUnavailable(f"Discord answered {response.status}")
                        page = await response.json(content_type=None)
                    for guild in page:
                        found[int(guild["id"])] = str(guild.get("name", ""))
                    if len(page) < 200:
                        break
                    after = int(page[-1]["id"])
            except aiohttp.ClientError as exc:
                raise MembershipUnavailable(str(exc)) from exc
            self._guilds = (now, found)
            return found

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        mine = await self._bot_guilds()
        return {guild_id: mine[guild_id] for guild_id in guild_ids if guild_id in mine}

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        url = f"{self._api}/guilds/{guild_id}/members/{user_id}"
        try:
            async with self._session().get(url) as response:
                if response.status == 200:
                    return True
                if response.status in (403, 404):
                    return False
                raise MembershipUnavailable(f"Discord answered {response.status}")
        except aiohttp.ClientError as exc:
            raise MembershipUnavailable(str(exc)) from exc
