from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.streaks.rules import (
    BadStreakSetting,
    StreakRules,
    compute_streak,
    day_counts,
    local_day,
    start_of_day,
    streak_changes_on,
    week_start,
)

DAILY = StreakRules()
WEEKLY = StreakRules(cadence="weekly")
TODAY = date(2025, 6, 18)  # a Wednesday


def d(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# --- Daily cadence --------------------------------------------------------------------------------


def test_no_readings_no_streak() -> None:
    streak = compute_streak([], TODAY, DAILY)
    assert (streak.current, streak.longest, streak.last_day) == (0, 0, None)


def test_consecutive_days_including_today() -> None:
    streak = compute_streak([d(-2), d(-1), d(0)], TODAY, DAILY)
    assert (streak.current, streak.longest, streak.active_today) == (3, 3, True)


def test_today_not_read_yet_keeps_the_streak_alive() -> None:
    streak = compute_streak([d(-3), d(-2), d(-1)], TODAY, DAILY)
    assert (streak.current, streak.active_today) == (3, False)


def test_a_missed_day_breaks_the_streak_but_not_the_record() -> None:
    streak = compute_streak([d(-6), d(-5), d(-4), d(-3), d(-1), d(0)], TODAY, DAILY)
    assert (streak.current, streak.longest) == (2, 4)


def test_missed_yesterday_means_no_current_streak() -> None:
    streak = compute_streak([d(-4), d(-3), d(-2)], TODAY, DAILY)
    assert (streak.current, streak.longest) == (0, 3)


def test_repeated_days_count_once() -> None:
    assert compute_streak([d(0), d(0), d(-1)], TODAY, DAILY).current == 2


def test_a_freeze_forgives_one_missed_day_per_week_without_counting_it() -> None:
    rules = StreakRules(freezes_per_week=1)
    # Mon 16 read, Tue 17 missed, Wed 18 (today) read.
    assert compute_streak([d(-2), d(0)], TODAY, rules).current == 2


def test_freezes_are_per_calendar_week() -> None:
    rules = StreakRules(freezes_per_week=1)
    # Week of 9 June: read Mon-Wed, missed Thu 12; read Fri-Sun; week of 16 June: missed Mon 16,
    # read Tue 17 and Wed 18. One miss in each week: all forgiven.
    days = [date(2025, 6, x) for x in (9, 10, 11, 13, 14, 15, 17, 18)]
    assert compute_streak(days, TODAY, rules).current == 8
    # Two misses in the same week (Thu 12 and Fri 13): the run restarts after the first of them.
    days = [date(2025, 6, x) for x in (9, 10, 11, 14, 15, 16, 17, 18)]
    assert compute_streak(days, TODAY, rules).current == 5


def test_forgiven_misses_before_today_keep_the_streak() -> None:
    rules = StreakRules(freezes_per_week=2)
    # Read Monday, missed Tuesday, today (Wednesday) not read yet: alive at 1.
    assert compute_streak([d(-2)], TODAY, rules).current == 1
    assert compute_streak([d(-2)], TODAY, DAILY).current == 0


def test_rules_refuse_impossible_settings() -> None:
    with pytest.raises(BadStreakSetting):
        StreakRules(freezes_per_week=7)
    with pytest.raises(BadStreakSetting):
        StreakRules(cadence="hourly")  # type: ignore[arg-type]
    assert StreakRules.from_settings(
        {"streak_cadence": "weekly", "streak_freezes_per_week": 2}
    ) == StreakRules("weekly", 2)


# --- Weekly cadence -------------------------------------------------------------------------------


def test_weekly_streak_counts_consecutive_weeks() -> None:
    days = [d(-21), d(-14), d(-13), d(-7), d(-1)]  # Wednesdays 3 weeks back, then Tue this week
    streak = compute_streak(days, TODAY, WEEKLY)
    assert (streak.current, streak.longest, streak.unit) == (4, 4, "week")


def test_weekly_current_week_is_not_a_miss_until_it_ends() -> None:
    assert compute_streak([d(-7), d(-14)], TODAY, WEEKLY).current == 2
    assert compute_streak([d(-14)], TODAY, WEEKLY).current == 0


# --- Days, zones, local midnight and DST ----------------------------------------------------------


def test_one_instant_is_a_different_day_in_different_zones() -> None:
    instant = datetime(2025, 6, 18, 23, 30, tzinfo=UTC)
    assert local_day(instant, ZoneInfo("UTC")) == date(2025, 6, 18)
    assert local_day(instant, ZoneInfo("Asia/Tokyo")) == date(2025, 6, 19)
    assert local_day(instant, ZoneInfo("America/Los_Angeles")) == date(2025, 6, 18)


def test_local_midnight_splits_days() -> None:
    paris = ZoneInfo("Europe/Paris")
    before = datetime(2025, 6, 18, 23, 59, 59, tzinfo=paris)
    after = datetime(2025, 6, 19, 0, 0, 0, tzinfo=paris)
    assert local_day(before.astimezone(UTC), paris) == date(2025, 6, 18)
    assert local_day(after.astimezone(UTC), paris) == date(2025, 6, 19)
    assert start_of_day(date(2025, 6, 19), paris) == after.astimezone(UTC)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        local_day(datetime(2025, 1, 1), ZoneInfo("UTC"))


@pytest.mark.parametrize(
    ("zone", "short_day", "long_day"),
    [
        ("Europe/Berlin", date(2025, 3, 30), date(2025, 10, 26)),
        ("America/New_York", date(2025, 3, 9), date(2025, 11, 2)),
        ("Australia/Sydney", date(2025, 10, 5), date(2025, 4, 6)),
    ],
)
def test_dst_days_are_single_streak_days(zone: str, short_day: date, long_day: date) -> None:
    tz = ZoneInfo(zone)
    for day, hours in ((short_day, 23), (long_day, 25)):
        start, end = start_of_day(day, tz), start_of_day(day + timedelta(days=1), tz)
        assert end - start == timedelta(hours=hours)
        # Reading just after midnight and just before the next one: the same, single day.
        early = local_day(start + timedelta(minutes=1), tz)
        late = local_day(end - timedelta(minutes=1), tz)
        assert early == late == day
        days = [day - timedelta(days=1), early, late, day + timedelta(days=1)]
        assert compute_streak(days, day + timedelta(days=1), DAILY).current == 3


# --- When a streak changes without new readings ---------------------------------------------------


def test_daily_streak_changes_the_day_after_tomorrow() -> None:
    assert streak_changes_on([d(-1), d(0)], TODAY, DAILY) == d(2)
    assert streak_changes_on([d(-1)], TODAY, DAILY) == d(1)
    assert streak_changes_on([d(-5)], TODAY, DAILY) is None


def test_freezes_delay_the_change() -> None:
    rules = StreakRules(freezes_per_week=1)
    # Read today (Wednesday): Thursday may be missed; Friday would be the week's second miss.
    assert streak_changes_on([d(0)], TODAY, rules) == d(3)


def test_weekly_streak_changes_after_a_whole_week_without_reading() -> None:
    assert streak_changes_on([d(0)], TODAY, WEEKLY) == week_start(TODAY) + timedelta(days=14)


# --- Properties -----------------------------------------------------------------------------------

days_strategy = st.lists(st.integers(min_value=-60, max_value=0).map(d), max_size=40)
rules_strategy = st.builds(
    StreakRules,
    cadence=st.sampled_from(["daily", "weekly"]),
    freezes_per_week=st.integers(min_value=0, max_value=3),
)


def _brute_force_daily(days: list[date], today: date, freezes: int) -> tuple[int, int]:
    """The rules as written, by trying every window: slow, obviously right."""
    active = {min(x, today) for x in days}
    if not active:
        return 0, 0

    def valid(a: date, b: date) -> bool:
        misses: Counter[date] = Counter()
        x = a
        while x <= b:
            if x not in active:
                misses[week_start(x)] += 1
            x += timedelta(days=1)
        return all(n <= freezes for n in misses.values())

    def count(a: date, b: date) -> int:
        return sum(1 for x in active if a <= x <= b)

    end = today if today in active else today - timedelta(days=1)
    current = max((count(a, end) for a in active if a <= end and valid(a, end)), default=0)
    longest = max(count(a, b) for a in active for b in active if a <= b and valid(a, b))
    return current, longest


@settings(max_examples=150, deadline=None)
@given(days=days_strategy, freezes=st.integers(min_value=0, max_value=3))
def test_daily_matches_the_rules_as_written(days: list[date], freezes: int) -> None:
    streak = compute_streak(days, TODAY, StreakRules(freezes_per_week=freezes))
    assert (streak.current, streak.longest) == _brute_force_daily(days, TODAY, freezes)


@given(days=days_strategy, rules=rules_strategy)
def test_a_streak_never_exceeds_the_days_spanned(days: list[date], rules: StreakRules) -> None:
    streak = compute_streak(days, TODAY, rules)
    assert streak.current <= streak.longest
    if days:
        spanned = (TODAY - min(days)).days + 1
        units = (
            spanned
            if rules.cadence == "daily"
            else ((week_start(TODAY) - week_start(min(days))).days // 7 + 1)
        )
        assert streak.longest <= units
    else:
        assert streak.longest == 0


@given(
    days=days_strategy,
    extra=st.integers(min_value=-70, max_value=3).map(d),
    rules=rules_strategy,
)
def test_adding_a_reading_never_shortens_a_streak(
    days: list[date], extra: date, rules: StreakRules
) -> None:
    before = compute_streak(days, TODAY, rules)
    after = compute_streak([*days, extra], TODAY, rules)
    assert after.current >= before.current
    assert after.longest >= before.longest


zones = st.sampled_from(
    [
        "UTC",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
    ]
)
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2025, 6, 18, 23, 59), timezones=st.just(UTC)
)


@given(readings=st.lists(instants, max_size=30), recorded_in=zones, viewed_in=zones)
def test_changing_time_zone_never_loses_a_recorded_reading(
    readings: list[datetime], recorded_in: str, viewed_in: str
) -> None:
    now = datetime(2025, 6, 19, 0, 0, tzinfo=UTC)
    recorded = [local_day(r, ZoneInfo(recorded_in)) for r in readings]
    today = local_day(now, ZoneInfo(viewed_in))
    counts = day_counts(recorded, today)
    assert sum(counts.values()) == len(readings)
    assert all(day <= today for day in counts)
    streak = compute_streak(recorded, today, DAILY)
    assert streak.last_day == (max(recorded) if recorded else None)
    assert (streak.longest > 0) == bool(readings)


@given(days=days_strategy, rules=rules_strategy)
def test_streak_holds_until_the_change_day(days: list[date], rules: StreakRules) -> None:
    current = compute_streak(days, TODAY, rules).current
    change = streak_changes_on(days, TODAY, rules)
    if change is None:
        assert current == 0
        return
    x = TODAY
    while x < change:
        assert compute_streak(days, x, rules).current == current
        x += timedelta(days=1)
    assert compute_streak(days, change, rules).current < current
