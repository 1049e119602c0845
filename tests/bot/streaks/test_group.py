"""The group's reading arithmetic: readers by week, a plan's posted sections, standing."""

from __future__ import annotations

from datetime import date

from bot.library.model import Section
from bot.meetings.attendance import rate_over_time
from bot.streaks.group import plan_standing, section_readers, sections_posted, week_ends

SECTIONS = [Section("doc", slug, slug.title(), 2) for slug in ("one", "two", "three")]


def test_week_ends_are_sundays_ending_this_week() -> None:
    assert week_ends(date(2026, 3, 4), 3) == [date(2026, 2, 22), date(2026, 3, 1), date(2026, 3, 8)]


def test_section_readers_cumulate_by_week() -> None:
    ends = [date(2026, 3, 1), date(2026, 3, 8)]
    firsts = {"one": {date(2026, 2, 27): 2, date(2026, 3, 3): 1}, "three": {date(2026, 3, 5): 4}}
    rows = section_readers(SECTIONS, firsts, ends)
    assert [(r.section.slug, r.readers, r.by_week) for r in rows] == [
        ("one", 3, (2, 3)),
        ("two", 0, (0, 0)),
        ("three", 4, (0, 4)),
    ]


def test_sections_posted() -> None:
    assert sections_posted(SECTIONS, "one", None, started=False) == []
    assert sections_posted(SECTIONS, "one", "three", started=True) == ["one", "two"]
    assert sections_posted(SECTIONS, "two", None, started=True) == ["two", "three"]
    assert sections_posted(SECTIONS, "gone", "two", started=True) == []


def test_plan_standing_counts_private_members_without_naming_them() -> None:
    readers = {1: {"one", "two"}, 2: {"one"}, 3: {"one", "two"}, 4: {"two"}}
    standing = plan_standing(["one", "two"], readers, private={3, 4})
    assert standing.on_track == (1,)
    assert standing.behind == (2,)
    assert (standing.private_on_track, standing.private_behind) == (1, 1)


def test_rate_over_time_ends_at_the_reports_rate() -> None:
    assert rate_over_time([True, False, True, True]) == [1.0, 0.5, 2 / 3, 0.75]
    assert rate_over_time([]) == []
