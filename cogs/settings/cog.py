"""``/settings``: the server-wide settings moderators change (defaults in ``bot.config``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.actions.settings import change_setting
from bot.plural import count_text, ngettext
from bot.storage.guild_settings import get_settings
from bot.text import escape_markdown
from bot.timezones import suggest_timezones
from cogs.checks import actor_of, moderator_only
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
        key = await self._change(interaction, "timezone", zone)
        await interaction.response.send_message(
            f"Server time zone set to **{key}**.", ephemeral=True
        )

    @app_commands.command(
        name="moderator-role", description="A role that may use moderator commands."
    )
    @app_commands.describe(role="The role (leave empty to allow Manage Server only)")
    async def moderator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        await self._change(interaction, "moderator_role_id", role.id if role else None)
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
        await self._change(interaction, "log_channel_id", channel.id if channel else None)
        text = (
            f"Moderator notices will go to {channel.mention}."
            if channel
            else ("Moderator notices will be sent by direct message.")
        )
        await interaction.response.send_message(text, ephemeral=True)

    async def _store(
        self, interaction: discord.Interaction, key: str, value: object, said: str
    ) -> None:
        await self._change(interaction, key, value)
        await interaction.response.send_message(said, ephemeral=True)

    async def _change(self, interaction: discord.Interaction, key: str, value: object) -> Any:
        actor = await actor_of(interaction)
        return await change_setting(self.bot.db, actor, key, value, now=datetime.now(UTC))

    @app_commands.command(
        name="prompt-grace", description="How late a missed prompt may still post."
    )
    @app_commands.describe(minutes="Minutes (0 skips every missed run; default 60)")
    async def prompt_grace(
        self, interaction: discord.Interaction, minutes: app_commands.Range[int, 0, 1440]
    ) -> None:
        await self._store(
            interaction,
            "prompt_grace_minutes",
            minutes,
            "A prompt missed while the bot was offline is posted late if under "
            f"{count_text(minutes, 'minute', 'minutes')} late; older ones are skipped.",
        )

    @app_commands.command(
        name="meeting-voice", description="Voice minutes that count as attending."
    )
    @app_commands.describe(minutes="Minutes in the meeting's voice channel (default 10)")
    async def meeting_voice(
        self, interaction: discord.Interaction, minutes: app_commands.Range[int, 1, 600]
    ) -> None:
        await self._store(
            interaction,
            "meeting_voice_minutes",
            minutes,
            f"{count_text(minutes, 'minute', 'minutes')} in a meeting's voice channel now "
            f"{ngettext('counts', 'count', minutes)} as attending.",
        )

    @app_commands.command(
        name="meeting-events",
        description="Open and close meetings from Discord's Scheduled Events.",
    )
    async def meeting_events(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._store(
            interaction,
            "meeting_from_events",
            enabled,
            "Scheduled Events now open and close meetings."
            if enabled
            else "Scheduled Events no longer open or close meetings.",
        )

    @app_commands.command(name="streak-freezes", description="Missed days forgiven per week.")
    @app_commands.describe(per_week="Days a week a streak survives without reading (default 0)")
    async def streak_freezes(
        self, interaction: discord.Interaction, per_week: app_commands.Range[int, 0, 6]
    ) -> None:
        await self._store(
            interaction,
            "streak_freezes_per_week",
            per_week,
            f"Streaks now forgive {count_text(per_week, 'missed day', 'missed days')} a week.",
        )

    @app_commands.command(
        name="streak-attendance", description="Whether attending a meeting counts as a streak day."
    )
    async def streak_attendance(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._store(
            interaction,
            "streak_counts_attendance",
            enabled,
            "Attending a meeting now counts as a streak day."
            if enabled
            else "Only reading counts as a streak day now.",
        )

    @app_commands.command(
        name="streak-cadence", description="Daily streaks, or weekly for weekly groups."
    )
    @app_commands.choices(
        cadence=[
            app_commands.Choice(name="daily", value="daily"),
            app_commands.Choice(name="weekly", value="weekly"),
        ]
    )
    async def streak_cadence(self, interaction: discord.Interaction, cadence: str) -> None:
        await self._store(
            interaction, "streak_cadence", cadence, f"Streaks are now counted {cadence}."
        )

    @app_commands.command(
        name="audit-retention", description="How long the audit log keeps moderators' changes."
    )
    @app_commands.describe(days="Days each change is kept (default 365)")
    async def audit_retention(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650]
    ) -> None:
        await self._store(
            interaction,
            "audit_retention_days",
            days,
            f"The audit log now keeps each change for {count_text(days, 'day', 'days')}.",
        )
