"""The "Mark as read" button other messages (``/quote`` embeds, reading-plan posts) carry."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

import discord

from bot.errors import BotError
from bot.i18n import _
from bot.library.model import Footnote
from bot.storage import streaks as store
from bot.storage.reading_log import ReadingSource, record_reading
from bot.streaks.render import recorded_text
from cogs.language import remember_member_locale
from cogs.transformers import library_of
from cogs.ui import SafeButton, checked_custom_id


class NotInServer(BotError):
    def __init__(self) -> None:
        super().__init__(_("Reading is recorded per server: use this in a server, not in DMs."))


async def record_passage(interaction: discord.Interaction, ref: str, source: ReadingSource) -> str:
    """Record the passage (or whole section) at ``ref`` for the member; the sentence to answer."""
    if interaction.guild_id is None:
        raise NotInServer()
    library = library_of(interaction)
    passage = library.get(ref)  # raises UnknownReference with suggestions: nothing recorded
    section = library.section_of(passage)
    db = interaction.client.db  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    user_id = interaction.user.id
    today = await store.member_today(db, interaction.guild_id, user_id, now)
    document = passage.document
    section_slug = "note" if isinstance(passage, Footnote) else section.slug
    new = await record_reading(
        db,
        guild_id=interaction.guild_id,
        user_id=user_id,
        document=document,
        section=section_slug,
        ref=ref,
        read_on=today,
        source=source,
        now=now,
    )
    await remember_member_locale(interaction.client, interaction)
    figures = await store.member_streak(db, interaction.guild_id, user_id, now)
    return recorded_text(section.heading, figures.streak, new=new)


class ReadButton(SafeButton, template=r"(?!)"):
    """A "Mark as read" button: the custom_id is ``<prefix>:<ref>``, the passage it records.

    Subclasses (this module's and reading-plan posts') set ``template``, ``prefix`` and how the
    reading is recorded.
    """

    prefix: ClassVar[str]

    def __init__(self, ref: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Mark as read"),
                style=discord.ButtonStyle.success,
                custom_id=checked_custom_id(f"{self.prefix}:{ref}"),
            )
        )
        self.ref = ref

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(match["ref"])


class MarkReadButton(ReadButton, template=r"read:mark:(?P<ref>\S+)"):
    """Marks the passage named in its custom_id as read by whoever presses it (privately)."""

    prefix = "read:mark"

    async def handle(self, interaction: discord.Interaction) -> None:
        answer = await record_passage(interaction, self.ref, "quote")
        await interaction.response.send_message(answer, ephemeral=True)


def mark_as_read_button(ref: str) -> discord.ui.Item[Any]:
    """The button the quote cog (and reading-plan posts) add to a passage message."""
    return MarkReadButton(ref)
