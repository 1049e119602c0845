"""``/settings``: the server-wide settings moderators change (defaults in ``bot.config``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.storage.guild_settings import get_settings, set_setting
from bot.text import escape_markdown
from bot.timezones import parse_timezone, suggest_timezones
from cogs.checks import moderator_only
from cogs.transformers import choice

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


def _guild_id(interaction: discord.Interaction) -> int:
    assert interaction.guild_id is not None  # guaranteed by moderator_only's guild_only
    return interaction.guild_id


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [choice(name, name) for name in suggest_timezones(current)]


@moderator_only()
class SettingsCog(commands.GroupCog, group_name="settings", group_description="Server settings"):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="show", description="Show this server's settings.")
    async def show(self, interaction: discord.Interaction) -> None:
        settings = await get_settings(self.bot.db, _guild_id(interaction))
        lines = []
        for key, value in settings.items():
            if value is None:
                shown = "not set"
            elif key.endswith("role_id"):
                shown = f"<@&{value}>"
            elif key.endswith("channel_id"):
                shown = f"<#{value}>"
            else:
                shown = f"`{escape_markdown(str(value))}`"
            lines.append(f"**{key.replace('_', ' ')}**: {shown}")
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(
        name="timezone", description="The server's time zone for schedules and days."
    )
    @app_commands.describe(zone="An IANA time zone such as Europe/Berlin (autocompleted)")
    @app_commands.autocomplete(zone=timezone_autocomplete)
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        tz = parse_timezone(zone)
        await set_setting(self.bot.db, _guild_id(interaction), "timezone", tz.key)
        await interaction.response.send_message(
            f"Server time zone set to **{tz.key}**.", ephemeral=True
        )

    @app_commands.command(
        name="moderator-role", description="A role that may use moderator commands."
    )
    @app_commands.describe(role="The role (leave empty to allow Manage Server only)")
    async def moderator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        await set_setting(
            self.bot.db, _guild_id(interaction), "moderator_role_id", role.id if role else None
        )
        text = (
            f"Members with {role.mention} may now use moderator commands."
            if role
            else ("Only members with Manage Server may use moderator commands now.")
        )
        await interaction.response.send_message(text, ephemeral=True)

    @app_commands.command(
        name="log-channel", description="Where the bot tells moderators about problems."
    )
    @app_commands.describe(
        channel="A text channel (leave empty to DM the person concerned instead)"
    )
    async def log_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await set_setting(
            self.bot.db, _guild_id(interaction), "log_channel_id", channel.id if channel else None
        )
        text = (
            f"Moderator notices will go to {channel.mention}."
            if channel
            else ("Moderator notices will be sent by direct message.")
        )
        await interaction.response.send_message(text, ephemeral=True)
