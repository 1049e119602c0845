"""``/search``: ranked, typo-tolerant search, answered privately with pages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import _
from bot.text import escape_markdown, truncate
from cogs.search.views import SESSIONS, SearchState, results_message
from cogs.transformers import DocumentOption

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

MAX_RESULTS = 25
"""Five pages: enough to browse, and bounded so kept searches stay small."""


class SearchCog(commands.Cog):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot

    @app_commands.command(name="search", description="Search the texts (typos are forgiven).")
    @app_commands.describe(query="Words, a phrase or an idea", document="Only this text")
    async def search(
        self,
        interaction: discord.Interaction,
        query: app_commands.Range[str, 1, 1000],
        document: DocumentOption | None = None,
    ) -> None:
        slug = document.slug if document is not None else None
        engine = self.bot.search_engine
        # A long query takes several milliseconds (more on a large library or a busy machine):
        # in a thread, it never holds up the other interactions on the event loop.
        hits = await asyncio.to_thread(engine.search, query, slug, MAX_RESULTS)
        if not hits:
            suggestions = await asyncio.to_thread(engine.suggest, query)
            shown = escape_markdown(truncate(query, 100))
            if suggestions:
                terms = ", ".join(f"**{escape_markdown(s)}**" for s in suggestions)
                answer = _("No passage matches “{query}”. Closest terms in the texts: {terms}.")
                answer = answer.format(query=shown, terms=terms)
            else:
                answer = _("No passage matches “{query}”. Try fewer or different words.")
                answer = answer.format(query=shown)
            await interaction.response.send_message(answer, ephemeral=True)
            return
        state = SearchState(query=query, hits=tuple(hits))
        session_id = SESSIONS.put(interaction.user.id, state)
        embed, view = results_message(self.bot.library, state, session_id, 0)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
