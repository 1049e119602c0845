"""``/streak``, ``/leaderboard``, ``/me timezone|privacy|reminder`` and the reminder DMs."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.errors import BotError
from bot.storage import streaks as store
from bot.streaks.heatmap import heatmap_grid, render_heatmap
from bot.timezones import suggest_timezones
from cogs.streaks.views import board_message
from cogs.transformers import choice

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

log = logging.getLogger(__name__)
_TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:h.]([0-5]\d)\s*$")


class NotInServer(BotError):
    def __init__(self) -> None:
        super().__init__("Streaks are counted per server: use this command in a server.")


class BadTime(BotError):
    def __init__(self, typed: str) -> None:
        super().__init__(
            f"“{typed[:40]}” is not a time of day. Use 24-hour HH:MM, such as 20:30, or “off”."
        )


def parse_minute(typed: str) -> int | None:
    """``"20:30"`` → 1230 minutes; ``"off"`` → None; anything else is refused."""
    if typed.strip().lower() in {"off", "none", "stop"}:
        return None
    match = _TIME.match(typed)
    if match is None:
        raise BadTime(typed)
    return int(match[1]) * 60 + int(match[2])


class StreaksCog(commands.Cog):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        self.reminders.start()

    async def cog_unload(self) -> None:
        self.reminders.cancel()

    @app_commands.command(name="streak", description="Your reading streak (or a member's).")
    @app_commands.describe(member="Whose streak to show (yours if left empty)")
    async def streak(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        if interaction.guild_id is None:
            raise NotInServer()
        target = member or interaction.user
        own = target.id == interaction.user.id
        name = discord.utils.escape_markdown(target.display_name)
        if not own and (await store.get_member_settings(self.bot.db, target.id)).private:
            await interaction.response.send_message(
                f"{name} keeps their streak private.", ephemeral=True
            )
            return
        await interaction.response.defer(ephemeral=not own)
        figures = await store.member_streak(
            self.bot.db, interaction.guild_id, target.id, datetime.now(UTC)
        )
        grid = heatmap_grid(figures.counts, figures.today)
        png = await asyncio.to_thread(render_heatmap, grid)
        streak = figures.streak
        unit = streak.unit
        embed = discord.Embed(title=f"{name}'s reading streak")
        for label, value in (("Current", streak.current), ("Longest", streak.longest)):
            embed.add_field(name=label, value=f"{value} {unit}{'s' * (value != 1)}")
        last = figures.last_read_at
        embed.add_field(
            name="Last reading",
            value=f"<t:{int(last.timestamp())}:R>" if last else "none yet",
        )
        embed.set_image(url="attachment://heatmap.png")
        embed.set_footer(
            text=f"Last 26 weeks in {figures.zone.key}: {grid.active_days} days, "
            f"{grid.total} readings"
        )
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename="heatmap.png")
        )

    @app_commands.command(name="leaderboard", description="Where members stand.")
    @app_commands.describe(kind="What to rank", period="Over which time")
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        kind: Literal["streak", "sections", "attendance"] = "streak",
        period: Literal["week", "month", "all"] = "all",
    ) -> None:
        if interaction.guild_id is None:
            raise NotInServer()
        embed, view = await board_message(
            self.bot.db, interaction.guild_id, interaction.user.id, kind, period, 0
        )
        await interaction.response.send_message(embed=embed, view=view)

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: object
    ) -> None:
        """Tell a member, once, that their reminder was turned off because a DM failed."""
        if await store.take_reminder_failure(self.bot.db, interaction.user.id, now=_now()):
            await interaction.followup.send(
                "Your daily reading reminder is off: I could not send you a direct message. "
                "Allow DMs from this server's members, then set it again with /me reminder.",
                ephemeral=True,
            )

    @tasks.loop(seconds=60)
    async def reminders(self) -> None:
        now = _now()
        for member in await store.due_reminders(self.bot.db, now):
            guild_id = member.reminder_guild_id or 0
            if await store.read_today_anywhere(self.bot.db, member.user_id, guild_id, now):
                await store.reminder_done(self.bot.db, member, now)
                continue
            try:
                user = self.bot.get_user(member.user_id) or await self.bot.fetch_user(
                    member.user_id
                )
                await user.send(
                    "You have not read today yet. A section a day keeps your streak going: "
                    "try /quote or /read section.",
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            except (discord.Forbidden, discord.NotFound, discord.HTTPException):
                log.info("reminder DM to %s failed; reminder turned off", member.user_id)
                await store.reminder_failed(self.bot.db, member.user_id, now=now)
                continue
            await store.reminder_done(self.bot.db, member, now)

    @reminders.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()


def _now() -> datetime:
    return datetime.now(UTC)


def add_me_commands(bot: ManifestoBot) -> None:
    """Add timezone, privacy and reminder to the ``/me`` group (created by the me cog)."""
    group = bot.tree.get_command("me")
    if not isinstance(group, app_commands.Group):
        group = app_commands.Group(name="me", description="Your own data")
        bot.tree.add_command(group)

    @app_commands.command(name="timezone", description="Your time zone for streak days.")
    @app_commands.describe(zone="An IANA zone such as Europe/Paris (empty: the server's zone)")
    async def timezone(interaction: discord.Interaction, zone: str | None = None) -> None:
        key = await store.set_timezone(bot.db, interaction.user.id, zone, now=_now())
        text = (
            f"Your streak days now follow **{key}**." if key
            else "Your streak days now follow the server's time zone."
        )
        await interaction.response.send_message(
            text + " Readings already recorded keep their day.", ephemeral=True
        )

    @timezone.autocomplete("zone")
    async def _zones(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [choice(name, name) for name in suggest_timezones(current)]

    @app_commands.command(name="privacy", description="Hide or show yourself on leaderboards.")
    @app_commands.describe(hidden="True: leave leaderboards and keep your streak private")
    async def privacy(interaction: discord.Interaction, hidden: bool) -> None:
        await store.set_private(bot.db, interaction.user.id, hidden, now=_now())
        await interaction.response.send_message(
            "You are now left out of leaderboards and your streak is private; you still see "
            "your own place." if hidden else "You now appear on leaderboards.",
            ephemeral=True,
        )

    @app_commands.command(name="reminder", description="A DM at a local time if you have not read.")
    @app_commands.describe(time="24-hour HH:MM in your time zone, or “off”")
    async def reminder(interaction: discord.Interaction, time: str) -> None:
        if interaction.guild_id is None:
            raise NotInServer()
        minute = parse_minute(time)
        at = await store.set_reminder(
            bot.db, interaction.user.id, interaction.guild_id, minute, now=_now()
        )
        await interaction.response.send_message(
            f"I will DM you at {time.strip()} (next <t:{int(at.timestamp())}:f>) on days you "
            "have not read yet." if at else "Your reading reminder is off.",
            ephemeral=True,
        )

    group.add_command(timezone)
    group.add_command(privacy)
    group.add_command(reminder)
