"""``reading_firsts`` and ``plan_readers`` agree with the reading log they are kept from, on
both databases.

The group's reading page counts members per section, and a running plan's readers, from these
tables alone, so any write to the log that forgot them (marking read, undo, forgetting a
member) or a plan's posting that did would show a wrong count. Random sequences of those writes
are compared with counting the log directly after each step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.library.model import Section
from bot.privacy import forget_member
from bot.scheduling.content import questions_content
from bot.scheduling.recurrence import build_recurrence
from bot.storage import group_reading, prompts
from bot.storage.database import Database, Dialect, load_migrations
from bot.storage.reading_log import record_reading, undo_last_reading
from bot.storage.streaks import set_private
from bot.streaks.group import plan_standing, section_readers

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
DAY0 = date(2026, 2, 1)
GUILDS = (10, 20)
USERS = (1, 2, 3)
SECTIONS = (("doc", "one"), ("doc", "two"), ("other", "one"))

_read = st.tuples(
    st.just("read"),
    st.sampled_from(GUILDS),
    st.sampled_from(USERS),
    st.sampled_from(SECTIONS),
    st.integers(0, 2),  # paragraph
    st.integers(0, 3),  # day
    st.integers(0, 9),  # minutes after NOW: undo removes the latest created
)
_undo = st.tuples(st.just("undo"), st.sampled_from(GUILDS), st.sampled_from(USERS))
_forget = st.tuples(st.just("forget"), st.sampled_from(USERS))
_private = st.tuples(st.just("private"), st.sampled_from(USERS), st.booleans())
PLANS = ((10, "doc"), (20, "doc"), (10, "other"))
"""Each example's plans, by guild and text; a plan posts sections of ``("one", "two")``."""
_post = st.tuples(st.just("post"), st.integers(0, len(PLANS) - 1), st.integers(0, 2))
OPERATIONS = st.lists(
    st.one_of(_read, _read, _read, _undo, _forget, _private, _post), min_size=1, max_size=25
)


async def _from_log(db: Database) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(
        "SELECT guild_id, document, section, user_id, MIN(read_on) AS first_on FROM reading_log "
        "GROUP BY guild_id, document, section, user_id ORDER BY 1, 2, 3, 4"
    )
    return [tuple(row) for row in rows]


async def _kept(db: Database) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(
        "SELECT guild_id, document, section, user_id, first_on FROM reading_firsts "
        "ORDER BY 1, 2, 3, 4"
    )
    return [tuple(row) for row in rows]


async def _days_from_log(db: Database) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(
        "SELECT guild_id, document, section, first_on, COUNT(*) FROM ("
        "SELECT guild_id, document, section, user_id, MIN(read_on) AS first_on FROM reading_log "
        "GROUP BY guild_id, document, section, user_id) firsts "
        "GROUP BY guild_id, document, section, first_on ORDER BY 1, 2, 3, 4"
    )
    return [tuple(row) for row in rows]


async def _days_kept(db: Database) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(
        "SELECT guild_id, document, section, first_on, members FROM reading_first_days "
        "ORDER BY 1, 2, 3, 4"
    )
    return [tuple(row) for row in rows]


async def _plan_readers_from_log(db: Database) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(
        "SELECT p.schedule_id, f.user_id, COUNT(*) FROM plan_sections p JOIN ("
        "SELECT DISTINCT guild_id, document, section, user_id FROM reading_log) f "
        "ON f.guild_id = p.guild_id AND f.document = p.document AND f.section = p.section "
        "GROUP BY p.schedule_id, f.user_id ORDER BY 1, 2"
    )
    return [tuple(row) for row in rows]


async def _plan_readers_kept(db: Database) -> list[tuple[Any, ...]]:
    rows = await db.fetchall(
        "SELECT schedule_id, user_id, sections FROM plan_readers ORDER BY 1, 2"
    )
    return [tuple(row) for row in rows]


async def _new_plans(db: Database) -> list[int]:
    rule = build_recurrence("daily", "UTC", now=NOW, at="18:00")
    content = questions_content("Read?")
    return [
        (await prompts.create_schedule(db, prompts.NewSchedule(g, 1, 1, content, rule), NOW)).id
        for g, _document in PLANS
    ]


async def _standing_agrees(
    db: Database, plan: int, guild: int, document: str, due: list[str], named: int
) -> None:
    """The database's count of a plan's standing is the pure rule's, cut to ``named`` names."""
    readers = await group_reading.readers_of(db, guild, document, due)
    rule = plan_standing(due, readers, await group_reading.private_members(db))
    counted = await group_reading.plan_standing(
        db, guild, document, due, schedule_id=plan, named=named
    )
    assert counted == replace(rule, on_track=rule.on_track[:named], behind=rule.behind[:named])


async def _weeks_agree(db: Database) -> None:
    """Days rounded up to the page's week ends give the page the same figures as every day."""
    ends = [DAY0 + timedelta(days=1), DAY0 + timedelta(days=2)]  # day 3 is after the last
    sections = [Section("doc", slug, slug, 2) for slug in ("one", "two")]
    every_day = await group_reading.first_reads(db, 10, "doc")
    by_week = await group_reading.first_reads(db, 10, "doc", weeks=ends)
    assert section_readers(sections, by_week, ends) == section_readers(sections, every_day, ends)
    assert all(day in ends or day > ends[-1] for days in by_week.values() for day in days)


async def _apply(db: Database, op: tuple[Any, ...], plans: Sequence[int] = ()) -> None:
    if op[0] == "post":  # the page states what the plan posted so far
        _, index, posted = op
        guild, document = PLANS[index]
        due = ["one", "two"][:posted]
        await group_reading.plan_standing(
            db, guild, document, due, schedule_id=plans[index], named=5
        )
    elif op[0] == "read":
        _, guild, user, (document, section), paragraph, day, minutes = op
        await record_reading(
            db,
            guild_id=guild,
            user_id=user,
            document=document,
            section=section,
            ref=f"{document}:{section}:{paragraph}",
            read_on=DAY0 + timedelta(days=day),
            source="command",
            now=NOW + timedelta(minutes=minutes),
        )
    elif op[0] == "undo":
        await undo_last_reading(db, guild_id=op[1], user_id=op[2])
    elif op[0] == "private":
        await set_private(db, op[1], op[2], now=NOW)
    else:
        await forget_member(db, op[1])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
async def test_first_reads_follow_every_write_of_the_log(
    db: Database, operations: list[tuple[Any, ...]]
) -> None:
    async with db.transaction() as conn:  # the fixture's database is shared by the examples
        await conn.execute("DELETE FROM reading_log")
        await conn.execute("DELETE FROM member_settings")
        await conn.execute("DELETE FROM prompt_schedules")
    assert await _kept(db) == [] and await _days_kept(db) == []
    assert await _plan_readers_kept(db) == []
    plans = await _new_plans(db)
    for op in operations:
        await _apply(db, op, plans)
        assert await _kept(db) == await _from_log(db), op
        assert await _days_kept(db) == await _days_from_log(db), op
        assert await _plan_readers_kept(db) == await _plan_readers_from_log(db), op
    for plan, (guild, document) in zip(plans, PLANS, strict=True):
        for due in (["one"], ["one", "two"], []):
            for named in (1, 5):
                await _standing_agrees(db, plan, guild, document, due, named)
                assert await _plan_readers_kept(db) == await _plan_readers_from_log(db)
    await _weeks_agree(db)


async def test_migration_backfills_readings_written_before_it(
    database_url: str, dialect: Dialect
) -> None:
    before = [m for m in load_migrations(dialect=dialect) if m.version < 10]
    old = await Database.open(database_url, before)
    try:
        for op in [
            ("read", 10, 1, ("doc", "one"), 0, 4, 0),
            ("read", 10, 1, ("doc", "one"), 1, 2, 1),
            ("read", 10, 2, ("doc", "two"), 0, 5, 2),
            ("read", 20, 1, ("doc", "one"), 0, 6, 3),
        ]:
            await _apply(old, op)
        assert "reading_firsts" not in await old.tables()
    finally:
        await old.close()
    db = await Database.open(database_url)
    try:
        assert await _kept(db) == await _from_log(db)
        assert await _days_kept(db) == await _days_from_log(db)
        assert len(await _kept(db)) == 3
    finally:
        await db.close()


async def test_page_counts_come_from_the_kept_table(db: Database) -> None:
    """An undo of a member's first reading moves their first day; undoing the last removes them."""
    for day, minutes in ((3, 0), (1, 1)):
        await record_reading(
            db,
            guild_id=10,
            user_id=1,
            document="doc",
            section="one",
            ref=f"doc:one:{day}",
            read_on=DAY0 + timedelta(days=day),
            source="command",
            now=NOW + timedelta(minutes=minutes),
        )
    assert await group_reading.first_reads(db, 10, "doc") == {"one": {DAY0 + timedelta(days=1): 1}}
    await undo_last_reading(db, guild_id=10, user_id=1)
    assert await group_reading.first_reads(db, 10, "doc") == {"one": {DAY0 + timedelta(days=3): 1}}
    assert await group_reading.readers_of(db, 10, "doc", ["one", "two"]) == {1: {"one"}}
    await undo_last_reading(db, guild_id=10, user_id=1)
    assert await group_reading.first_reads(db, 10, "doc") == {}


async def test_plan_readers_count_readings_written_before_0011(
    database_url: str, dialect: Dialect
) -> None:
    """0011 stores no plan's sections; the page's first load states them and counts the readers
    of readings already there."""
    old = await Database.open(
        database_url, [m for m in load_migrations(dialect=dialect) if m.version < 11]
    )
    try:
        plans = await _new_plans(old)
        for op in [
            ("read", 10, 1, ("doc", "one"), 0, 4, 0),
            ("read", 10, 1, ("doc", "two"), 1, 2, 1),
            ("read", 10, 2, ("doc", "two"), 0, 5, 2),
            ("read", 20, 3, ("doc", "one"), 0, 6, 3),
        ]:
            await _apply(old, op)
    finally:
        await old.close()
    db = await Database.open(database_url)
    try:
        standing = await group_reading.plan_standing(
            db, 10, "doc", ["one", "two"], schedule_id=plans[0], named=5
        )
        assert (standing.on_track, standing.behind) == ((1,), (2,))
        assert await _plan_readers_kept(db) == await _plan_readers_from_log(db)
        assert len(await _plan_readers_kept(db)) == 2
    finally:
        await db.close()
