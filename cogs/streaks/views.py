"""The leaderboard message and its Previous / Next buttons (the custom_id says it all)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Self, cast

import discord

from bot.i18n import _
from bot.storage import streaks as store
from bot.streaks.leaderboard import Kind, Period, page_count
from bot.streaks.render import leaderboard_embed
from cogs.render import to_embed
from cogs.ui import SafeButton, button_view, checked_custom_id


async def board_message(
    db: Any, guild_id: int, viewer_id: int, kind: Kind, period: Period, page: int
) -> tuple[discord.Embed, discord.ui.View]:
    rules, _ = await store.streak_rules(db, guild_id)
    board = await store.leaderboard(
        db, guild_id, kind, period, now=datetime.now(UTC), viewer_id=viewer_id, page=page
    )
    embed = to_embed(leaderboard_embed(board, rules.unit))
    pages = page_count(board.total)
    return embed, button_view(
        BoardPageButton(kind, period, board.page - 1, "p", board.page == 0),
        BoardPageButton(kind, period, board.page + 1, "n", board.page + 1 >= pages),
    )


class BoardPageButton(
    SafeButton,
    template=r"board:(?P<kind>streak|sections|attendance):(?P<period>week|month|all):"
    r"(?P<page>-?\d+):(?P<label>p|n)",
):
    """Turns the leaderboard page; the presser sees the page with their own place, privately."""

    def __init__(
        self, kind: Kind, period: Period, page: int, direction: str, disabled: bool
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Previous") if direction == "p" else _("Next"),
                style=discord.ButtonStyle.secondary,
                custom_id=checked_custom_id(f"board:{kind}:{period}:{page}:{direction}"),
                disabled=disabled,
            )
        )
        self.kind, self.period, self.page = kind, period, page

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(
            cast(Kind, match["kind"]),
            cast(Period, match["period"]),
            int(match["page"]),
            match["label"],
            False,
        )

    async def handle(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return
        embed, view = await board_message(
            interaction.client.db,  # type: ignore[attr-defined]
            interaction.guild_id,
            interaction.user.id,
            self.kind,
            self.period,
            self.page,
        )
        message = interaction.message
        metadata = message.interaction_metadata if message is not None else None
        if metadata is not None and metadata.user.id == interaction.user.id:
            await interaction.response.edit_message(embed=embed, view=view)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
