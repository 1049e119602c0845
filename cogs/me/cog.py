"""``/me export`` and ``/me forget``: a member's own data, through :mod:`bot.privacy`.

Both cover every area registered in ``bot.privacy.MEMBER_DATA``, so features that add data are
included without touching this cog.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.plural import count_text
from bot.privacy import export_member
from cogs.me.views import confirm_view

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


class MeCog(commands.GroupCog, group_name="me", group_description="Your own data"):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="export", description="Download every row the bot keeps about you.")
    async def export(self, interaction: discord.Interaction) -> None:
        user_id = interaction.user.id
        data = await export_member(self.bot.db, user_id)
        payload = {
            "user_id": user_id,
            "exported_at": datetime.now(UTC).isoformat(),
            "data": data,
        }
        body = json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode()
        rows = sum(len(v) for v in data.values())
        await interaction.response.send_message(
            f"Everything the bot keeps about you: {count_text(rows, 'row', 'rows')}.",
            file=discord.File(io.BytesIO(body), filename=f"my-data-{user_id}.json"),
            ephemeral=True,
        )

    @app_commands.command(name="forget", description="Delete every row the bot keeps about you.")
    async def forget(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "This deletes your attendance, streaks, reading log and every other row about you, "
            "on every server, and cannot be undone. Moderators' corrections you made stay, "
            "unsigned. Are you sure?",
            view=confirm_view(interaction.user.id),
            ephemeral=True,
        )
