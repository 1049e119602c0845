"""Every sentence and embed the reading and streak commands show, as plain strings and EmbedSpecs.

The wording lives here rather than in the cogs so that unit tests read exactly what a member reads
(pluralisation, escaping of names and headings, the heatmap's caption) without Discord; the cogs
only copy these into messages. Names and headings are escaped here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from bot.plural import count_text, ngettext
from bot.render import EmbedField, EmbedSpec, fit
from bot.streaks.heatmap import HeatmapGrid
from bot.streaks.leaderboard import KINDS, PERIODS, Board, format_value, page_count, streak_count
from bot.streaks.progress import Progress, progress_bar
from bot.streaks.rules import Streak
from bot.text import escape_markdown

STREAK_COLOUR: Final = 0x26A641
"""The heatmap's middle green, so the embed and its picture belong together."""

HEATMAP_FILENAME: Final = "heatmap.png"

REMINDER_DM: Final = (
    "You have not read today yet. A section a day keeps your streak going: "
    "try /quote or /read section."
)
REMINDER_OFF_NOTICE: Final = (
    "Your daily reading reminder is off: I could not send you a direct message. "
    "Allow DMs from this server's members, then set it again with /me reminder."
)


def count_of(value: int, unit: str) -> str:
    """``1 day``, ``2 days``, ``0 weeks``."""
    return streak_count(value, unit)


# --- recording reading ----------------------------------------------------------------------------


def recorded_text(heading: str, streak: Streak, *, new: bool) -> str:
    """The private answer to a "Mark as read" press or ``/read section``."""
    where = escape_markdown(heading)
    days = count_of(streak.current, streak.unit)
    if not new:
        return f"You already marked “{where}” as read today. Your streak: **{days}**."
    return f"Marked “{where}” as read. Your streak: **{days}**."


def undone_text(ref: str, read_on: date) -> str:
    return f"Removed your reading of `{ref}` ({read_on.isoformat()})."


def progress_embed(items: Sequence[Progress]) -> EmbedSpec:
    """Sections read out of all, one block per text, each with its bar."""
    blocks = [
        f"**{escape_markdown(item.title)}**\n"
        f"`{progress_bar(item.read, item.total)}` {item.read}/{item.total} "
        f"{ngettext('section', 'sections', item.total)} "
        f"({item.fraction:.0%})"
        for item in items
    ]
    return fit(
        EmbedSpec(
            title="Your reading progress",
            description="\n\n".join(blocks),
            footer="A section counts once you mark it, or any passage of it, as read.",
            colour=STREAK_COLOUR,
        )
    )


# --- /streak --------------------------------------------------------------------------------------


def streak_embed(
    name: str, streak: Streak, last_read_at: datetime | None, zone: str, grid: HeatmapGrid
) -> EmbedSpec:
    """Current and longest streak, last reading, and the caption of the heatmap image below."""
    last = f"<t:{int(last_read_at.timestamp())}:R>" if last_read_at is not None else "none yet"
    return fit(
        EmbedSpec(
            title=f"{escape_markdown(name)}'s reading streak",
            footer=f"Last {count_text(len(grid.cells), 'week', 'weeks')} in {zone}: "
            f"{count_text(grid.active_days, 'day', 'days')}, "
            f"{count_text(grid.total, 'reading', 'readings')}",
            colour=STREAK_COLOUR,
            fields=(
                EmbedField("Current", count_of(streak.current, streak.unit), inline=True),
                EmbedField("Longest", count_of(streak.longest, streak.unit), inline=True),
                EmbedField("Last reading", last, inline=True),
            ),
        )
    )


def private_streak_text(name: str) -> str:
    """What another member sees of a member who opted out: only that it is private."""
    return f"{escape_markdown(name)} keeps their streak private."


# --- /leaderboard ---------------------------------------------------------------------------------


def leaderboard_embed(board: Board, unit: str) -> EmbedSpec:
    """One page; members appear as mentions (the message never pings) and the viewer's place."""
    lines = [
        f"**{entry.rank}.** <@{entry.user_id}> — {format_value(board.kind, entry.value, unit)}"
        + (f" ({entry.detail})" if entry.detail else "")
        for entry in board.entries
    ]
    fields: tuple[EmbedField, ...] = ()
    if board.own is not None:
        value = format_value(board.kind, board.own.value, unit)
        fields = (EmbedField("You", f"place {board.own.rank} — {value}", inline=True),)
    return fit(
        EmbedSpec(
            title=f"{KINDS[board.kind]} — {PERIODS[board.period]}",
            description="\n".join(lines) or "Nobody is on this board yet.",
            footer=f"Page {board.page + 1} of {page_count(board.total)} · "
            "members who opted out are hidden",
            colour=STREAK_COLOUR,
            fields=fields,
        )
    )


# --- /me timezone, privacy, reminder --------------------------------------------------------------


def timezone_text(key: str | None) -> str:
    where = f"**{key}**" if key else "the server's time zone"
    return f"Your streak days now follow {where}. Readings already recorded keep their day."


def privacy_text(hidden: bool) -> str:
    if hidden:
        return (
            "You are now left out of leaderboards and your streak is private; you still see "
            "your own place."
        )
    return "You now appear on leaderboards and others can see your streak."


def reminder_text(minute: int | None, at: datetime | None) -> str:
    """The answer to ``/me reminder``: when the next DM may come, or that it is off."""
    if minute is None or at is None:
        return "Your reading reminder is off."
    return (
        f"I will DM you at {minute // 60:02d}:{minute % 60:02d} your time "
        f"(next <t:{int(at.timestamp())}:f>) on days you have not read yet."
    )
