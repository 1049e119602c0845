"""``/quote``: a passage by reference, at random, or the server's quote of the day."""

from __future__ import annotations

import datetime
import random
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import _
from cogs.quote.views import passage_message
from cogs.transformers import AUTOCOMPLETE_LIMIT, DocumentOption, choice, library_of, web_base_of

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


class QuoteCog(commands.Cog):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        self.rng = random.Random()

    @app_commands.command(
        name="quote", description="Show a passage: by reference, at random, or today's."
    )
    @app_commands.describe(
        reference="A passage or section, e.g. “anti-ai immediate 3” or “tc III” (autocompleted)",
        document="Only this text (for a random quote or today's)",
        today="Show the server's quote of the day instead",
        private="Only you see the answer",
    )
    async def quote(
        self,
        interaction: discord.Interaction,
        reference: app_commands.Range[str, 1, 200] | None = None,
        document: DocumentOption | None = None,
        today: bool = False,
        private: bool = False,
    ) -> None:
        library = self.bot.library
        slug = document.slug if document is not None else None
        heading = ""
        if reference is not None:
            passage = library.resolve(reference, document=slug)
        elif today:
            key = interaction.guild_id or interaction.user.id
            day = discord.utils.utcnow().date()
            passage = library.daily_paragraph(key, day, document=slug)
            heading = _("**Quote of the day** · {date}").format(
                date=discord.utils.format_dt(_midnight(day), "D")
            )
        else:
            passage = library.random_paragraph(self.rng, document=slug)
        embed, view = passage_message(
            library, passage, heading=heading, web_base=web_base_of(interaction)
        )
        await interaction.response.send_message(embed=embed, view=view, ephemeral=private)

    @quote.autocomplete("reference")
    async def reference_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        document = getattr(interaction.namespace, "document", None)
        library = library_of(interaction)
        slug = None
        if isinstance(document, str) and document in library.documents:
            slug = document
        return [
            choice(label, value)
            for label, value in library.complete(current, document=slug, limit=AUTOCOMPLETE_LIMIT)
        ]


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
