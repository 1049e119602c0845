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

from bot.i18n import _
from bot.plural import count_text
from bot.privacy import FORGET_WARNING, export_document, export_filename
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
        body = await export_document(self.bot.db, user_id, datetime.now(UTC))
        rows = sum(len(v) for v in json.loads(body)["data"].values())
        await interaction.response.send_message(
            count_text(
                rows,
                "Everything the bot keeps about you: {n} row.",
                "Everything the bot keeps about you: {n} rows.",
            ),
            file=discord.File(io.BytesIO(body), filename=export_filename(user_id)),
            ephemeral=True,
        )

    @app_commands.command(name="forget", description="Delete every row the bot keeps about you.")
    async def forget(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            _("{warning} Are you sure?").format(warning=_(FORGET_WARNING)),
            view=confirm_view(interaction.user.id),
            ephemeral=True,
        )
