"""The group's reading of a text: how many members have read each section, and since when.

Read from ``reading_firsts`` (migration 0010): one row per member and section with the day they
first read it, kept by the reading log's triggers in the same transaction as every reading, undo
and forgetting. The page therefore reads one row per reader and section, however many times each
marked it, and never counts the reading log itself.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from bot.storage.database import Database


async def first_reads(db: Database, guild_id: int, document: str) -> dict[str, dict[date, int]]:
    """Per section slug: how many members first read it on each day (their local date)."""
    rows = await db.fetchall(
        "SELECT section, first_on, COUNT(*) AS n FROM reading_firsts "
        "WHERE guild_id = ? AND document = ? GROUP BY section, first_on",
        (guild_id, document),
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


async def private_members(db: Database) -> set[int]:
    """Everyone who chose privacy (``/me privacy``): counted on the group's pages, never named.

    Read whole from the partial index ``member_settings_private``: few members choose it, and
    asking for them all is one query where asking about 10,000 readers would be twenty.
    """
    rows = await db.fetchall("SELECT user_id FROM member_settings WHERE private = 1")
    return {int(row["user_id"]) for row in rows}


__all__ = ["first_reads", "private_members", "readers_of"]
