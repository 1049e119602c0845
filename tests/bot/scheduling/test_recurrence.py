"""Recurrence in local time: DST gaps and overlaps, month ends, leap days and the 5th weekday."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.recurrence import (
    Recurrence,
    ScheduleError,
    build_recurrence,
    resolve_local,
)
from bot.timezones import UnknownTimezone

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_walls(runs: list[datetime], zone: ZoneInfo) -> list[str]:
    return [r.astimezone(zone).strftime("%Y-%m-%d %a %H:%M %Z") for r in runs]


# --- DST -----------------------------------------------------------------------------------------


def test_weekly_sunday_evening_stays_at_18_local_across_spring_forward() -> None:
    rec = build_recurrence(
        "weekly", "Europe/Berlin", now=utc(2026, 3, 16), at="18:00", weekdays="sun"
    )
    runs = rec.upcoming(utc(2026, 3, 16), 3)
    assert local_walls(runs, BERLIN) == [
        "2026-03-22 Sun 18:00 CET",
        "2026-03-29 Sun 18:00 CEST",
        "2026-04-05 Sun 18:00 CEST",
    ]
    # The UTC instant moves by the hour the clocks moved.
    assert [r.hour for r in runs] == [17, 16, 16]


def test_nonexistent_time_fires_once_at_first_valid_instant_berlin() -> None:
    rec = build_recurrence("daily", "Europe/Berlin", now=utc(2026, 3, 27, 12), at="02:30")
    runs = rec.upcoming(utc(2026, 3, 27, 12), 3)
    # 28th normal; 29th 02:30 does not exist (02:00 -> 03:00): fires at 03:00 CEST; 30th normal.
    assert local_walls(runs, BERLIN) == [
        "2026-03-28 Sat 02:30 CET",
        "2026-03-29 Sun 03:00 CEST",
        "2026-03-30 Mon 02:30 CEST",
    ]
    assert runs[1] == utc(2026, 3, 29, 1, 0)


def test_ambiguous_time_fires_once_berlin() -> None:
    rec = build_recurrence("daily", "Europe/Berlin", now=utc(2026, 10, 24, 12), at="02:30")
    runs = rec.upcoming(utc(2026, 10, 24, 12), 3)
    assert local_walls(runs, BERLIN) == [
        "2026-10-25 Sun 02:30 CEST",
        "2026-10-26 Mon 02:30 CET",
        "2026-10-27 Tue 02:30 CET",
    ]
    # Asking for "the next one after the first 02:30" must not yield the second 02:30 (CET).
    assert rec.next_after(runs[0]) == runs[1]


def test_new_york_gap_and_overlap() -> None:
    rec = build_recurrence("daily", "America/New_York", now=utc(2026, 3, 7, 12), at="02:30")
    spring = rec.upcoming(utc(2026, 3, 7, 12), 2)
    assert local_walls(spring, NEW_YORK) == ["2026-03-08 Sun 03:00 EDT", "2026-03-09 Mon 02:30 EDT"]

    rec = build_recurrence("daily", "America/New_York", now=utc(2026, 10, 31, 12), at="01:30")
    fall = rec.upcoming(utc(2026, 10, 31, 12), 2)
    assert local_walls(fall, NEW_YORK) == ["2026-11-01 Sun 01:30 EDT", "2026-11-02 Mon 01:30 EST"]
    assert fall[1] - fall[0] == timedelta(hours=25)


def test_cron_follows_local_time_across_dst() -> None:
    rec = build_recurrence("cron", "America/New_York", now=utc(2026, 3, 1), cron="0 18 * * sun")
    runs = rec.upcoming(utc(2026, 3, 1), 2)
    assert local_walls(runs, NEW_YORK) == ["2026-03-01 Sun 18:00 EST", "2026-03-08 Sun 18:00 EDT"]
    # Every quarter hour through the gap: the four missing wall times collapse into one firing.
    rec = build_recurrence(
        "cron", "Europe/Berlin", now=utc(2026, 3, 29, 0, 40), cron="*/15 * * * *"
    )
    runs = rec.upcoming(utc(2026, 3, 29, 0, 40), 3)
    assert local_walls(runs, BERLIN) == [
        "2026-03-29 Sun 01:45 CET",
        "2026-03-29 Sun 03:00 CEST",
        "2026-03-29 Sun 03:15 CEST",
    ]


# --- Month ends, leap days, nth weekday ----------------------------------------------------------


def test_day_31_skips_short_months_and_last_day_does_not() -> None:
    start = utc(2026, 1, 1)
    on_31 = build_recurrence("monthly_day", "UTC", now=start, at="09:00", day="31")
    assert [r.date() for r in on_31.upcoming(start, 5)] == [
        date(2026, 1, 31),
        date(2026, 3, 31),
        date(2026, 5, 31),
        date(2026, 7, 31),
        date(2026, 8, 31),
    ]
    last = build_recurrence("monthly_day", "UTC", now=start, at="09:00", day="last")
    got = [r.date() for r in last.upcoming(start, 4)]
    assert got == [date(2026, m, calendar.monthrange(2026, m)[1]) for m in range(1, 5)]
    assert "skipped" in on_31.describe() and "last day" in last.describe()


def test_leap_day() -> None:
    start = utc(2027, 1, 1)
    on_29 = build_recurrence("monthly_day", "Europe/Berlin", now=start, at="18:00", day="29")
    dates = [r.astimezone(BERLIN).date() for r in on_29.upcoming(start, 14)]
    assert date(2027, 2, 28) not in dates and (2027, 2) not in {(d.year, d.month) for d in dates}
    assert date(2028, 2, 29) in dates
    once = build_recurrence("once", "Europe/Berlin", now=start, date_time="2028-02-29 18:00")
    assert once.upcoming(start, 5) == [utc(2028, 2, 29, 17)]
    with pytest.raises(ScheduleError, match="not a date"):
        build_recurrence("once", "Europe/Berlin", now=start, date_time="2027-02-29 18:00")


def test_fifth_friday_only_in_months_that_have_one() -> None:
    start = utc(2026, 1, 1)
    rec = build_recurrence(
        "monthly_weekday", "UTC", now=start, at="19:00", nth="5th", weekday_name="friday"
    )
    runs = rec.upcoming(start, 5)
    expected = [
        date(y, m, d)
        for y in (2026, 2027)
        for m in range(1, 13)
        for week in calendar.Calendar().monthdatescalendar(y, m)
        for d in [week[4].day]
        if week[4].month == m and week[4].day > 28
    ][:5]
    assert [r.date() for r in runs] == expected
    assert all(r.weekday() == 4 and r.day > 28 for r in runs)
    last_friday = build_recurrence(
        "monthly_weekday", "UTC", now=start, at="19:00", nth="last", weekday_name="fri"
    )
    assert len({r.month for r in last_friday.upcoming(start, 12)}) == 12


def test_every_two_weeks_and_every_three_days_count_from_creation() -> None:
    now = utc(2026, 5, 6, 12)  # a Wednesday
    rec = build_recurrence("weekly", "UTC", now=now, at="10:00", weekdays="mon,thu", every=2)
    assert [r.date() for r in rec.upcoming(now, 4)] == [
        date(2026, 5, 7),
        date(2026, 5, 18),
        date(2026, 5, 21),
        date(2026, 6, 1),
    ]
    rec = build_recurrence("daily", "UTC", now=now, at="10:00", every=3)
    assert [r.date() for r in rec.upcoming(now, 3)] == [
        date(2026, 5, 9),
        date(2026, 5, 12),
        date(2026, 5, 15),
    ]


def test_once_then_nothing() -> None:
    now = utc(2026, 5, 1)
    rec = build_recurrence("once", "UTC", now=now, date_time="2026-05-02 08:00")
    first = rec.next_after(now)
    assert first == utc(2026, 5, 2, 8)
    assert rec.next_after(first) is None


# --- Storage form and description ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,kwargs",
    [
        ("once", {"date_time": "2026-07-01 12:00"}),
        ("daily", {"at": "07:15", "every": 2}),
        ("weekly", {"at": "18:00", "weekdays": "sun,wed"}),
        ("monthly_day", {"at": "18:00", "day": "last"}),
        ("monthly_weekday", {"at": "18:00", "nth": "2nd", "weekday_name": "tue"}),
        ("cron", {"cron": "0 9 1 * *"}),
    ],
)
def test_json_round_trip_keeps_the_same_runs(kind: str, kwargs: dict[str, object]) -> None:
    now = utc(2026, 5, 1)
    rec = build_recurrence(kind, "Europe/Berlin", now=now, **kwargs)  # type: ignore[arg-type]
    back = Recurrence.from_json(rec.to_json())
    assert back == rec
    assert back.upcoming(now, 5) == rec.upcoming(now, 5)
    assert "Europe/Berlin" in rec.describe()


# --- Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,kwargs,message",
    [
        ("cron", {"cron": "61 * * * *"}, "not a valid cron"),
        ("cron", {"cron": "0 0 * * * *"}, "five fields"),
        ("once", {"date_time": "2026-04-30 23:59"}, "already past"),
        ("daily", {"at": "25:00"}, "hours go 0–23"),
        ("daily", {"at": "six"}, "HH:MM"),
        ("daily", {}, "needs a time"),
        ("weekly", {"at": "18:00", "weekdays": "funday"}, "not a day of the week"),
        ("monthly_day", {"at": "18:00", "day": "32"}, "1–31"),
        ("monthly_weekday", {"at": "18:00", "nth": "6th", "weekday_name": "fri"}, "1st–5th"),
        ("daily", {"at": "18:00", "every": 0}, "from 1 to 366"),
        ("hourly", {}, "not a kind"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(
    kind: str, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ScheduleError, match=message):
        build_recurrence(kind, "UTC", now=utc(2026, 5, 1), **kwargs)  # type: ignore[arg-type]


def test_unknown_time_zone_suggests_names() -> None:
    with pytest.raises(UnknownTimezone) as info:
        build_recurrence("daily", "Europe/Berln", now=utc(2026, 5, 1), at="18:00")
    assert "Europe/Berlin" in info.value.message
    with pytest.raises(UnknownTimezone):
        build_recurrence("daily", "../../etc/passwd", now=utc(2026, 5, 1), at="18:00")


def test_time_zone_names_are_stored_canonically() -> None:
    rec = build_recurrence("daily", "europe/berlin", now=utc(2026, 5, 1), at="18:00")
    assert rec.timezone == "Europe/Berlin"


# --- Properties ----------------------------------------------------------------------------------

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "Pacific/Chatham",
]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 1, 1)),
)
def test_daily_fires_once_a_local_day_at_the_time_or_just_after_a_gap(
    zone: str, hour: int, minute: int, start: datetime
) -> None:
    tz = ZoneInfo(zone)
    now = start.replace(tzinfo=UTC)
    rec = Recurrence(kind="daily", timezone=zone, at=time(hour, minute), start=date(2024, 1, 1))
    runs = rec.upcoming(now, 40)
    assert all(a < b for a, b in itertools.pairwise(runs))
    days = [r.astimezone(tz).date() for r in runs]
    assert len(set(days)) == len(days)  # never twice on one local day
    for run in runs:
        wall = run.astimezone(tz)
        if (wall.hour, wall.minute) != (hour, minute):
            # Only a gap may move it, and then to the instant the clocks jumped to.
            wanted = datetime.combine(wall.date(), time(hour, minute))
            assert resolve_local(wanted, tz) == run
            assert (run - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) < wanted


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["daily", "weekly", "monthly_day", "monthly_weekday"]),
    interval=st.integers(1, 5),
    offset_days=st.integers(0, 2000),
)
def test_recent_start_keeps_the_phase_of_the_interval(
    kind: str, interval: int, offset_days: int
) -> None:
    """Runs years after creation equal those a plain rrule from the creation date gives."""
    from dateutil.rrule import rrule

    created = utc(2026, 1, 14, 12)
    extra = {
        "weekly": {"weekdays": "tue,sat"},
        "monthly_day": {"day": "last"},
        "monthly_weekday": {"nth": "2", "weekday_name": "wed"},
    }.get(kind, {})
    rec = build_recurrence(kind, "UTC", now=created, at="09:30", every=interval, **extra)
    later = created + timedelta(days=offset_days)
    plain: rrule = rec._rrule(rec.start)
    expected = [d.replace(tzinfo=UTC) for d in plain.xafter(later.replace(tzinfo=None), count=3)]
    assert rec.upcoming(later, 3) == expected
