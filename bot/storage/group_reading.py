"""The group's reading of a text: how many members have read each section, and since when.

Read from the tables migration 0010 keeps with the reading log's triggers, in the same transaction
as every reading, undo and forgetting: ``reading_firsts`` (each member's first day per section)
and ``reading_first_days`` (how many members first read each section on each day); and from
migration 0011's ``plan_readers`` (per running plan and reader, how many of its posted sections
they read). A page thus reads a few rows per section and day and counts index ranges for a
plan, never the log nor a row per reader.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date

from bot.storage.database import Connection, Database
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
    db: Database,
    guild_id: int,
    document: str,
    due: Sequence[str],
    *,
    schedule_id: int,
    named: int,
) -> PlanStanding:
    """Who is on track with the ``due`` sections of plan ``schedule_id``, naming at most
    ``named`` members of each list (lowest ids first), as
    :func:`bot.streaks.group.standing_from_counts` has it.

    Reads migration 0011's ``plan_readers``: per reader, how many of the plan's posted sections
    they read, kept by the triggers of every first read, undo and forgetting. Which sections a
    plan posted follows from the library's reading order, which the database does not know, so
    the caller states them; when they differ from the ones stored (the plan posted another
    section, or was edited), they are written first, and the triggers count their readers in
    the same transaction. A load then counts index ranges and reads at most ``named`` ids per
    list, whatever the number of readers.
    """
    wanted = {(document, section) for section in due}
    rows = await db.fetchall(
        "SELECT document, section FROM plan_sections WHERE schedule_id = ?", [schedule_id]
    )
    if {(row["document"], row["section"]) for row in rows} != wanted:
        await _state_sections(db, schedule_id, guild_id, wanted)
    if not wanted:
        return standing_from_counts(due, {}, set())
    posted = len(wanted)
    totals = await db.fetchone(
        "SELECT COUNT(*) AS readers, "
        "COALESCE(SUM(CASE WHEN sections >= ? THEN 1 ELSE 0 END), 0) AS on_track "
        "FROM plan_readers WHERE schedule_id = ?",
        [posted, schedule_id],
    )
    assert totals is not None
    private = await db.fetchone(
        "SELECT COUNT(*) AS readers, "
        "COALESCE(SUM(CASE WHEN r.sections >= ? THEN 1 ELSE 0 END), 0) AS on_track "
        "FROM member_settings m JOIN plan_readers r "
        "ON r.schedule_id = ? AND r.user_id = m.user_id WHERE m.private = 1",
        [posted, schedule_id],
    )
    assert private is not None
    named_ids = []
    # "=" rather than ">=" for those on track: a reader counts each stated section once, so
    # never more than were posted, and with the count fixed the index yields them in id order.
    for compare in ("=", "<"):
        found = await db.fetchall(
            "SELECT user_id FROM plan_readers "
            f"WHERE schedule_id = ? AND sections {compare} ? AND user_id NOT IN "
            "(SELECT user_id FROM member_settings WHERE private = 1) "
            "ORDER BY user_id LIMIT ?",
            [schedule_id, posted, named],
        )
        named_ids.append(tuple(int(row["user_id"]) for row in found))
    on_track, readers = int(totals["on_track"]), int(totals["readers"])
    private_on_track, private_readers = int(private["on_track"]), int(private["readers"])
    return PlanStanding(
        due=tuple(due),
        on_track=named_ids[0],
        behind=named_ids[1],
        private_on_track=private_on_track,
        private_behind=private_readers - private_on_track,
        on_track_total=on_track - private_on_track,
        behind_total=readers - on_track - (private_readers - private_on_track),
    )


async def _state_sections(
    db: Database, schedule_id: int, guild_id: int, wanted: set[tuple[str, str]]
) -> None:
    async with db.transaction() as conn:
        await write_plan_sections(conn, schedule_id, guild_id, wanted)


async def write_plan_sections(
    conn: Connection, schedule_id: int, guild_id: int, wanted: Collection[tuple[str, str]]
) -> None:
    """Store a plan's posted sections (document, section), in the caller's transaction; 0011's
    triggers recount its readers from reading_firsts.

    The scheduler calls it in the transaction that claims a plan's post, so the group's
    reading page finds them stored; the page still states them itself when they differ (a plan
    edited since, or posted before this was kept)."""
    cursor = await conn.execute(
        "SELECT document, section FROM plan_sections WHERE schedule_id = ?", [schedule_id]
    )
    stored = {(row["document"], row["section"]) for row in await cursor.fetchall()}
    wanted = set(wanted)
    for document, section in sorted(stored - wanted):
        await conn.execute(
            "DELETE FROM plan_sections WHERE schedule_id = ? AND document = ? AND section = ?",
            [schedule_id, document, section],
        )
    for document, section in sorted(wanted - stored):
        await conn.execute(
            "INSERT INTO plan_sections (schedule_id, guild_id, document, section) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [schedule_id, guild_id, document, section],
        )


async def private_members(db: Database) -> set[int]:
    """Everyone who chose privacy (``/me privacy``): counted on the group's pages, never named.

    Read whole from the partial index ``member_settings_private``: few members choose it, and
    asking for them all is one query where asking about 10,000 readers would be twenty.
    """
    rows = await db.fetchall("SELECT user_id FROM member_settings WHERE private = 1")
    return {int(row["user_id"]) for row in rows}


__all__ = ["first_reads", "plan_standing", "private_members", "readers_of", "write_plan_sections"]
