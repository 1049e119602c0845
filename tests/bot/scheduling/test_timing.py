"""Timing: add and edit build a rule from the same fields; edit keeps, refuses or rebuilds."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, time

import pytest

from bot.scheduling.recurrence import ScheduleError, build_recurrence
from bot.scheduling.timing import NO_TIMING, Timing, changed_recurrence

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def test_each_field_reaches_the_rule() -> None:
    weekly = Timing(at="18:30", weekdays="mon,fri", every=2).recurrence(
        "weekly", "Europe/Berlin", now=NOW
    )
    assert (weekly.at, weekly.weekdays, weekly.interval) == (time(18, 30), (0, 4), 2)
    assert weekly.timezone == "Europe/Berlin"
    monthly = Timing(at="09:00", day="last").recurrence("monthly_day", "UTC", now=NOW)
    assert monthly.month_day == -1
    nth = Timing(at="19:00", nth="2nd", weekday_name="wed").recurrence(
        "monthly_weekday", "UTC", now=NOW
    )
    assert (nth.nth, nth.weekday) == (2, 2)
    once = Timing(date_time="2026-06-01 08:00").recurrence("once", "UTC", now=NOW)
    assert once.once_at == datetime(2026, 6, 1, 8)
    cron = Timing(cron="0 18 * * sun").recurrence("cron", "UTC", now=NOW)
    assert cron.cron == "0 18 * * sun"


def test_the_rule_is_the_one_build_recurrence_makes() -> None:
    timing = Timing(at="07:15", weekdays="sat", every=3)
    built = build_recurrence("weekly", "Asia/Tokyo", now=NOW, at="07:15", weekdays="sat", every=3)
    assert timing.recurrence("weekly", "Asia/Tokyo", now=NOW) == built


def test_a_missing_field_is_refused_as_before() -> None:
    with pytest.raises(ScheduleError, match="needs a time of day"):
        Timing(weekdays="mon").recurrence("weekly", "UTC", now=NOW)


@pytest.mark.parametrize("name", [f.name for f in fields(Timing)])
def test_any_one_field_counts_as_given(name: str) -> None:
    assert not NO_TIMING.given()
    value: object = 1 if name == "every" else "x"
    assert Timing(**{name: value}).given()  # type: ignore[arg-type]


def test_edit_without_repeat_or_zone_keeps_the_rule() -> None:
    assert changed_recurrence(None, None, NO_TIMING, current_zone="UTC", now=NOW) is None


def test_edit_with_timing_but_no_repeat_is_refused() -> None:
    with pytest.raises(ScheduleError, match="choose `repeat`"):
        changed_recurrence(None, None, Timing(at="18:00"), current_zone="UTC", now=NOW)


def test_edit_with_a_zone_but_no_repeat_is_refused_first() -> None:
    with pytest.raises(ScheduleError, match="To change the time zone"):
        changed_recurrence(None, "Asia/Tokyo", Timing(at="18:00"), current_zone="UTC", now=NOW)


def test_edit_with_repeat_keeps_the_zone_unless_given() -> None:
    kept = changed_recurrence(
        "daily", None, Timing(at="18:00"), current_zone="Europe/Berlin", now=NOW
    )
    assert kept is not None and kept.timezone == "Europe/Berlin"
    moved = changed_recurrence(
        "daily", "Asia/Tokyo", Timing(at="18:00"), current_zone="Europe/Berlin", now=NOW
    )
    assert moved is not None and moved.timezone == "Asia/Tokyo"
    blank = changed_recurrence(
        "daily", "", Timing(at="18:00"), current_zone="Europe/Berlin", now=NOW
    )
    assert blank is not None and blank.timezone == "Europe/Berlin"


def test_edit_with_repeat_validates_the_new_timing() -> None:
    with pytest.raises(ScheduleError, match="needs a time of day"):
        changed_recurrence("daily", None, NO_TIMING, current_zone="UTC", now=NOW)
