"""``/streak``, ``/leaderboard``, ``/me timezone|privacy|reminder`` and the reminder DMs."""

from __future__ import annotations

import asyncio
import contextlib
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import BotError
from bot.i18n import _
from bot.storage import streaks as store
from bot.streaks.heatmap import heatmap_grid, render_heatmap
from bot.streaks.reminders import ReminderLoop, ReminderRefused, parse_minute
from bot.streaks.render import (
    HEATMAP_FILENAME,
    REMINDER_OFF_NOTICE,
    privacy_text,
    private_streak_text,
    reminder_text,
    streak_embed,
    timezone_text,
)
from bot.timezones import suggest_timezones
from cogs.render import to_embed
from cogs.streaks.views import board_message
from cogs.transformers import choice

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


class NotInServer(BotError):
    def __init__(self) -> None:
        super().__init__(_("Streaks are counted per server: use this command in a server."))


class StreaksCog(commands.Cog):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        self.reminders = ReminderLoop(bot.db, self._send_reminder, shards=bot.settings.shards)
        self._reminder_task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._reminder_task = asyncio.create_task(self._run_reminders())

    async def cog_unload(self) -> None:
        if self._reminder_task is not None:
            self._reminder_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reminder_task

    async def _run_reminders(self) -> None:
        await self.bot.wait_until_ready()
        await self.reminders.run()

    async def _send_reminder(self, user_id: int, text: str) -> None:
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(text, allowed_mentions=discord.AllowedMentions.none())
        except (discord.Forbidden, discord.NotFound) as error:
            raise ReminderRefused(str(error)) from error

    @app_commands.command(name="streak", description="Your reading streak (or a member's).")
    @app_commands.describe(member="Whose streak to show (yours if left empty)")
    async def streak(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        if interaction.guild_id is None:
            raise NotInServer()
        target = member or interaction.user
        own = target.id == interaction.user.id
        private = (await store.get_member_settings(self.bot.db, target.id)).private
        if not own and private:
            await interaction.response.send_message(
                private_streak_text(target.display_name), ephemeral=True
            )
            return
        # Only a member's own streak, and only if they did not keep it private, is shown to all.
        hidden = not own or private
        await interaction.response.defer(ephemeral=hidden)
        figures = await store.member_streak(self.bot.db, interaction.guild_id, target.id, _now())
        grid = heatmap_grid(figures.counts, figures.today)
        png = await asyncio.to_thread(render_heatmap, grid)
        spec = streak_embed(
            target.display_name, figures.streak, figures.last_read_at, figures.zone.key, grid
        )
        embed = to_embed(spec).set_image(url=f"attachment://{HEATMAP_FILENAME}")
        await interaction.followup.send(
            embed=embed,
            file=discord.File(io.BytesIO(png), filename=HEATMAP_FILENAME),
            ephemeral=hidden,
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
            await interaction.followup.send(_(REMINDER_OFF_NOTICE), ephemeral=True)


def _now() -> datetime:
    return datetime.now(UTC)


def wake_reminders(bot: ManifestoBot) -> None:
    cog = bot.get_cog("StreaksCog")
    if isinstance(cog, StreaksCog):
        cog.reminders.wake()


def add_me_commands(bot: ManifestoBot) -> None:
    """Add timezone, privacy and reminder to the ``/me`` group (created by the me cog)."""
    group = bot.tree.get_command("me")
    if not isinstance(group, app_commands.Group):
        group = app_commands.Group(name="me", description="Your own data")
        bot.tree.add_command(group)
    for command in loose_commands(bot):
        group.add_command(command)


def loose_commands(bot: ManifestoBot) -> list[app_commands.Command[Any, ..., Any]]:
    """``/me timezone``, ``privacy`` and ``reminder``: commands of another cog's group, so not
    attributes of a cog class; the catalogs' extraction reads them from here (``bot`` is only
    used when one runs)."""

    @app_commands.command(name="timezone", description="Your time zone for streak days.")
    @app_commands.describe(zone="An IANA zone such as Europe/Paris (empty: the server's zone)")
    async def timezone(interaction: discord.Interaction, zone: str | None = None) -> None:
        key = await store.set_timezone(bot.db, interaction.user.id, zone, now=_now())
        wake_reminders(bot)
        await interaction.response.send_message(timezone_text(key), ephemeral=True)

    @timezone.autocomplete("zone")
    async def _zones(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [choice(name, name) for name in suggest_timezones(current)]

    @app_commands.command(name="privacy", description="Hide or show yourself on leaderboards.")
    @app_commands.describe(hidden="True: leave leaderboards and keep your streak private")
    async def privacy(interaction: discord.Interaction, hidden: bool) -> None:
        await store.set_private(bot.db, interaction.user.id, hidden, now=_now())
        await interaction.response.send_message(privacy_text(hidden), ephemeral=True)

    @app_commands.command(name="reminder", description="A DM at a local time if you have not read.")
    @app_commands.describe(time="24-hour HH:MM in your time zone, or “off”")
    async def reminder(interaction: discord.Interaction, time: str) -> None:
        if interaction.guild_id is None:
            raise NotInServer()
        minute = parse_minute(time)
        at = await store.set_reminder(
            bot.db,
            interaction.user.id,
            interaction.guild_id,
            minute,
            now=_now(),
            locale=interaction.locale.value,
        )
        wake_reminders(bot)
        await interaction.response.send_message(reminder_text(minute, at), ephemeral=True)

    return [timezone, privacy, reminder]
