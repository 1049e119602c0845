"""Prompt buttons: Mark as read on reading posts, list paging, and remove confirmation.

All are stateless :class:`cogs.ui.SafeButton` items whose custom_id carries what they need, so a
post from months ago still records readings after any number of restarts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self

import discord
from babel.dates import format_date

from bot import i18n
from bot.actions.prompts import remove_prompt
from bot.i18n import N_, _
from bot.storage.reading_log import record_reading
from bot.storage.streaks import member_today
from cogs.checks import NOT_A_MODERATOR, actor_of, is_moderator
from cogs.reading.views import ReadButton
from cogs.ui import AnswerButton, SafeButton, checked_custom_id

if TYPE_CHECKING:
    from cogs.prompts.cog import PromptCog


def prompt_cog(interaction: discord.Interaction) -> PromptCog:
    cog = interaction.client.get_cog("PromptCog")  # type: ignore[attr-defined]
    assert cog is not None
    return cog  # type: ignore[no-any-return]


class MarkReadButton(ReadButton, template=r"prompt:read:(?P<ref>\S+)"):
    """Records the post's passage (a section or a run of paragraphs) as read by whoever clicks."""

    prefix = "prompt:read"

    async def handle(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            await interaction.response.send_message(
                _("Readings count in a server."), ephemeral=True
            )
            return
        cog = prompt_cog(interaction)
        now = datetime.now(UTC)
        # The member's own calendar day, as streaks count it (their zone, else the server's).
        day = await member_today(cog.bot.db, interaction.guild_id, interaction.user.id, now)
        document, section = [*self.ref.split(":"), ""][:2]
        added = await record_reading(
            cog.bot.db,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            document=document,
            section=section,
            ref=self.ref,
            read_on=day,
            source="prompt",
            now=now,
        )
        text = (
            _("Marked `{ref}` as read for {day}.").format(
                ref=self.ref, day=format_date(day, "EEEE d MMMM", locale=i18n.babel_locale())
            )
            if added
            else _("You already marked `{ref}` as read today.").format(ref=self.ref)
        )
        await interaction.response.send_message(text, ephemeral=True)


class ListPageButton(SafeButton, template=r"prompt:list:(?P<page>\d+):(?P<label>prev|next)"):
    def __init__(self, page: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Previous") if label == "prev" else _("Next"),
                style=discord.ButtonStyle.secondary,
                custom_id=checked_custom_id(f"prompt:list:{page}:{label}"),
                disabled=disabled,
            )
        )
        self.page = page

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(int(match["page"]), match["label"])

    async def handle(self, interaction: discord.Interaction) -> None:
        if not await is_moderator(interaction):
            await interaction.response.send_message(_(NOT_A_MODERATOR), ephemeral=True)
            return
        text, view = await prompt_cog(interaction).list_message(interaction, self.page)
        await interaction.response.edit_message(content=text, view=view)


class RemoveButton(AnswerButton, template=r"prompt:remove:(?P<id>\d+):(?P<user>\d+)"):
    """Confirms a removal; only the moderator who asked can press it."""

    refusal = N_("Only the moderator who asked can confirm this removal.")

    def __init__(self, schedule_id: int, user_id: int) -> None:
        super().__init__(
            user_id,
            f"prompt:remove:{schedule_id}:{user_id}",
            _("Remove prompt #{id}").format(id=schedule_id),
            discord.ButtonStyle.danger,
        )
        self.schedule_id = schedule_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(int(match["id"]), int(match["user"]))

    async def may_press(self, interaction: discord.Interaction) -> bool:
        return await super().may_press(interaction) and await is_moderator(interaction)

    async def pressed(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        cog = prompt_cog(interaction)
        await remove_prompt(
            cog.bot.db, await actor_of(interaction), self.schedule_id, now=datetime.now(UTC)
        )
        cog.scheduler.wake()
        await interaction.response.edit_message(
            content=_("Prompt #{id} is removed.").format(id=self.schedule_id), view=None
        )
