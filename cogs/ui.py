"""Buttons that survive restarts and never leave a click unanswered.

Every button is a :class:`discord.ui.DynamicItem` whose custom_id carries what it needs, so a
restart loses nothing. discord.py only logs exceptions raised in a dynamic item's callback, which
would leave the click unanswered; :class:`SafeButton` routes them to the shared error handler.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from cogs.errors import answer_error

CUSTOM_ID_LIMIT = 100


class SafeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?!)"):
    """Base of the bot's buttons: subclasses set ``template`` and implement :meth:`handle`."""

    template_pattern: ClassVar[re.Pattern[str]]

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
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


def checked_custom_id(custom_id: str) -> str:
    """Fail loudly in development rather than let Discord reject a message for a long id."""
    if len(custom_id) > CUSTOM_ID_LIMIT:
        raise ValueError(f"custom_id longer than {CUSTOM_ID_LIMIT} characters: {custom_id!r}")
    return custom_id
