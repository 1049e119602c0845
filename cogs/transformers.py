"""Validation at the boundary: options arrive in cogs already turned into core objects."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.library import Library
from bot.library.model import Document

AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_LIMIT = 100


def library_of(interaction: discord.Interaction) -> Library:
    library: Library = interaction.client.library  # type: ignore[attr-defined]
    return library


def web_base_of(interaction: discord.Interaction) -> str | None:
    """The web app's public address when it runs (embed titles link to it), else None."""
    web = interaction.client.settings.web  # type: ignore[attr-defined]
    return None if web is None else str(web.base_url)


def choice(name: str, value: str) -> app_commands.Choice[str]:
    """A choice within Discord's limits (100 characters for the name and the value)."""
    if len(name) > CHOICE_NAME_LIMIT:
        name = name[: CHOICE_NAME_LIMIT - 1] + "…"
    return app_commands.Choice(name=name, value=value[:CHOICE_NAME_LIMIT])


class DocumentTransformer(app_commands.Transformer[discord.Client]):
    """A text of the library by slug, alias or title, autocompleted."""

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Document:
        return library_of(interaction).document(str(value))

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str, /
    ) -> list[app_commands.Choice[str]]:
        text = value.strip().lower()
        return [
            choice(document.title, document.slug)
            for document in library_of(interaction).documents.values()
            if not text or text in document.slug or text in document.title.lower()
        ][:AUTOCOMPLETE_LIMIT]


DocumentOption = app_commands.Transform[Document, DocumentTransformer]
