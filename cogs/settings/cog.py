"""``/settings``: the server-wide settings moderators change (defaults in ``bot.config``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.actions.settings import change_setting
from bot.i18n import N_, _
from bot.plural import count_text
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


SETTING_LABELS: dict[str, str] = {
    "timezone": N_("time zone"),
    "moderator_role_id": N_("moderator role"),
    "log_channel_id": N_("log channel"),
    "prompt_grace_minutes": N_("prompt grace (minutes)"),
    "streak_freezes_per_week": N_("streak freezes per week"),
    "streak_counts_attendance": N_("attendance counts for streaks"),
    "streak_cadence": N_("streak cadence"),
    "meeting_voice_minutes": N_("voice minutes that count"),
    "meeting_from_events": N_("meetings from Scheduled Events"),
    "audit_retention_days": N_("audit log kept (days)"),
    "language": N_("language of the bot's posts"),
}
"""How ``/settings show`` names each key; a key missing here shows as its spaced name."""


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
                shown = _("not set")
            elif key.endswith("role_id"):
                shown = f"<@&{value}>"
            elif key.endswith("channel_id"):
                shown = f"<#{value}>"
            else:
                shown = f"`{escape_markdown(str(value))}`"
            label = _(SETTING_LABELS[key]) if key in SETTING_LABELS else key.replace("_", " ")
            lines.append(f"**{label}**: {shown}")
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(
        name="timezone", description="The server's time zone for schedules and days."
    )
    @app_commands.describe(zone="An IANA time zone such as Europe/Berlin (autocompleted)")
    @app_commands.autocomplete(zone=timezone_autocomplete)
    async def timezone(self, interaction: discord.Interaction, zone: str) -> None:
        key = await self._change(interaction, "timezone", zone)
        await interaction.response.send_message(
            _("Server time zone set to **{zone}**.").format(zone=key), ephemeral=True
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
            _("Members with {role} may now use moderator commands.").format(role=role.mention)
            if role
            else _("Only members with Manage Server may use moderator commands now.")
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
            _("Moderator notices will go to {channel}.").format(channel=channel.mention)
            if channel
            else _("Moderator notices will be sent by direct message.")
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
            count_text(
                minutes,
                "A prompt missed while the bot was offline is posted late if under {n} minute "
                "late; older ones are skipped.",
                "A prompt missed while the bot was offline is posted late if under {n} minutes "
                "late; older ones are skipped.",
            ),
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
            count_text(
                minutes,
                "{n} minute in a meeting's voice channel now counts as attending.",
                "{n} minutes in a meeting's voice channel now count as attending.",
            ),
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
            _("Scheduled Events now open and close meetings.")
            if enabled
            else _("Scheduled Events no longer open or close meetings."),
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
            count_text(
                per_week,
                "Streaks now forgive {n} missed day a week.",
                "Streaks now forgive {n} missed days a week.",
            ),
        )

    @app_commands.command(
        name="streak-attendance", description="Whether attending a meeting counts as a streak day."
    )
    async def streak_attendance(self, interaction: discord.Interaction, enabled: bool) -> None:
        await self._store(
            interaction,
            "streak_counts_attendance",
            enabled,
            _("Attending a meeting now counts as a streak day.")
            if enabled
            else _("Only reading counts as a streak day now."),
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
            interaction,
            "streak_cadence",
            cadence,
            _("Streaks are now counted daily.")
            if cadence == "daily"
            else _("Streaks are now counted weekly."),
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
            count_text(
                days,
                "The audit log now keeps each change for {n} day.",
                "The audit log now keeps each change for {n} days.",
            ),
        )

    @app_commands.command(
        name="language", description="The language of the bot's own posts in this server."
    )
    @app_commands.describe(language="A language, or automatic to follow the server's Discord one")
    @app_commands.choices(
        language=[
            app_commands.Choice(name="automatic", value="auto"),
            *(
                app_commands.Choice(name=i18n.NATIVE_NAMES[code], value=code)
                for code in i18n.SHIPPED
            ),
        ]
    )
    async def language(self, interaction: discord.Interaction, language: str) -> None:
        stored = await self._change(interaction, "language", language)
        if stored is None:
            text = _(
                "The bot's own posts now follow this server's Discord language "
                "(English if it speaks another)."
            )
        else:
            with i18n.language(stored):
                text = _("The bot's own posts in this server are now in English.")
        await interaction.response.send_message(text, ephemeral=True)
