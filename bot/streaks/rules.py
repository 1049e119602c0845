"""Streak arithmetic: pure functions over calendar days, testable without a clock.

The rules, as members read them in the README:

- A streak day is a calendar day in the member's own time zone on which they recorded a reading
  (and, where the server turns it on, attended a meeting). The day of a reading is fixed when it is
  recorded, so changing time zone later never moves or drops a past reading; a recorded day that
  lies after "today" in a new zone (moving west) counts as today.
- Daily cadence: the current streak is the number of streak days in the longest run of days
  ending today in which no calendar week (Monday to Sunday) has more than ``freezes_per_week``
  missed days. Today is never a miss: until the day is over the member can still read. Forgiven
  missed days keep the streak alive but do not add to it.
- Weekly cadence: the same over calendar weeks (a week counts when it has a streak day); the
  current week is never a miss. Freezes do not apply to weekly streaks.
- The longest streak is the largest such run anywhere in the member's history.

Taking the *longest* valid run (rather than spending freezes greedily from the start) is what makes
the rules monotone: recording one more reading can never shorten a streak.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from bot.errors import BotError

Cadence = Literal["daily", "weekly"]
CADENCES: Final[tuple[Cadence, ...]] = ("daily", "weekly")
MAX_FREEZES: Final = 6
"""A week has seven days; forgiving all of them would make every member's streak endless."""

_ONE_DAY: Final = timedelta(days=1)
_EXPIRY_HORIZON_DAYS: Final = 22
"""Long enough for any rule to change a streak without new readings: two full weeks and a bit."""


class BadStreakSetting(BotError):
    """A streak setting outside what the rules allow."""


@dataclass(frozen=True, slots=True)
class StreakRules:
    """A server's streak rules (from its settings)."""

    cadence: Cadence = "daily"
    freezes_per_week: int = 0

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise BadStreakSetting(f"Streak cadence must be one of: {', '.join(CADENCES)}.")
        if not 0 <= self.freezes_per_week <= MAX_FREEZES:
            raise BadStreakSetting(
                f"Streak freezes must be a number of days from 0 to {MAX_FREEZES} per week."
            )

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> StreakRules:
        return cls(
            cadence=settings.get("streak_cadence", "daily"),
            freezes_per_week=int(settings.get("streak_freezes_per_week", 0)),
        )

    @property
    def unit(self) -> str:
        return "day" if self.cadence == "daily" else "week"


@dataclass(frozen=True, slots=True)
class Streak:
    """``current`` and ``longest`` count days (daily cadence) or weeks (weekly cadence)."""

    current: int
    longest: int
    cadence: Cadence
    last_day: date | None
    active_today: bool

    @property
    def unit(self) -> str:
        return "day" if self.cadence == "daily" else "week"


# --- Days (zone names are validated by bot.timezones) ---------------------------------------------


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar day ``instant`` falls on in ``zone``; naive datetimes are refused as a bug."""
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware (UTC internally)")
    return instant.astimezone(zone).date()


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (DST days are 23 or 25 hours long)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def week_start(day: date) -> date:
    """The Monday of ``day``'s calendar week."""
    return day - timedelta(days=day.weekday())


# --- Streaks --------------------------------------------------------------------------------------


def clamp_days(days: Iterable[date], today: date) -> set[date]:
    """Recorded days as streak days: a day after today (recorded further east) counts as today."""
    return {min(day, today) for day in days}


def compute_streak(days: Iterable[date], today: date, rules: StreakRules) -> Streak:
    """Current and longest streak of a member whose streak days are ``days``, as of ``today``."""
    recorded = list(days)
    last_day = max(recorded) if recorded else None
    active = clamp_days(recorded, today)
    if not active:
        return Streak(0, 0, rules.cadence, None, False)
    if rules.cadence == "weekly":
        current, longest = _weekly(active, today)
    else:
        current, longest = _daily(active, today, rules.freezes_per_week)
    return Streak(current, longest, rules.cadence, last_day, today in active)


def _daily(active: Collection[date], today: date, freezes: int) -> tuple[int, int]:
    end = today if today in active else today - _ONE_DAY
    counts, longest = _daily_scan(active, end, freezes)
    return counts[-1], longest


def _daily_scan(active: Collection[date], last: date, freezes: int) -> tuple[list[int], int]:
    """Sliding window over days up to ``last``: the window is the longest valid run ending at
    each day. Returns the window's streak-day count after each day, and the longest streak."""
    first = min(active)
    left = first
    misses: Counter[date] = Counter()  # week start -> missed days inside the window
    count = 0
    longest = 0
    counts: list[int] = [0]
    day = first
    while day <= last:
        week = week_start(day)
        if day in active:
            count += 1
            longest = max(longest, count)
        else:
            misses[week] += 1
            while misses[week] > freezes:
                if left in active:
                    count -= 1
                else:
                    misses[week_start(left)] -= 1
                left += _ONE_DAY
        counts.append(count)
        day += _ONE_DAY
    return counts, longest


def _weekly(active: Collection[date], today: date) -> tuple[int, int]:
    weeks = sorted({week_start(day) for day in active})
    this_week = week_start(today)
    end = this_week if this_week in weeks else this_week - 7 * _ONE_DAY
    longest = run = 0
    previous: date | None = None
    for week in weeks:
        run = run + 1 if previous is not None and week - previous == 7 * _ONE_DAY else 1
        longest = max(longest, run)
        previous = week
    current = 0
    week = end
    present = set(weeks)
    while week in present:
        current += 1
        week -= 7 * _ONE_DAY
    return current, longest


def streak_changes_on(days: Iterable[date], today: date, rules: StreakRules) -> date | None:
    """The first day after ``today`` on which the current streak changes if nothing is recorded.

    Storage keeps each member's current streak with this date (as an instant) so a leaderboard can
    rank thousands of members by an indexed column and recompute only the streaks that lapsed.
    ``None`` when the current streak is 0 (it cannot change without a new streak day).
    """
    recorded = list(days)
    now = compute_streak(recorded, today, rules).current
    if now == 0:
        return None
    if rules.cadence == "daily" and max(recorded) <= today:
        # With nothing recorded after today, "today + k" has the streak of the window ending the
        # day before it: one scan past today answers every later day at once.
        first = min(recorded)
        counts, _ = _daily_scan(
            set(recorded), today + _EXPIRY_HORIZON_DAYS * _ONE_DAY, rules.freezes_per_week
        )
        for offset in range(1, _EXPIRY_HORIZON_DAYS + 1):
            day_before = today + (offset - 1) * _ONE_DAY
            if counts[(day_before - first).days + 1] != now:
                return today + offset * _ONE_DAY
    for offset in range(1, _EXPIRY_HORIZON_DAYS + 1):
        later = today + offset * _ONE_DAY
        if compute_streak(recorded, later, rules).current != now:
            return later
    raise AssertionError("a streak without new days must change within the horizon")


def day_counts(days: Iterable[date], today: date) -> Counter[date]:
    """How many readings fall on each day (future days counted as today): the heatmap's input."""
    return Counter(min(day, today) for day in days)
