"""Every sentence and embed the reading and streak commands show, as plain strings and EmbedSpecs.

The wording lives here rather than in the cogs so that unit tests read exactly what a member reads
(pluralisation, escaping of names and headings, the heatmap's caption) without Discord; the cogs
only copy these into messages. Names and headings are escaped here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final

from bot import i18n
from bot.i18n import N_, _
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

REMINDER_DM: Final = N_(
    "You have not read today yet. A section a day keeps your streak going: "
    "try /quote or /read section."
)
REMINDER_OFF_NOTICE: Final = N_(
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
        text = _("You already marked “{section}” as read today. Your streak: **{streak}**.")
        return text.format(section=where, streak=days)
    return _("Marked “{section}” as read. Your streak: **{streak}**.").format(
        section=where, streak=days
    )


def undone_text(ref: str, read_on: date) -> str:
    return _("Removed your reading of `{ref}` ({date}).").format(ref=ref, date=i18n.day(read_on))


def progress_embed(items: Sequence[Progress]) -> EmbedSpec:
    """Sections read out of all, one block per text, each with its bar."""
    blocks = [
        f"**{escape_markdown(item.title)}**\n`{progress_bar(item.read, item.total)}` "
        + ngettext(
            "{read}/{total} section ({percent})", "{read}/{total} sections ({percent})", item.total
        ).format(
            read=i18n.number(item.read),
            total=i18n.number(item.total),
            percent=i18n.percent(item.fraction),
        )
        for item in items
    ]
    return fit(
        EmbedSpec(
            title=_("Your reading progress"),
            description="\n\n".join(blocks),
            footer=_("A section counts once you mark it, or any passage of it, as read."),
            colour=STREAK_COLOUR,
        )
    )


# --- /streak --------------------------------------------------------------------------------------


def streak_embed(
    name: str, streak: Streak, last_read_at: datetime | None, zone: str, grid: HeatmapGrid
) -> EmbedSpec:
    """Current and longest streak, last reading, and the caption of the heatmap image below."""
    last = f"<t:{int(last_read_at.timestamp())}:R>" if last_read_at is not None else _("none yet")
    return fit(
        EmbedSpec(
            title=_("{name}'s reading streak").format(name=escape_markdown(name)),
            footer=_heatmap_caption(len(grid.cells), zone, grid.active_days, grid.total),
            colour=STREAK_COLOUR,
            fields=(
                EmbedField(_("Current"), count_of(streak.current, streak.unit), inline=True),
                EmbedField(_("Longest"), count_of(streak.longest, streak.unit), inline=True),
                EmbedField(_("Last reading"), last, inline=True),
            ),
        )
    )


def private_streak_text(name: str) -> str:
    """What another member sees of a member who opted out: only that it is private."""
    return _("{name} keeps their streak private.").format(name=escape_markdown(name))


# --- /leaderboard ---------------------------------------------------------------------------------


def leaderboard_embed(board: Board, unit: str) -> EmbedSpec:
    """One page; members appear as mentions (the message never pings) and the viewer's place."""
    lines = [
        f"**{entry.rank}.** <@{entry.user_id}> — {format_value(board.kind, entry.value, unit)}"
        + (f" ({entry.detail})" if entry.detail else "")  # a figure, e.g. "3/4"
        for entry in board.entries
    ]
    fields: tuple[EmbedField, ...] = ()
    if board.own is not None:
        value = format_value(board.kind, board.own.value, unit)
        place = _("place {rank} — {value}").format(rank=i18n.number(board.own.rank), value=value)
        fields = (EmbedField(_("You"), place, inline=True),)
    return fit(
        EmbedSpec(
            title=_("{board} — {period}").format(
                board=_(KINDS[board.kind]), period=_(PERIODS[board.period])
            ),
            description="\n".join(lines) or _("Nobody is on this board yet."),
            footer=_("Page {page} of {pages} · members who opted out are hidden").format(
                page=i18n.number(board.page + 1), pages=i18n.number(page_count(board.total))
            ),
            colour=STREAK_COLOUR,
            fields=fields,
        )
    )


# --- /me timezone, privacy, reminder --------------------------------------------------------------


def timezone_text(key: str | None) -> str:
    if key:
        text = _(
            "Your streak days now follow **{zone}**. Readings already recorded keep their day."
        )
        return text.format(zone=key)
    return _(
        "Your streak days now follow the server's time zone. "
        "Readings already recorded keep their day."
    )


def privacy_text(hidden: bool) -> str:
    if hidden:
        return _(
            "You are now left out of leaderboards and your streak is private; you still see "
            "your own place."
        )
    return _("You now appear on leaderboards and others can see your streak.")


def reminder_text(minute: int | None, at: datetime | None) -> str:
    """The answer to ``/me reminder``: when the next DM may come, or that it is off."""
    if minute is None or at is None:
        return _("Your reading reminder is off.")
    return _(
        "I will DM you at {time} your time (next {next}) on days you have not read yet."
    ).format(time=f"{minute // 60:02d}:{minute % 60:02d}", next=f"<t:{int(at.timestamp())}:f>")


def _heatmap_caption(weeks: int, zone: str, days: int, readings: int) -> str:
    # Three counts in one sentence: each plural is the catalog's, the sentence is one message.
    return _("Last {weeks} in {zone}: {days}, {readings}").format(
        weeks=count_text(weeks, "{n} week", "{n} weeks"),
        zone=zone,
        days=count_text(days, "{n} day", "{n} days"),
        readings=count_text(readings, "{n} reading", "{n} readings"),
    )
