"""The bot's answer to "is this user in that server?", for the web app in the bot process.

The servers come from the gateway cache (names always current); membership is asked of Discord
through the bot's own REST client, since without the privileged members intent the cache never
hears that someone left. The member's roles come with that answer; Manage Server is computed
from the cached server's owner and roles by :func:`bot.permissions.manages_server`, the rule the
web-only process uses too. :class:`bot.membership.CachedMembership` keeps each answer 60 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import TYPE_CHECKING

import discord

from bot.membership import (
    NAME_LOOKUPS,
    MemberAccess,
    MembershipUnavailable,
    Named,
    ServerLayout,
    display_name,
)
from bot.permissions import manages_server

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


class GatewayMembership:
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot

    async def shared_guilds(self, guild_ids: Collection[int]) -> dict[int, str]:
        found = {}
        for guild_id in guild_ids:
            guild = self.bot.get_guild(guild_id)
            if guild is not None:
                found[guild_id] = guild.name
        return found

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        return await self.member_access(guild_id, user_id) is not None

    async def member_access(self, guild_id: int, user_id: int) -> MemberAccess | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        try:
            member = await self.bot.http.get_member(guild_id, user_id)
        except (discord.NotFound, discord.Forbidden):
            return None
        except discord.HTTPException as exc:
            raise MembershipUnavailable(str(exc)) from exc
        role_ids = frozenset(int(r) for r in member.get("roles", []))
        manages = manages_server(
            user_id,
            guild_id=guild_id,
            owner_id=guild.owner_id or 0,
            role_ids=role_ids,
            role_permissions={role.id: role.permissions.value for role in guild.roles},
        )
        return MemberAccess(role_ids, manages)

    async def server_layout(self, guild_id: int) -> ServerLayout:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return ServerLayout((), ())
        text = [
            c
            for c in sorted(guild.channels, key=lambda c: (c.position, c.id))
            if isinstance(c, discord.TextChannel)
        ]
        channels = tuple(Named(c.id, c.name) for c in text)
        me = guild.me
        permissions = None if me is None else {c.id: c.permissions_for(me).value for c in text}
        roles = tuple(
            Named(r.id, r.name)
            for r in sorted(guild.roles, key=lambda r: (-r.position, r.id))
            if not r.is_default() and not r.managed
        )
        return ServerLayout(channels, roles, permissions)

    async def member_names(self, guild_id: int, user_ids: Collection[int]) -> dict[int, str]:
        """From the gateway cache first; the others by REST, the first NAME_LOOKUPS only."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return {}
        found: dict[int, str] = {}
        unknown = []
        for user_id in user_ids:
            member = guild.get_member(user_id)
            if member is not None:
                found[user_id] = member.display_name
            else:
                unknown.append(user_id)
        gate = asyncio.Semaphore(5)

        async def one(user_id: int) -> None:
            async with gate:
                try:
                    payload = await self.bot.http.get_member(guild_id, user_id)
                except discord.HTTPException:
                    return  # left, or Discord is slow: the page shows the id
            name = display_name(payload)
            if name:
                found[user_id] = name

        await asyncio.gather(*(one(u) for u in unknown[:NAME_LOOKUPS]))
        return found
