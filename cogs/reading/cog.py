"""``/read section``, ``/read undo`` and ``/progress``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.storage import streaks as store
from bot.storage.reading_log import undo_last_reading
from bot.streaks.progress import NothingToUndo, find_section, progress_of, section_choices
from bot.streaks.render import progress_embed, undone_text
from cogs.reading.views import NotInServer, record_passage
from cogs.render import to_embed
from cogs.transformers import AUTOCOMPLETE_LIMIT, DocumentOption, choice, library_of

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


class ReadingCog(commands.Cog):
    read = app_commands.Group(name="read", description="Record what you have read")

    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot

    @read.command(name="section", description="Mark a whole section as read today.")
    @app_commands.describe(section="The section (start typing its title)")
    async def read_section(
        self, interaction: discord.Interaction, section: app_commands.Range[str, 1, 200]
    ) -> None:
        found = find_section(library_of(interaction), section)
        answer = await record_passage(interaction, found.ref, "command")
        await interaction.response.send_message(answer, ephemeral=True)

    @read_section.autocomplete("section")
    async def _section_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            choice(label, ref) for label, ref in section_choices(library_of(interaction), current)
        ][:AUTOCOMPLETE_LIMIT]

    @read.command(name="undo", description="Remove the last reading you recorded on this server.")
    async def read_undo(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            raise NotInServer()
        undone = await undo_last_reading(
            self.bot.db, guild_id=interaction.guild_id, user_id=interaction.user.id
        )
        if undone is None:
            raise NothingToUndo()
        await interaction.response.send_message(
            undone_text(undone.ref, undone.read_on), ephemeral=True
        )

    @app_commands.command(name="progress", description="How much of each text you have read.")
    @app_commands.describe(document="Only this text")
    async def progress(
        self, interaction: discord.Interaction, document: DocumentOption | None = None
    ) -> None:
        if interaction.guild_id is None:
            raise NotInServer()
        library = library_of(interaction)
        read = await store.sections_read(self.bot.db, interaction.guild_id, interaction.user.id)
        items = progress_of(library, read, document.slug if document else None)
        await interaction.response.send_message(
            embed=to_embed(progress_embed(items)), ephemeral=True
        )
