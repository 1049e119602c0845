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
    behind: tuple[int, ...]
    private_on_track: int
    private_behind: int


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
    on_track = sorted(m for m, read in readers.items() if wanted <= read)
    behind = sorted(m for m, read in readers.items() if not wanted <= read)
    return PlanStanding(
        due=tuple(due),
        on_track=tuple(m for m in on_track if m not in private),
        behind=tuple(m for m in behind if m not in private),
        private_on_track=sum(1 for m in on_track if m in private),
        private_behind=sum(1 for m in behind if m in private),
    )


__all__ = [
    "PlanStanding",
    "SectionReaders",
    "plan_standing",
    "section_readers",
    "sections_posted",
    "week_ends",
]
