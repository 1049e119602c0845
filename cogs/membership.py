"""The bot's answer to "is this user in that server?", for the web app in the bot process.

The servers come from the gateway cache (names always current); membership is asked of Discord
through the bot's own REST client, since without the privileged members intent the cache never
hears that someone left. :class:`bot.membership.CachedMembership` keeps each answer 60 s.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import discord

from bot.membership import MembershipUnavailable

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
        if self.bot.get_guild(guild_id) is None:
            return False
        try:
            await self.bot.http.get_member(guild_id, user_id)
        except discord.NotFound:
            return False
        except discord.Forbidden:
            return False
        except discord.HTTPException as exc:
            raise MembershipUnavailable(str(exc)) from exc
        return True
