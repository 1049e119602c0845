"""A member's reading in one server, gathered for a page: the figures ``/progress``, ``/streak``
and ``/attendance member`` show, computed by the same functions, in one call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.library import Library, Section
from bot.meetings.model import Attendance, Meeting
from bot.storage import meetings as meeting_store
from bot.storage import streaks as store
from bot.storage.database import Database
from bot.streaks.heatmap import HeatmapGrid, heatmap_grid
from bot.streaks.progress import Progress, progress_of, readable_sections
from bot.streaks.rules import Streak

HISTORY_LIMIT: Final = 100
"""Meetings listed at most (newest first): a group meeting weekly for two years."""


@dataclass(frozen=True, slots=True)
class TextProgress:
    progress: Progress
    sections: tuple[tuple[Section, bool], ...]
    """Every readable section of the text in reading order, and whether the member read it."""


@dataclass(frozen=True, slots=True)
class MemberOverview:
    texts: tuple[TextProgress, ...]
    streak: Streak
    last_read_at: datetime | None
    zone: str
    grid: HeatmapGrid
    history: tuple[tuple[Meeting, Attendance | None], ...]
    meetings_held: int
    meetings_attended: int


async def member_overview(
    db: Database, library: Library, guild_id: int, user_id: int, now: datetime
) -> MemberOverview:
    read = await store.sections_read(db, guild_id, user_id)
    texts = []
    for item in progress_of(library, read):
        document = library.documents[item.document]
        sections = tuple(
            (section, (document.slug, section.slug) in read)
            for section in readable_sections(document)
        )
        texts.append(TextProgress(item, sections))
    figures = await store.member_streak(db, guild_id, user_id, now)
    history = await meeting_store.member_history(db, guild_id, user_id)
    return MemberOverview(
        texts=tuple(texts),
        streak=figures.streak,
        last_read_at=figures.last_read_at,
        zone=figures.zone.key,
        grid=heatmap_grid(figures.counts, figures.today),
        history=tuple(history[:HISTORY_LIMIT]),
        meetings_held=len(history),
        meetings_attended=sum(1 for _, attended in history if attended is not None),
    )
