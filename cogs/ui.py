"""Buttons that survive restarts and never leave a click unanswered.

Every button is a :class:`discord.ui.DynamicItem` whose custom_id carries what it needs, so a
restart loses nothing. discord.py only logs exceptions raised in a dynamic item's callback, which
would leave the click unanswered; :class:`SafeButton` routes them to the shared error handler.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from bot import i18n
from bot.i18n import _
from cogs.errors import answer_error
from cogs.language import language_of

CUSTOM_ID_LIMIT = 100


class SafeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """Base of the bot's buttons: subclasses set ``template`` and implement :meth:`handle`."""

    template_pattern: ClassVar[re.Pattern[str]]

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        i18n.set_language(language_of(interaction))
        try:
            await self.handle(interaction)
        except Exception as error:
            await answer_error(interaction, error)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls.from_match(match)

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        raise NotImplementedError


class AnswerButton(SafeButton, template=r"(?!)"):
    """A confirm or cancel button of a question put to one member: only they may press it.

    The asker's id is part of the custom_id, so the check still holds after a restart. Subclasses
    set ``template`` and ``refusal``, may narrow :meth:`may_press`, and implement :meth:`pressed`.
    """

    refusal: ClassVar[str]

    def __init__(
        self, user_id: int, custom_id: str, label: str, style: discord.ButtonStyle
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=checked_custom_id(custom_id))
        )
        self.user_id = user_id

    async def may_press(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.user_id

    async def pressed(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def handle(self, interaction: discord.Interaction) -> None:
        if not await self.may_press(interaction):
            await interaction.response.send_message(_(self.refusal), ephemeral=True)
            return
        await self.pressed(interaction)


def checked_custom_id(custom_id: str) -> str:
    """Fail loudly in development rather than let Discord reject a message for a long id."""
    if len(custom_id) > CUSTOM_ID_LIMIT:
        raise ValueError(f"custom_id longer than {CUSTOM_ID_LIMIT} characters: {custom_id!r}")
    return custom_id


def button_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of the bot's buttons, to send; discord.py does not keep it afterwards.

    Every button is a :class:`SafeButton`, found again by its custom_id when pressed, so nothing
    needs the View object once it is sent. discord.py keeps any unfinished view it sends, with a
    timer, for its timeout (15 minutes for an ephemeral message): each /search kept its page of
    buttons alive that long (bench/e2e.py's memory figure grew with every search). A stopped view
    is sent just the same and then dropped.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view
