"""Attendance rates and date ranges."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.meetings.attendance import date_range, summarise
from bot.meetings.errors import BadDateRange


def test_member_and_meeting_rates() -> None:
    summary = summarise([1, 2, 3, 4], [(1, 10), (2, 10), (3, 10), (1, 20), (4, 30)])
    rates = {r.member_id: (r.attended, r.held, r.rate) for r in summary.members}
    assert rates == {10: (3, 4, 0.75), 20: (1, 4, 0.25), 30: (1, 4, 0.25)}
    assert [r.member_id for r in summary.members] == [10, 20, 30]
    per_meeting = {r.meeting_id: (r.attendees, r.members) for r in summary.meetings}
    assert per_meeting == {1: (2, 3), 2: (1, 3), 3: (1, 3), 4: (1, 3)}
    assert summary.meetings[0].rate == pytest.approx(2 / 3)


def test_duplicates_and_meetings_outside_the_range_are_ignored() -> None:
    summary = summarise([1, 2], [(1, 10), (1, 10), (9, 10), (9, 20)])
    assert [(r.member_id, r.attended) for r in summary.members] == [(10, 1)]
    assert [(r.meeting_id, r.attendees) for r in summary.meetings] == [(1, 1), (2, 0)]


def test_no_meetings_gives_zero_rates_not_a_crash() -> None:
    summary = summarise([], [(1, 10)])
    assert summary.members == [] and summary.meetings == []


def test_date_range_is_inclusive_in_the_server_timezone() -> None:
    lo, hi = date_range("2024-09-01", "2024-09-30", ZoneInfo("Europe/Paris"))
    assert lo == datetime(2024, 8, 31, 22, 0, tzinfo=UTC)
    assert hi == datetime(2024, 9, 30, 22, 0, tzinfo=UTC)


def test_open_bounds() -> None:
    assert date_range(None, None, ZoneInfo("UTC")) == (None, None)
    lo, hi = date_range("2024-01-01", None, ZoneInfo("UTC"))
    assert lo == datetime(2024, 1, 1, tzinfo=UTC) and hi is None


def test_same_day_is_a_full_day() -> None:
    lo, hi = date_range("2024-03-05", "2024-03-05", ZoneInfo("UTC"))
    assert lo is not None and hi is not None
    assert (hi - lo).days == 1


def test_end_before_start_is_refused() -> None:
    with pytest.raises(BadDateRange, match="before the start"):
        date_range("2024-09-30", "2024-09-01", ZoneInfo("UTC"))


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "01/09/2024"])
def test_unreadable_dates_are_refused(bad: str) -> None:
    with pytest.raises(BadDateRange, match="YYYY-MM-DD"):
        date_range(bad, None, ZoneInfo("UTC"))
