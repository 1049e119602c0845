"""Who may see a server's pages: the bot's own answer, asked on every request.

The web app never trusts the server list a browser's session carries: before showing anything of a
server it asks a :class:`MembershipSource` whether the bot is in that server and the user is a
current member. The bot process answers from discord.py (``cogs/membership.py``: its gateway
cache of servers, and the member lookup through its REST client); a web app in a process of its own
uses :class:`RestMembership`, the same lookups over plain HTTP with the bot token. Either way the
answers are cached for at most :data:`MEMBERSHIP_TTL` seconds, so someone who left a server loses
its pages within that time while a page load does not cost a Discord request.

Moderator pages need a little more of the same answer: the member's roles and whether they manage
the server (:class:`MemberAccess`, what :func:`bot.permissions.is_moderator` decides on), and the
server's text channels and roles for the forms' pickers (:class:`ServerLayout`). Both come through
the same source and the same cache, so a role taken away closes the pages within a minute too.

Moderator pages name members (:meth:`MembershipSource.member_names`): the server nickname, else
the Discord display name, else the username, as Discord shows them. A member Discord does not
know any more (left, or more than one page's lookups at once) is shown by id instead. Names are
user text: pages escape them and never send them to Discord.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp

from bot.config import Secret
from bot.permissions import channel_permissions, manages_server

MEMBERSHIP_TTL: Final = 60.0
CACHE_SIZE: Final = 10_000
TIMEOUT: Final = aiohttp.ClientTimeout(total=10)


class MembershipUnavailable(Exception):
    """Discord could not be asked; the page says so rather than guessing either way."""


NAME_LOOKUPS: Final = 50
"""Members looked up one by one per page at most (REST, 5 at a time); the rest show their ids
until a later load, so a page of 200 names never costs Discord 200 requests at once."""
NAME_TTL: Final = 600.0
"""Names change rarely and are not a permission: kept ten minutes."""


def display_name(member: Mapping[str, Any]) -> str:
    """The name Discord shows for a guild member object: nickname, display name, username."""
    user = member.get("user") or {}
    for name in (member.get("nick"), user.get("global_name"), user.get("username")):
        if isinstance(name, str) and name.strip():
            return name
    return ""


TEXT_CHANNEL_TYPES: Final = frozenset({0, 5})
"""Discord's text and announcement channels: where prompts post and threads open."""


@dataclass(frozen=True, slots=True)
class MemberAccess:
    """What the moderator rule needs to know of a member, as Discord says it now."""

    role_ids: frozenset[int]
    manages_server: bool
    """Owner, Administrator, or a role granting Manage Server."""


@dataclass(frozen=True, slots=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ServerLayout:
    """A server's text channels and roles, in Discord's order, for the moderator forms."""

    channels: tuple[Named, ...]
    roles: tuple[Named, ...]
    """Without ``@everyone`` and roles managed by an integration (nobody can be given them)."""
    bot_permissions: Mapping[int, int] | None = None
    """The bot's permission bits in each of ``channels``; None when the source cannot tell."""

    def channel_name(self, channel_id: int | None) -> str:
        return next((c.name for c in self.channels if c.id == channel_id), "")

    def role_name(self, role_id: int | None) -> str:
        return next((r.name for r in self.roles if r.id == role_id), "")


class MembershipSource(Protocol):
    """The bot's view of servers and their members."""

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        """Of these servers, the ones the bot is in, with their names."""
        ...

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        """True when the bot is in the server and the user is a member of it now."""
        ...

    async def member_access(self, guild_id: int, user_id: int) -> MemberAccess | None:
        """The member's roles and Manage Server; None when they are not a member (or the bot
        is not in the server)."""
        ...

    async def server_layout(self, guild_id: int) -> ServerLayout:
        """The server's text channels and assignable roles (empty when the bot is not in it)."""
        ...

    async def member_names(self, guild_id: int, user_ids: Collection[int]) -> dict[int, str]:
        """Display names of those of ``user_ids`` Discord knows in the server; others left out."""
        ...


def layout_from_payloads(
    guild_id: int,
    channels: Iterable[Mapping[str, Any]],
    roles: Iterable[Mapping[str, Any]],
    *,
    bot_permissions: Mapping[int, int] | None = None,
) -> ServerLayout:
    """A :class:`ServerLayout` from Discord's channel and role objects, in Discord's order."""
    text = sorted(
        (c for c in channels if int(c.get("type", -1)) in TEXT_CHANNEL_TYPES),
        key=lambda c: (int(c.get("position") or 0), int(c["id"])),
    )
    assignable = sorted(
        (r for r in roles if int(r["id"]) != guild_id and not r.get("managed")),
        key=lambda r: (-int(r.get("position") or 0), int(r["id"])),
    )
    return ServerLayout(
        tuple(Named(int(c["id"]), str(c.get("name", ""))) for c in text),
        tuple(Named(int(r["id"]), str(r.get("name", ""))) for r in assignable),
        bot_permissions,
    )


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
        self._answers: OrderedDict[tuple[int, int], tuple[float, MemberAccess | None]] = (
            OrderedDict()
        )
        self._layouts: OrderedDict[int, tuple[float, ServerLayout]] = OrderedDict()
        self._names: OrderedDict[tuple[int, int], tuple[float, str | None]] = OrderedDict()

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        return await self._source.shared_guilds(guild_ids)

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        return await self.member_access(guild_id, user_id) is not None

    async def member_access(self, guild_id: int, user_id: int) -> MemberAccess | None:
        """One cached answer serves both questions: member at all, and with which roles."""
        key = (guild_id, user_id)
        now = self._clock()
        cached = self._answers.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            self._answers.move_to_end(key)
            return cached[1]
        answer = await self._source.member_access(guild_id, user_id)
        self._answers[key] = (now, answer)
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)
        return answer

    async def server_layout(self, guild_id: int) -> ServerLayout:
        now = self._clock()
        cached = self._layouts.get(guild_id)
        if cached is not None and now - cached[0] < self._ttl:
            self._layouts.move_to_end(guild_id)
            return cached[1]
        layout = await self._source.server_layout(guild_id)
        self._layouts[guild_id] = (now, layout)
        self._layouts.move_to_end(guild_id)
        while len(self._layouts) > self._size:
            self._layouts.popitem(last=False)
        return layout

    async def member_names(self, guild_id: int, user_ids: Collection[int]) -> dict[int, str]:
        """Names known within :data:`NAME_TTL` answered here; only the others reach the source.

        A member the source had no name for is remembered as unknown too, so a page naming
        members who left does not ask about them on every load.
        """
        now = self._clock()
        found: dict[int, str] = {}
        missing = []
        for user_id in dict.fromkeys(user_ids):
            cached = self._names.get((guild_id, user_id))
            if cached is not None and now - cached[0] < NAME_TTL:
                if cached[1]:
                    found[user_id] = cached[1]
            else:
                missing.append(user_id)
        if missing:
            fresh = await self._source.member_names(guild_id, missing)
            # The source looked up the first NAME_LOOKUPS: their misses are known misses.
            for user_id in [*missing[:NAME_LOOKUPS], *fresh]:
                self._names[(guild_id, user_id)] = (now, fresh.get(user_id))
                self._names.move_to_end((guild_id, user_id))
            found.update(fresh)
            while len(self._names) > self._size:
                self._names.popitem(last=False)
        return found


class RestMembership:
    """Membership over Discord's REST API with the bot token, for a web-only process.

    ``GET /guilds/{id}/members/{user}`` answers 200 only when the bot is in the server and the
    user a member; the bot's server list (``GET /users/@me/guilds``) is read at most once a
    :data:`MEMBERSHIP_TTL`. Manage Server is computed from the member's roles and the server's
    (``GET /guilds/{id}``: owner and roles with their permissions), also read at most once a
    :data:`MEMBERSHIP_TTL` per server.
    """

    def __init__(self, api_base: str, token: Secret) -> None:
        self._api = api_base.rstrip("/")
        self._token = token
        self._http: aiohttp.ClientSession | None = None
        self._guilds: tuple[float, dict[int, str]] | None = None
        self._servers: dict[int, tuple[float, dict[str, Any]]] = {}
        self._bot_id: int | None = None
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
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
                raise MembershipUnavailable(f"{type(exc).__name__}: {exc}") from exc
            self._guilds = (now, found)
            return found

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        mine = await self._bot_guilds()
        return {guild_id: mine[guild_id] for guild_id in guild_ids if guild_id in mine}

    async def _get(self, path: str) -> Any | None:
        """Discord's JSON for ``path``; None for 403/404 (not there, or not for the bot)."""
        try:
            async with self._session().get(f"{self._api}{path}") as response:
                if response.status in (403, 404):
                    return None
                if response.status != 200:
                    raise MembershipUnavailable(f"Discord answered {response.status}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise MembershipUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def _server(self, guild_id: int) -> dict[str, Any] | None:
        now = time.monotonic()
        cached = self._servers.get(guild_id)
        if cached is not None and now - cached[0] < MEMBERSHIP_TTL:
            return cached[1]
        found = await self._get(f"/guilds/{guild_id}")
        if not isinstance(found, dict):
            return None
        if len(self._servers) >= CACHE_SIZE:
            self._servers.clear()
        self._servers[guild_id] = (now, found)
        return found

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        return await self._get(f"/guilds/{guild_id}/members/{user_id}") is not None

    async def member_names(self, guild_id: int, user_ids: Collection[int]) -> dict[int, str]:
        """One member lookup each, the first :data:`NAME_LOOKUPS` only, five at a time."""
        gate = asyncio.Semaphore(5)

        async def one(user_id: int) -> tuple[int, str]:
            async with gate:
                member = await self._get(f"/guilds/{guild_id}/members/{user_id}")
            return user_id, display_name(member) if isinstance(member, dict) else ""

        found = await asyncio.gather(*(one(u) for u in list(user_ids)[:NAME_LOOKUPS]))
        return {user_id: name for user_id, name in found if name}

    async def member_access(self, guild_id: int, user_id: int) -> MemberAccess | None:
        member = await self._get(f"/guilds/{guild_id}/members/{user_id}")
        if not isinstance(member, dict):
            return None
        server = await self._server(guild_id)
        if server is None:
            return None
        try:
            role_ids = frozenset(int(r) for r in member.get("roles", []))
            permissions = {int(r["id"]): int(r.get("permissions") or 0) for r in server["roles"]}
            owner_id = int(server["owner_id"])
        except (KeyError, TypeError, ValueError) as exc:
            raise MembershipUnavailable(f"{type(exc).__name__}: {exc}") from exc
        manages = manages_server(
            user_id,
            guild_id=guild_id,
            owner_id=owner_id,
            role_ids=role_ids,
            role_permissions=permissions,
        )
        return MemberAccess(role_ids, manages)

    async def _bot_user_id(self) -> int | None:
        if self._bot_id is None:
            me = await self._get("/users/@me")
            if isinstance(me, dict) and "id" in me:
                self._bot_id = int(me["id"])
        return self._bot_id

    async def server_layout(self, guild_id: int) -> ServerLayout:
        """Also the bot's permissions in each channel: its roles and the channels' overwrites,
        as Discord would compute them (:func:`bot.permissions.channel_permissions`)."""
        server = await self._server(guild_id)
        channels = await self._get(f"/guilds/{guild_id}/channels")
        if server is None or not isinstance(channels, list):
            return ServerLayout((), ())
        bot_id = await self._bot_user_id()
        me = await self._get(f"/guilds/{guild_id}/members/{bot_id}") if bot_id else None
        try:
            permissions = None
            if isinstance(me, dict) and bot_id is not None:
                role_permissions = {
                    int(r["id"]): int(r.get("permissions") or 0) for r in server["roles"]
                }
                permissions = {
                    int(c["id"]): channel_permissions(
                        bot_id,
                        guild_id=guild_id,
                        owner_id=int(server["owner_id"]),
                        role_ids=[int(r) for r in me.get("roles", [])],
                        role_permissions=role_permissions,
                        overwrites=c.get("permission_overwrites") or [],
                    )
                    for c in channels
                }
            return layout_from_payloads(
                guild_id, channels, server.get("roles", []), bot_permissions=permissions
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MembershipUnavailable(f"{type(exc).__name__}: {exc}") from exc
