"""The confirmation buttons of ``/me forget``; the custom_id names whose data it is."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar, Self

import discord

from bot.i18n import N_, _
from bot.privacy import forget_member, forget_summary
from cogs.ui import AnswerButton, button_view

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

NOT_YOURS = N_("Only the person who asked can confirm this. Use `/me forget` yourself.")


def confirm_view(user_id: int) -> discord.ui.View:
    return button_view(ForgetButton(user_id), KeepButton(user_id))


class _MeAnswer(AnswerButton, template=r"(?!)"):
    """Both buttons of ``/me forget``: custom_id ``me:<action>:<user>``."""

    refusal = NOT_YOURS
    action: ClassVar[str]
    label: ClassVar[str]
    style: ClassVar[discord.ButtonStyle]

    def __init__(self, user_id: int) -> None:
        super().__init__(user_id, f"me:{self.action}:{user_id}", _(self.label), self.style)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(int(match["user"]))


class ForgetButton(_MeAnswer, template=r"me:forget:(?P<user>\d+)"):
    action, label, style = "forget", N_("Delete my data"), discord.ButtonStyle.danger

    async def pressed(self, interaction: discord.Interaction) -> None:
        bot: ManifestoBot = interaction.client  # type: ignore[assignment]
        counts = await forget_member(bot.db, self.user_id)
        await interaction.response.edit_message(content=forget_summary(counts), view=None)


class KeepButton(_MeAnswer, template=r"me:keep:(?P<user>\d+)"):
    action, label, style = "keep", N_("Cancel"), discord.ButtonStyle.secondary

    async def pressed(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content=_("Nothing was deleted."), view=None)
