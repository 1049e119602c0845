"""The "I'm here" button and the Previous / Next buttons of attendance reports.

Both are stateless: the check-in button's custom_id names the meeting, and a report page button
names the report and the page, so they keep working after a restart.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Self

import discord

from bot.i18n import _
from bot.meetings.render import check_in_answer
from bot.storage import meetings as store
from bot.storage.database import Database
from cogs.ui import SafeButton, button_view, checked_custom_id

if TYPE_CHECKING:
    from cogs.client import ManifestoBot


def _bot(interaction: discord.Interaction) -> ManifestoBot:
    return interaction.client  # type: ignore[return-value]


_BATCHERS: weakref.WeakKeyDictionary[Database, store.CheckInBatcher] = weakref.WeakKeyDictionary()


def _batcher(db: Database) -> store.CheckInBatcher:
    batcher = _BATCHERS.get(db)
    if batcher is None:
        batcher = _BATCHERS[db] = store.CheckInBatcher(db)
    return batcher


async def check_in_reply(interaction: discord.Interaction, meeting_id: int) -> None:
    """Record the check-in, and only once it is committed tell the member it worked.

    Clicks arriving together share one commit (:class:`bot.storage.meetings.CheckInBatcher`), so
    a crowd at the start of a meeting is answered quickly, each only after its row is on disk.
    """
    if interaction.guild_id is None:
        await interaction.response.send_message(_("Check-ins work in a server."), ephemeral=True)
        return
    db = _bot(interaction).db
    outcome, meeting = await _batcher(db).check_in_to(
        interaction.guild_id, meeting_id, interaction.user.id, at=discord.utils.utcnow()
    )
    await interaction.response.send_message(check_in_answer(outcome, meeting), ephemeral=True)


class HereButton(SafeButton, template=r"meeting:here:(?P<meeting>\d+)"):
    def __init__(self, meeting_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("I'm here"),
                style=discord.ButtonStyle.success,
                custom_id=checked_custom_id(f"meeting:here:{meeting_id}"),
                disabled=disabled,
            )
        )
        self.meeting_id = meeting_id

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(int(match["meeting"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        await check_in_reply(interaction, self.meeting_id)


def here_view(meeting_id: int, *, ended: bool = False) -> discord.ui.View:
    return button_view(HereButton(meeting_id, disabled=ended))


# Report keys: "m<id>" a meeting, "u<id>" a member, "s<from>.<to>" a summary (dates or "-").
_REPORT = r"(?P<key>m\d+|u\d+|s[0-9-]{1,10}\.[0-9-]{1,10})"


class ReportPageButton(SafeButton, template=rf"att:{_REPORT}:(?P<page>-?\d+)"):
    """Turns the page of an attendance report by rebuilding it from the key in the custom_id."""

    def __init__(self, key: str, page: int, label: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=checked_custom_id(f"att:{key}:{page}"),
                disabled=disabled,
            )
        )
        self.key = key
        self.page = page

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(match["key"], int(match["page"]), "…")

    async def handle(self, interaction: discord.Interaction) -> None:
        from cogs.meetings.cog import build_report, report_message

        texts = await build_report(interaction, self.key)
        content, view = report_message(self.key, texts, self.page)
        await interaction.response.edit_message(content=content, view=view)
