"""Leaderboard rules: what is ranked, over which period, and how ties share a place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from bot import i18n
from bot.i18n import N_
from bot.plural import count_text

Kind = Literal["streak", "sections", "attendance"]
Period = Literal["week", "month", "all"]
KINDS: Final[dict[Kind, str]] = {
    "streak": N_("Longest current streaks"),
    "sections": N_("Sections read"),
    "attendance": N_("Meeting attendance"),
}
"""Board titles, marked for the catalogs: pass them through ``_`` where they are shown."""
PERIODS: Final[dict[Period, str]] = {
    "week": N_("this week"),
    "month": N_("this month"),
    "all": N_("all time"),
}
PER_PAGE: Final = 10


def period_start(period: Period, today: date) -> date | None:
    """First day of the period in the server's calendar (weeks start on Monday); None: all time.

    A streak leaderboard over a period lists the current streaks of members who had a streak day
    in it: a streak is ongoing, so the period says who is in the race, not how it is counted.
    """
    if period == "week":
        return today - timedelta(days=today.weekday())
    if period == "month":
        return today.replace(day=1)
    return None


@dataclass(frozen=True, slots=True)
class Entry:
    """One ranked member. ``value`` is a streak, a count of sections, or an attendance rate."""

    rank: int
    user_id: int
    value: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Board:
    """One page of a leaderboard, as storage answers it and the message shows it."""

    kind: Kind
    period: Period
    page: int
    total: int
    entries: list[Entry]
    own: Entry | None
    """The viewer's own place (shown even when they opted out or are off this page)."""


def competition_ranks(values: Sequence[float], *, offset: int, above_first: int) -> list[int]:
    """Ranks of one page of values sorted best first, ties sharing a place ("1, 2, 2, 4").

    ``above_first`` is how many members in the whole board have a strictly better value than the
    page's first entry, so a page that starts inside a tie shows the tie's shared place.
    """
    ranks: list[int] = []
    for i, value in enumerate(values):
        if i == 0:
            ranks.append(above_first + 1)
        elif value == values[i - 1]:
            ranks.append(ranks[-1])
        else:
            ranks.append(offset + i + 1)
    return ranks


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int = PER_PAGE) -> int:
    """Pages are 0-based; a stale button pointing past the end lands on the last page."""
    return min(max(page, 0), page_count(total, per_page) - 1)


def format_value(kind: Kind, value: float, unit: str = "day") -> str:
    if kind == "attendance":
        return i18n.percent(value)
    count = int(value)
    if kind == "streak":
        return streak_count(count, unit)
    return count_text(count, "{n} section", "{n} sections")


def streak_count(value: int, unit: str) -> str:
    """``1 day``, ``2 days``, ``0 weeks``: a streak in its unit."""
    if unit == "week":
        return count_text(value, "{n} week", "{n} weeks")
    return count_text(value, "{n} day", "{n} days")
