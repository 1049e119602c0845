"""The group's reading of one text, per section: how many members have read it, week by week.

Plain arithmetic over the first day each member read each section
(:func:`bot.storage.group_reading.first_reads`), so the web page and any later report agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.library.model import Section


@dataclass(frozen=True, slots=True)
class SectionReaders:
    section: Section
    readers: int
    """Members who have read the section, today."""
    by_week: tuple[int, ...]
    """Members who had read it by the end of each of the weeks asked for, oldest first."""


def week_ends(today: date, weeks: int) -> list[date]:
    """The last day of each of the last ``weeks`` weeks (Monday to Sunday), ending with this one."""
    sunday = today + timedelta(days=6 - today.weekday())
    return [sunday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def section_readers(
    sections: Sequence[Section],
    firsts: Mapping[str, Mapping[date, int]],
    ends: Sequence[date],
) -> list[SectionReaders]:
    """Readers of each section in reading order, now and by the end of each week in ``ends``."""
    result = []
    for section in sections:
        days = firsts.get(section.slug, {})
        by_week = tuple(sum(n for day, n in days.items() if day <= end) for end in ends)
        result.append(SectionReaders(section, sum(days.values()), by_week))
    return result


@dataclass(frozen=True, slots=True)
class PlanStanding:
    """Where members stand against a reading plan's sections posted so far."""

    due: tuple[str, ...]
    on_track: tuple[int, ...]
    """Members on track who may be named (all of them, or the first of them a page names)."""
    behind: tuple[int, ...]
    private_on_track: int
    private_behind: int
    on_track_total: int
    """Members on track who may be named, however many of them ``on_track`` lists."""
    behind_total: int


def sections_posted(
    sections: Sequence[Section], start: str, next_slug: str | None, *, started: bool
) -> list[str]:
    """The slugs a section-by-section plan has posted: from its start up to the next to post.

    ``started`` False (no post yet) means none; ``next_slug`` None after a start means the plan
    reached the end of the text, so every section from its start was posted.
    """
    if not started:
        return []
    slugs = [s.slug for s in sections]
    if start not in slugs:
        return []
    begin = slugs.index(start)
    end = slugs.index(next_slug) if next_slug in slugs else len(slugs)
    return slugs[begin:end] if end > begin else []


def plan_standing(
    due: Sequence[str], readers: Mapping[int, set[str]], private: set[int]
) -> PlanStanding:
    """Members who read every section posted so far are on track; the others who began, behind.

    Members who chose privacy are counted, never listed.
    """
    wanted = set(due)
    counts = {member: len(read & wanted) for member, read in readers.items()}
    return standing_from_counts(due, counts, private)


def standing_from_counts(
    due: Sequence[str], counts: Mapping[int, int], private: set[int], *, named: int | None = None
) -> PlanStanding:
    """:func:`plan_standing` from how many of ``due`` each member read (what the database
    counts), naming at most ``named`` members of each list (lowest ids first)."""
    wanted = len(set(due))
    on_track = sorted(m for m, n in counts.items() if n >= wanted and n > 0)
    behind = sorted(m for m, n in counts.items() if 0 < n < wanted)
    named_on_track = [m for m in on_track if m not in private]
    named_behind = [m for m in behind if m not in private]
    return PlanStanding(
        due=tuple(due),
        on_track=tuple(named_on_track[:named]),
        behind=tuple(named_behind[:named]),
        private_on_track=len(on_track) - len(named_on_track),
        private_behind=len(behind) - len(named_behind),
        on_track_total=len(named_on_track),
        behind_total=len(named_behind),
    )


__all__ = [
    "PlanStanding",
    "SectionReaders",
    "plan_standing",
    "section_readers",
    "sections_posted",
    "standing_from_counts",
    "week_ends",
]
