"""The group's reading of a text: how many members have read each section, and since when.

Read from the tables migration 0010 keeps with the reading log's triggers, in the same transaction
as every reading, undo and forgetting: ``reading_firsts`` (each member's first day per section)
and ``reading_first_days`` (how many members first read each section on each day). A page thus
reads a few rows per section and day, and one per member of a plan's readers, never the log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from bot.storage.database import Database
from bot.streaks.group import PlanStanding, standing_from_counts


async def first_reads(
    db: Database, guild_id: int, document: str, *, weeks: Sequence[date] = ()
) -> dict[str, dict[date, int]]:
    """Per section slug: how many members first read it on each day (their local date).

    With ``weeks`` (ascending week ends, as the page's table has them), each day is counted on
    the first of them on or after it instead: the same figures for "read by the end of each
    week", in a few rows per section rather than one per day since the text was first read.
    """
    day = "first_on"
    params: list[object] = []
    if weeks:
        cases = " ".join("WHEN first_on <= ? THEN ?" for _ in weeks)
        day = f"CASE {cases} ELSE first_on END"
        for end in weeks:
            params += [end.isoformat(), end.isoformat()]
    rows = await db.fetchall(
        f"SELECT section, {day} AS first_on, SUM(members) AS n FROM reading_first_days "
        "WHERE guild_id = ? AND document = ? GROUP BY 1, 2",
        [*params, guild_id, document],
    )
    result: dict[str, dict[date, int]] = defaultdict(dict)
    for row in rows:
        result[row["section"]][date.fromisoformat(row["first_on"])] = int(row["n"])
    return dict(result)


async def readers_of(
    db: Database, guild_id: int, document: str, sections: list[str]
) -> dict[int, set[str]]:
    """Per member who read any of ``sections`` of the text: which of them they read."""
    if not sections:
        return {}
    marks = ", ".join("?" for _ in sections)
    rows = await db.fetchall(
        "SELECT user_id, section FROM reading_firsts "
        f"WHERE guild_id = ? AND document = ? AND section IN ({marks})",
        [guild_id, document, *sections],
    )
    result: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        result[int(row["user_id"])].add(row["section"])
    return dict(result)


async def plan_standing(
    db: Database, guild_id: int, document: str, due: Sequence[str], *, named: int
) -> PlanStanding:
    """Who is on track with a plan's ``due`` sections, naming at most ``named`` of each list.

    The database counts how many of them each reader read (one row per reader, not per
    reading); :func:`bot.streaks.group.standing_from_counts` applies the rule.
    """
    if not due:
        return standing_from_counts(due, {}, set())
    sections = list(dict.fromkeys(due))
    marks = ", ".join("?" for _ in sections)
    rows = await db.fetchall(
        "SELECT user_id, COUNT(*) AS n FROM reading_firsts "
        f"WHERE guild_id = ? AND document = ? AND section IN ({marks}) GROUP BY user_id",
        [guild_id, document, *sections],
    )
    counts = {int(row[0]): int(row[1]) for row in rows}
    return standing_from_counts(due, counts, await private_members(db), named=named)


async def private_members(db: Database) -> set[int]:
    """Everyone who chose privacy (``/me privacy``): counted on the group's pages, never named.

    Read whole from the partial index ``member_settings_private``: few members choose it, and
    asking for them all is one query where asking about 10,000 readers would be twenty.
    """
    rows = await db.fetchall("SELECT user_id FROM member_settings WHERE private = 1")
    return {int(row["user_id"]) for row in rows}


__all__ = ["first_reads", "plan_standing", "private_members", "readers_of"]
