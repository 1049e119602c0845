"""``/read section``, ``/read undo`` and ``/progress``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import BotError
from bot.storage import streaks as store
from bot.storage.reading_log import undo_last_reading
from bot.streaks.progress import find_section, progress_bar, progress_of, section_choices
from cogs.reading.views import NotInServer, record_passage
from cogs.transformers import AUTOCOMPLETE_LIMIT, DocumentOption, choice, library_of

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


class NothingToUndo(BotError):
    def __init__(self) -> None:
        super().__init__("There is no reading of yours on this server to undo.")


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
            choice(label, ref)
            for label, ref in section_choices(library_of(interaction), current)
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
            f"Removed your reading of `{discord.utils.escape_markdown(undone.ref)}` "
            f"({undone.read_on.isoformat()}).",
            ephemeral=True,
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
        lines = []
        for item in progress_of(library, read, document.slug if document else None):
            lines.append(
                f"**{discord.utils.escape_markdown(item.title)}**\n"
                f"`{progress_bar(item.read, item.total)}` {item.read}/{item.total} sections "
                f"({item.fraction:.0%})"
            )
        embed = discord.Embed(title="Your reading progress", description="\n\n".join(lines))
        embed.set_footer(text="A section counts once you mark it, or any passage of it, as read.")
        await interaction.response.send_message(embed=embed, ephemeral=True)
