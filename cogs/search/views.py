"""The results message: one page of five, Previous / Next, and a Share button per result.

The search itself stays on the bot for :data:`SESSION_SECONDS` under a short id carried by the page
buttons (a 1,000-character query cannot fit in a custom_id); a press after that says it expired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Self

import discord

from bot.i18n import N_, _
from bot.library import Library
from bot.render import RESULTS_PER_PAGE, page_count, search_page_embed
from bot.search import SearchHit
from bot.sessions import SessionStore
from cogs.quote.views import ShareButton
from cogs.render import to_embed
from cogs.transformers import library_of
from cogs.ui import SafeButton, button_view, checked_custom_id

SESSION_SECONDS = 14 * 60
"""Under Discord's 15 minutes, after which the ephemeral message could not be edited anyway."""

EXPIRED = N_("These results have expired. Run /search again to page through them.")
NOT_YOURS = N_("Only the person who searched can turn these pages. Run /search yourself.")


@dataclass(frozen=True, slots=True)
class SearchState:
    query: str
    hits: tuple[SearchHit, ...]


SESSIONS: SessionStore[SearchState] = SessionStore(ttl=SESSION_SECONDS, capacity=2_000)
"""Bounded: past 2,000 searches in the window the oldest say they expired."""


def results_message(
    library: Library, state: SearchState, session_id: str, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    pages = page_count(len(state.hits))
    page = min(max(page, 0), pages - 1)
    embed = to_embed(search_page_embed(library, state.query, state.hits, page))
    buttons: list[discord.ui.Item[Any]] = [
        PageButton(session_id, page - 1, _("Previous"), disabled=page == 0),
        PageButton(session_id, page + 1, _("Next"), disabled=page >= pages - 1),
    ]
    start = page * RESULTS_PER_PAGE
    for number, hit in enumerate(state.hits[start : start + RESULTS_PER_PAGE], start=start + 1):
        share = ShareButton(hit.passage.ref, label=_("Share {number}").format(number=number))
        share.item.row = 1
        buttons.append(share)
    return embed, button_view(*buttons)


class PageButton(SafeButton, template=r"search:(?P<session>[0-9a-f]{8}):(?P<page>-?\d+)"):
    def __init__(self, session_id: str, page: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=checked_custom_id(f"search:{session_id}:{page}"),
                disabled=disabled,
            )
        )
        self.session_id = session_id
        self.page = page

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(match["session"], int(match["page"]), "…")

    async def handle(self, interaction: discord.Interaction) -> None:
        session = SESSIONS.get(self.session_id)
        if session is None:
            await interaction.response.send_message(_(EXPIRED), ephemeral=True)
            return
        if session.owner_id != interaction.user.id:
            await interaction.response.send_message(_(NOT_YOURS), ephemeral=True)
            return
        embed, view = results_message(
            library_of(interaction), session.value, self.session_id, self.page
        )
        await interaction.response.edit_message(embed=embed, view=view)
