"""The language of what the bot posts on its own in a server: prompts, meeting check-ins.

A moderator's ``/settings language`` wins; otherwise the server's Discord language
(``preferred_locale``), which falls back to English when the bot does not speak it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord

from bot import i18n
from bot.storage.guild_settings import get_setting


async def server_language_of(bot: Any, guild: discord.Guild | int) -> str:
    """The catalog a server's own posts are written in."""
    guild_id = guild if isinstance(guild, int) else guild.id
    chosen = await get_setting(bot.db, guild_id, "language")
    if chosen:
        return i18n.resolve(str(chosen))
    found = bot.get_guild(guild_id) if isinstance(guild, int) else guild
    if not isinstance(found, discord.Guild):
        return i18n.DEFAULT
    return i18n.resolve(found.preferred_locale.value)


@asynccontextmanager
async def server_language(bot: Any, guild: discord.Guild | int) -> AsyncIterator[str]:
    """Speak the server's language inside the block (build the post there, send it after)."""
    with i18n.language(await server_language_of(bot, guild)) as language:
        yield language


_last_written: dict[int, str] = {}
"""Locales this process last stored, so an unchanged one costs no write."""


async def remember_member_locale(bot: Any, interaction: discord.Interaction) -> None:
    """Keep the member's Discord locale for their reminder DMs, writing only when it changed."""
    from datetime import UTC, datetime

    from bot.storage.streaks import remember_locale

    locale = interaction.locale.value
    user_id = interaction.user.id
    if _last_written.get(user_id) == locale:
        return
    await remember_locale(bot.db, user_id, locale, now=datetime.now(UTC))
    if len(_last_written) > 100_000:
        _last_written.clear()
    _last_written[user_id] = locale


def language_of(interaction: Any) -> str:
    """The catalog for whoever interacts: their Discord client's locale."""
    locale = getattr(interaction, "locale", None)
    return i18n.resolve(getattr(locale, "value", None))
