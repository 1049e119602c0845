"""When a schedule fires: recurrence rules in a member's local time, resolved to UTC instants.

Rules are expanded in *wall-clock* time with dateutil's ``rrule`` (or croniter for cron
expressions), never in UTC, so "Sundays at 18:00" stays 18:00 local on both sides of a daylight-
saving change. Each wall time is then turned into one UTC instant by :func:`resolve_local`:

- a wall time that does not exist (spring forward) fires once, at the first valid instant after
  the gap (02:30 on the night clocks jump from 02:00 to 03:00 fires at 03:00);
- an ambiguous wall time (fall back) fires once, at its first occurrence.

Everything returned is an aware UTC ``datetime``; callers pass aware datetimes too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, get_day_names
from babel.lists import format_list
from croniter import croniter
from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, weekday

from bot import i18n
from bot.errors import BotError
from bot.i18n import N_, _, ngettext
from bot.timezones import parse_timezone

Kind = Literal["once", "daily", "weekly", "monthly_day", "monthly_weekday", "cron"]
KINDS: Final[tuple[Kind, ...]] = (
    "once",
    "daily",
    "weekly",
    "monthly_day",
    "monthly_weekday",
    "cron",
)

WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

# Wall times are expanded from this far before the instant asked about: a wall time earlier than
# the local "now" can still resolve to a later instant when it falls in a gap (at most an hour or
# two in today's zones), so starting a little early never misses one.
_LOOKBACK: Final = timedelta(hours=3)
_MAX_STEPS: Final = 100_000


class ScheduleError(BotError):
    """A schedule that cannot be built as asked; the message says what to change."""


def resolve_local(wall: datetime, zone: ZoneInfo) -> datetime:
    """The one UTC instant at which a naive local wall time fires (see module docstring)."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # exists; fold=0 is the first of an ambiguous pair
    # In a gap, fold=1 maps with the offset after the change (an earlier instant) and fold=0 with
    # the offset before it (a later one); the transition lies between. Find its first second.
    lo = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    hi = first
    if lo > hi:
        lo, hi = hi, lo
    while (hi - lo) > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(zone).replace(tzinfo=None) > wall:
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True, slots=True)
class Recurrence:
    """One schedule's timing. Build it with :func:`build_recurrence`, which validates input."""

    kind: Kind
    timezone: str
    at: time = time(0, 0)
    start: date = date(2000, 1, 1)
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    month_day: int | None = None
    nth: int | None = None
    weekday: int | None = None
    once_at: datetime | None = None
    cron: str | None = None
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", parse_timezone(self.timezone))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def _walls(self, from_wall: datetime) -> Iterator[datetime]:
        """Candidate wall times in order, starting at or after ``from_wall``."""
        if self.kind == "once":
            assert self.once_at is not None
            yield self.once_at
            return
        if self.kind == "cron":
            assert self.cron is not None
            itr = croniter(self.cron, from_wall - timedelta(seconds=1))
            while True:
                yield itr.get_next(datetime)
        rule = self._rrule(self._anchor(from_wall.date()))
        yield from rule.xafter(from_wall, inc=True)

    def _anchor(self, day: date) -> date:
        """The latest start on or before ``day`` in phase with the interval.

        rrule walks every occurrence from its start, so starting from the creation date would make
        each look-up slower as a schedule ages; an in-phase recent start gives the same runs.
        """
        if day <= self.start:
            return self.start
        if self.kind in ("daily", "weekly"):
            step = self.interval * (7 if self.kind == "weekly" else 1)
            return self.start + timedelta(days=(day - self.start).days // step * step)
        months = (day.year - self.start.year) * 12 + day.month - self.start.month
        return self.start + relativedelta(months=months // self.interval * self.interval)

    def _rrule(self, anchor: date) -> rrule:
        dtstart = datetime.combine(anchor, self.at)
        common: dict[str, Any] = {
            "dtstart": dtstart,
            "interval": self.interval,
            "byhour": self.at.hour,
            "byminute": self.at.minute,
            "bysecond": self.at.second,
        }
        if self.kind == "daily":
            return rrule(DAILY, **common)
        if self.kind == "weekly":
            return rrule(WEEKLY, byweekday=self.weekdays, **common)
        if self.kind == "monthly_day":
            return rrule(MONTHLY, bymonthday=self.month_day, **common)
        assert self.kind == "monthly_weekday" and self.weekday is not None and self.nth is not None
        return rrule(MONTHLY, byweekday=weekday(self.weekday)(self.nth), **common)

    def next_after(self, after: datetime) -> datetime | None:
        """The first firing strictly after ``after`` (aware), or None when there is none."""
        after = after.astimezone(UTC)
        from_wall = after.astimezone(self._zone).replace(tzinfo=None) - _LOOKBACK
        for steps, wall in enumerate(self._walls(from_wall)):
            # Whole seconds: the database keeps unix seconds, and a run is claimed by equality.
            instant = resolve_local(wall.replace(microsecond=0), self._zone)
            if instant > after:
                return instant
            if steps > _MAX_STEPS:
                break
        return None

    def upcoming(self, after: datetime, count: int = 5) -> list[datetime]:
        """The next ``count`` firings after ``after`` (fewer if the rule ends)."""
        runs: list[datetime] = []
        cursor = after
        while len(runs) < count:
            nxt = self.next_after(cursor)
            if nxt is None:
                break
            runs.append(nxt)
            cursor = nxt
        return runs

    def describe(self) -> str:
        """A sentence a moderator can check against what they meant."""
        clock = self.at.strftime("%H:%M") if self.at.second == 0 else self.at.strftime("%H:%M:%S")
        # Each shape is one whole sentence of the catalogs, with weekday names and dates from
        # Babel in the reader's language. "Every day" is its own sentence, not the first plural
        # form of "every N days": Russian counts 21 with that form ("каждый 21 день").
        n, zone = self.interval, self.timezone
        fill = {"n": i18n.number(n), "clock": clock, "zone": zone}
        if self.kind == "once":
            assert self.once_at is not None
            when = format_datetime(self.once_at, "EEEE d MMMM y, HH:mm", locale=i18n.babel_locale())
            return _("Once, on {date} ({zone})").format(date=when, zone=zone)
        if self.kind == "cron":
            return _("Cron `{cron}` ({zone})").format(cron=self.cron, zone=zone)
        if self.kind == "daily":
            return (
                _("Every day at {clock} ({zone})")
                if n == 1
                else ngettext(
                    "Every {n} day at {clock} ({zone})", "Every {n} days at {clock} ({zone})", n
                )
            ).format(**fill)
        if self.kind == "weekly":
            days = _join([weekday_name(d) for d in sorted(self.weekdays)])
            return (
                _("Every {days} at {clock} ({zone})")
                if n == 1
                else ngettext(
                    "Every {n} week on {days} at {clock} ({zone})",
                    "Every {n} weeks on {days} at {clock} ({zone})",
                    n,
                )
            ).format(days=days, **fill)
        if self.kind == "monthly_day":
            if self.month_day == -1:
                return (
                    _("Every month on the last day at {clock} ({zone})")
                    if n == 1
                    else ngettext(
                        "Every {n} month on the last day at {clock} ({zone})",
                        "Every {n} months on the last day at {clock} ({zone})",
                        n,
                    )
                ).format(**fill)
            text = (
                _("Every month on day {day} at {clock} ({zone})")
                if n == 1
                else ngettext(
                    "Every {n} month on day {day} at {clock} ({zone})",
                    "Every {n} months on day {day} at {clock} ({zone})",
                    n,
                )
            ).format(day=self.month_day, **fill)
            if (self.month_day or 0) > 28:
                text = _("{schedule} (months without that day are skipped)").format(schedule=text)
            return text
        assert self.nth is not None and self.weekday is not None
        weekday = weekday_name(self.weekday)
        if self.nth == -1:
            return (
                _("Every month on the last {weekday} at {clock} ({zone})")
                if n == 1
                else ngettext(
                    "Every {n} month on the last {weekday} at {clock} ({zone})",
                    "Every {n} months on the last {weekday} at {clock} ({zone})",
                    n,
                )
            ).format(weekday=weekday, **fill)
        text = _nth_weekday(self.nth, n).format(weekday=weekday, **fill)
        if self.nth == 5:
            text = _("{schedule} (months without one are skipped)").format(schedule=text)
        return text

    def to_json(self) -> str:
        data: dict[str, Any] = {"kind": self.kind, "timezone": self.timezone}
        if self.kind == "once":
            assert self.once_at is not None
            data["once_at"] = self.once_at.isoformat()
        elif self.kind == "cron":
            data["cron"] = self.cron
        else:
            data.update(
                at=self.at.isoformat(), start=self.start.isoformat(), interval=self.interval
            )
            if self.kind == "weekly":
                data["weekdays"] = list(self.weekdays)
            elif self.kind == "monthly_day":
                data["month_day"] = self.month_day
            elif self.kind == "monthly_weekday":
                data.update(nth=self.nth, weekday=self.weekday)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Recurrence:
        data = json.loads(raw)
        return cls(
            kind=data["kind"],
            timezone=data["timezone"],
            at=time.fromisoformat(data.get("at", "00:00")),
            start=date.fromisoformat(data.get("start", "2000-01-01")),
            interval=int(data.get("interval", 1)),
            weekdays=tuple(data.get("weekdays", ())),
            month_day=data.get("month_day"),
            nth=data.get("nth"),
            weekday=data.get("weekday"),
            once_at=datetime.fromisoformat(data["once_at"]) if "once_at" in data else None,
            cron=data.get("cron"),
        )


def _nth_weekday(nth: int, n: int) -> str:
    """One whole sentence per ordinal: ordinals agree with the weekday in many languages."""
    if nth == 1:
        return (
            _("Every month on the first {weekday} at {clock} ({zone})")
            if n == 1
            else ngettext(
                "Every {n} month on the first {weekday} at {clock} ({zone})",
                "Every {n} months on the first {weekday} at {clock} ({zone})",
                n,
            )
        )
    if nth == 2:
        return (
            _("Every month on the second {weekday} at {clock} ({zone})")
            if n == 1
            else ngettext(
                "Every {n} month on the second {weekday} at {clock} ({zone})",
                "Every {n} months on the second {weekday} at {clock} ({zone})",
                n,
            )
        )
    if nth == 3:
        return (
            _("Every month on the third {weekday} at {clock} ({zone})")
            if n == 1
            else ngettext(
                "Every {n} month on the third {weekday} at {clock} ({zone})",
                "Every {n} months on the third {weekday} at {clock} ({zone})",
                n,
            )
        )
    if nth == 4:
        return (
            _("Every month on the fourth {weekday} at {clock} ({zone})")
            if n == 1
            else ngettext(
                "Every {n} month on the fourth {weekday} at {clock} ({zone})",
                "Every {n} months on the fourth {weekday} at {clock} ({zone})",
                n,
            )
        )
    return (
        _("Every month on the fifth {weekday} at {clock} ({zone})")
        if n == 1
        else ngettext(
            "Every {n} month on the fifth {weekday} at {clock} ({zone})",
            "Every {n} months on the fifth {weekday} at {clock} ({zone})",
            n,
        )
    )


def _join(items: list[str]) -> str:
    """``Monday, Wednesday and Friday`` the reader's language's way (Babel's list patterns)."""
    return format_list(items, locale=i18n.babel_locale())


def weekday_name(day: int) -> str:
    """Monday is 0, as in :mod:`datetime`; the name in the reader's language."""
    return str(get_day_names("wide", locale=i18n.babel_locale())[day])


# ---------------------------------------------------------------------------------------------
# Parsing what a moderator typed


_TIME: Final = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})(?::(\d{2}))?\s*$")
_WEEKDAY_ALIASES: Final = {name[:2].lower(): i for i, name in enumerate(WEEKDAY_NAMES)}
_NTH_WORDS: Final = {
    "1": 1,
    "1st": 1,
    "first": 1,
    "2": 2,
    "2nd": 2,
    "second": 2,
    "3": 3,
    "3rd": 3,
    "third": 3,
    "4": 4,
    "4th": 4,
    "fourth": 4,
    "5": 5,
    "5th": 5,
    "fifth": 5,
    "last": -1,
    "-1": -1,
}


def parse_time(text: str) -> time:
    match = _TIME.match(text)
    if match is None:
        raise ScheduleError(
            _("“{text}” is not a time: write it as 24-hour HH:MM, like 18:00.").format(text=text)
        )
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ScheduleError(
            _("“{text}” is not a time of day: hours go 0–23 and minutes 0–59.").format(text=text)
        )
    return time(hour, minute, second)


def parse_weekday(text: str) -> int:
    key = text.strip().lower()[:2]
    if len(text.strip()) < 2 or key not in _WEEKDAY_ALIASES:
        raise ScheduleError(
            _("“{text}” is not a day of the week: write mon, tue, … or sunday.").format(text=text)
        )
    return _WEEKDAY_ALIASES[key]


def parse_weekdays(text: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[\s,;/]+", text.strip()) if p]
    if not parts:
        raise ScheduleError(_("Choose at least one day of the week, like `sun` or `mon,wed,fri`."))
    return tuple(sorted({parse_weekday(p) for p in parts}))


def parse_nth(text: str) -> int:
    value = _NTH_WORDS.get(text.strip().lower())
    if value is None:
        raise ScheduleError(
            _("“{text}” is not a position in the month: use 1st–5th or last.").format(text=text)
        )
    return value


def parse_month_day(text: str) -> int:
    raw = text.strip().lower()
    if raw == "last":
        return -1
    if not raw.isdigit() or not 1 <= int(raw) <= 31:
        raise ScheduleError(
            _("“{text}” is not a day of the month: use 1–31 or last.").format(text=text)
        )
    return int(raw)


def parse_local_datetime(text: str) -> datetime:
    raw = text.strip().replace("T", " ")
    try:
        parsed = datetime.strptime(raw, "%Y-%m-%d %H:%M")
    except ValueError:
        raise ScheduleError(
            _(
                "“{text}” is not a date and time: write it as YYYY-MM-DD HH:MM, "
                "like 2026-05-01 18:00."
            ).format(text=text)
        ) from None
    return parsed


def build_recurrence(
    kind: str,
    timezone: str,
    *,
    now: datetime,
    at: str | None = None,
    weekdays: str | None = None,
    every: int | None = None,
    day: str | None = None,
    nth: str | None = None,
    weekday_name: str | None = None,
    date_time: str | None = None,
    cron: str | None = None,
) -> Recurrence:
    """Validate a moderator's choices into a :class:`Recurrence` or raise :class:`ScheduleError`.

    ``now`` anchors "every N days/weeks" to the local date of creation and refuses a one-off in
    the past; it is passed in so tests control it.
    """
    zone = parse_timezone(timezone)
    timezone = zone.key
    if kind not in KINDS:
        raise ScheduleError(
            _("“{kind}” is not a kind of schedule: use one of {kinds}.").format(
                kind=kind, kinds=", ".join(KINDS)
            )
        )
    interval = 1 if every is None else every
    if not 1 <= interval <= 366:
        raise ScheduleError(_("“every” must be a whole number from 1 to 366."))
    today = now.astimezone(zone).date()

    def need(value: str | None, what: str) -> str:
        if value is None or not value.strip():
            raise ScheduleError(
                _("A {kind} schedule needs {what}.").format(
                    kind=kind.replace("_", " "), what=_(what)
                )
            )
        return value

    rec: Recurrence
    if kind == "once":
        wall = parse_local_datetime(need(date_time, N_("a date and time (YYYY-MM-DD HH:MM)")))
        rec = Recurrence(kind="once", timezone=timezone, once_at=wall)
        if resolve_local(wall, zone) <= now:
            raise ScheduleError(
                _("{when} in {zone} is already past: choose a future time.").format(
                    when=f"{wall:%Y-%m-%d %H:%M}", zone=timezone
                )
            )
        return rec
    if kind == "cron":
        expression = " ".join(need(cron, N_("a cron expression, like `0 18 * * sun`")).split())
        if len(expression.split()) != 5 or not croniter.is_valid(expression):
            raise ScheduleError(
                _(
                    "`{expression}` is not a valid cron expression: use five fields "
                    "(minute hour day-of-month month day-of-week), like `0 18 * * sun`."
                ).format(expression=expression)
            )
        rec = Recurrence(kind="cron", timezone=timezone, cron=expression)
    else:
        clock = parse_time(need(at, N_("a time of day (HH:MM)")))
        if kind == "daily":
            rec = Recurrence(
                kind="daily", timezone=timezone, at=clock, start=today, interval=interval
            )
        elif kind == "weekly":
            days = parse_weekdays(need(weekdays, N_("one or more days of the week")))
            # Anchor the interval to the Monday of this week, so "every 2 weeks" counts from now.
            monday = today - timedelta(days=today.weekday())
            rec = Recurrence(
                kind="weekly",
                timezone=timezone,
                at=clock,
                start=monday,
                interval=interval,
                weekdays=days,
            )
        elif kind == "monthly_day":
            rec = Recurrence(
                kind="monthly_day",
                timezone=timezone,
                at=clock,
                start=today.replace(day=1),
                interval=interval,
                month_day=parse_month_day(need(day, N_("a day of the month (1–31)"))),
            )
        else:
            position = parse_nth(need(nth, N_("which weekday of the month (1st–5th or last)")))
            wd = parse_weekday(need(weekday_name, N_("a day of the week")))
            rec = Recurrence(
                kind="monthly_weekday",
                timezone=timezone,
                at=clock,
                start=today.replace(day=1),
                interval=interval,
                nth=position,
                weekday=wd,
            )
    if rec.next_after(now) is None:
        raise ScheduleError(_("That schedule never fires: check the days and times."))
    return rec
