"""The confirmation buttons of ``/me forget``; the custom_id names whose data it is."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Self

import discord

from bot.privacy import forget_member
from cogs.ui import SafeButton, checked_custom_id

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

NOT_YOURS = "Only the person who asked can confirm this. Use `/me forget` yourself."


def confirm_view(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(user_id))
    view.add_item(KeepButton(user_id))
    return view


class ForgetButton(SafeButton, template=r"me:forget:(?P<user>\d+)"):
    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete my data",
                style=discord.ButtonStyle.danger,
                custom_id=checked_custom_id(f"me:forget:{user_id}"),
            )
        )
        self.user_id = user_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(int(match["user"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        bot: ManifestoBot = interaction.client  # type: ignore[assignment]
        counts = await forget_member(bot.db, self.user_id)
        total = sum(counts.values())
        detail = ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items() if n)
        await interaction.response.edit_message(
            content=f"Done: {total} rows about you were deleted"
            + (f" ({detail})." if detail else ".")
            + " Anything you do from now on is recorded afresh.",
            view=None,
        )


class KeepButton(SafeButton, template=r"me:keep:(?P<user>\d+)"):
    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel",
                style=discord.ButtonStyle.secondary,
                custom_id=checked_custom_id(f"me:keep:{user_id}"),
            )
        )
        self.user_id = user_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(int(match["user"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await interaction.response.edit_message(content="Nothing was deleted.", view=None)
