"""The passage message: the embed and its Previous / Next / More like this buttons, and the
search's Share button."""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from bot.i18n import _
from bot.library import Library
from bot.library.model import Passage
from bot.render import passage_embed, similar_embed
from bot.search import SearchEngine
from cogs.reading.views import mark_as_read_button
from cogs.render import to_embed
from cogs.transformers import library_of, web_base_of
from cogs.ui import SafeButton, button_view, checked_custom_id


def passage_message(
    library: Library, passage: Passage, *, heading: str = "", web_base: str | None = None
) -> tuple[discord.Embed, discord.ui.View]:
    """The embed and buttons for one passage, as ``/quote`` and the Share button post it."""
    previous, following = library.neighbours(passage)
    # A disabled button still needs a custom_id unique within the message: name the current passage.
    buttons: list[discord.ui.Item[Any]] = [
        NavigateButton("prev", (previous or passage).ref, disabled=previous is None),
        NavigateButton("next", (following or passage).ref, disabled=following is None),
    ]
    if not passage.is_note:
        buttons.append(mark_as_read_button(passage.ref))
    buttons.append(SimilarButton(passage.ref))
    spec = passage_embed(library, passage, heading=heading, web_base=web_base)
    return to_embed(spec), button_view(*buttons)


class NavigateButton(SafeButton, template=r"quote:(?P<direction>prev|next):(?P<ref>\S+)"):
    """Previous / Next paragraph. The custom_id names the passage to show.

    The person who asked for the passage pages the message in place; anyone else who presses
    gets the neighbouring passage privately, so one reader cannot turn the page under the others.
    """

    def __init__(self, direction: str, ref: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Previous") if direction == "prev" else _("Next"),
                style=discord.ButtonStyle.secondary,
                custom_id=checked_custom_id(f"quote:{direction}:{ref}"),
                disabled=disabled,
            )
        )
        self.ref = ref

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(match["direction"], match["ref"])

    async def handle(self, interaction: discord.Interaction) -> None:
        library = library_of(interaction)
        embed, view = passage_message(
            library, library.get(self.ref), web_base=web_base_of(interaction)
        )
        message = interaction.message
        metadata = message.interaction_metadata if message is not None else None
        if metadata is not None and metadata.user.id == interaction.user.id:
            await interaction.response.edit_message(embed=embed, view=view)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


class ShareButton(SafeButton, template=r"quote:share:(?P<ref>\S+)"):
    """Posts a search result to the channel as a ``/quote`` message."""

    def __init__(self, ref: str, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or _("Share"),
                style=discord.ButtonStyle.primary,
                custom_id=checked_custom_id(f"quote:share:{ref}"),
            )
        )
        self.ref = ref

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(match["ref"])

    async def handle(self, interaction: discord.Interaction) -> None:
        library = library_of(interaction)
        passage = library.get(self.ref)
        embed, view = passage_message(library, passage, web_base=web_base_of(interaction))
        await interaction.response.send_message(
            _("Shared by {member}").format(member=interaction.user.mention), embed=embed, view=view
        )


class SimilarButton(SafeButton, template=r"quote:similar:(?P<ref>\S+)"):
    """More like this: the passages closest in meaning to this one, from every text, shown only
    to the member who asked (each with a Share button), so the shared message stays as it is."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("More like this"),
                style=discord.ButtonStyle.secondary,
                custom_id=checked_custom_id(f"quote:similar:{ref}"),
            )
        )
        self.ref = ref

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(match["ref"])

    async def handle(self, interaction: discord.Interaction) -> None:
        library = library_of(interaction)
        passage = library.get(self.ref)
        engine: SearchEngine = interaction.client.search_engine  # type: ignore[attr-defined]
        hits = engine.similar(passage.ref)
        buttons: list[discord.ui.Item[Any]] = []
        for number, hit in enumerate(hits, start=1):
            buttons.append(
                ShareButton(hit.passage.ref, label=_("Share {number}").format(number=number))
            )
        embed = to_embed(similar_embed(library, passage, hits))
        if buttons:
            await interaction.response.send_message(
                embed=embed, view=button_view(*buttons), ephemeral=True
            )
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
