"""Prompt schedules, runs and the reading log against a real SQLite database."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.privacy import export_member, forget_member
from bot.scheduling.content import Content, PostOptions, PostPayload, questions_content
from bot.scheduling.recurrence import build_recurrence
from bot.storage import prompts as store
from bot.storage import reading_log
from bot.storage.database import Database

GUILD, OTHER = 1, 2
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # a Monday


async def make(db: Database, guild: int = GUILD, creator: int = 7) -> store.Schedule:
    rule = build_recurrence("daily", "Europe/Berlin", now=NOW, at="18:00")
    return await store.create_schedule(
        db,
        store.NewSchedule(guild, 100, creator, questions_content("One?\nTwo?"), rule),
        NOW,
    )


async def count(db: Database, table: str) -> int:
    row = await db.fetchone(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


async def test_create_plans_the_first_run_in_local_time(db: Database) -> None:
    schedule = await make(db)
    assert schedule.next_run_at == datetime(2026, 5, 4, 16, 0, tzinfo=UTC)  # 18:00 CEST
    assert schedule.status == "active"
    assert await store.get_schedule(db, GUILD, schedule.id) == schedule
    with pytest.raises(store.UnknownSchedule):
        await store.get_schedule(db, OTHER, schedule.id)


async def test_claim_is_exactly_once_even_when_raced(db: Database) -> None:
    schedule = await make(db)
    due = schedule.next_run_at
    assert due is not None
    following = schedule.recurrence.next_after(due)

    async def attempt() -> store.Run | None:
        return await store.claim_run(
            db,
            schedule,
            due_at=due,
            payload=PostPayload("hi"),
            state={"index": 1},
            next_run_at=following,
            now=due,
        )

    results = await asyncio.gather(*(attempt() for _ in range(5)))
    claimed = [r for r in results if r is not None]
    assert len(claimed) == 1
    assert claimed[0].nonce == f"prompt-{claimed[0].id}" and len(claimed[0].nonce) <= 25
    after = await store.get_schedule(db, GUILD, schedule.id)
    assert after.next_run_at == following and after.state == {"index": 1}
    assert await count(db, "prompt_runs") == 1
    assert [r.id for r in await store.pending_runs(db, due)] == [claimed[0].id]

    await store.mark_posted(db, claimed[0].id, message_id=555, thread_id=None, now=due)
    assert await store.pending_runs(db, due) == []
    assert (await store.get_run(db, claimed[0].id)).message_id == 555


async def test_claim_after_an_edit_changes_nothing(db: Database) -> None:
    schedule = await make(db)
    due = schedule.next_run_at
    assert due is not None
    new_rule = build_recurrence("weekly", "Europe/Berlin", now=NOW, at="09:00", weekdays="sun")
    edited = await store.update_schedule(db, GUILD, schedule.id, NOW, recurrence=new_rule)
    assert edited.next_run_at == datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
    run = await store.claim_run(
        db,
        schedule,
        due_at=due,
        payload=PostPayload("stale"),
        state={"index": 1},
        next_run_at=None,
        now=due,
    )
    assert run is None
    assert await count(db, "prompt_runs") == 0
    assert (await store.get_schedule(db, GUILD, schedule.id)).state == {}


async def at_fourth_section(db: Database, schedule_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE prompt_schedules SET state = ? WHERE id = ?", ('{"next": "four"}', schedule_id)
        )


async def test_editing_a_plan_keeps_its_position_unless_what_is_read_changes(
    db: Database,
) -> None:
    rule = build_recurrence("daily", "Europe/Berlin", now=NOW, at="18:00")
    plan = Content(kind="reading", questions=("Agree?",), document="doc", start="one")
    schedule = await store.create_schedule(db, store.NewSchedule(GUILD, 100, 7, plan, rule), NOW)
    await at_fourth_section(db, schedule.id)
    kept = {"next": "four"}
    reworded = Content(kind="reading", questions=("Disagree?",), document="doc", start="one")
    edits: list[dict[str, object]] = [
        {"content": reworded},
        {"content": Content(kind="reading", document="doc", start="one")},
        {"channel_id": 200},
        {"options": PostOptions(thread_name="On {title}", thread_archive_minutes=60)},
        {"options": PostOptions(ping_role_id=9)},
        {"recurrence": build_recurrence("weekly", "UTC", now=NOW, at="09:00", weekdays="sun")},
    ]
    for edit in edits:
        edited = await store.update_schedule(db, GUILD, schedule.id, NOW, **edit)  # type: ignore[arg-type]
        assert edited.state == kept, edit
    assert edited.content.questions == ()
    for change in (
        {"document": "other"},
        {"start": "two"},
        {"unit": "paragraphs", "count": 3},
    ):
        await at_fourth_section(db, schedule.id)
        fields = {"kind": "reading", "document": "doc", "start": "one", **change}
        moved = await store.update_schedule(
            db,
            GUILD,
            schedule.id,
            NOW,
            content=Content(**fields),  # type: ignore[arg-type]
        )
        assert moved.state == {}, change


async def test_skip_next_records_a_skipped_run_that_cannot_be_claimed(db: Database) -> None:
    schedule = await make(db)
    skipped, after = await store.skip_next(db, GUILD, schedule.id, NOW)
    assert skipped == schedule.next_run_at
    assert after.next_run_at == skipped + timedelta(days=1)
    runs = await store.runs_for_schedule(db, schedule.id)
    assert [(r.status, r.due_at) for r in runs] == [("skipped", skipped)]
    assert await store.pending_runs(db, skipped + timedelta(days=2)) == []


async def test_pause_resume_and_refusals(db: Database) -> None:
    schedule = await make(db)
    paused = await store.pause_schedule(db, GUILD, schedule.id, "moderator", NOW)
    assert paused.status == "paused"
    assert await store.due_schedules(db, NOW + timedelta(days=3)) == []
    assert await store.next_wake_at(db) is None
    with pytest.raises(store.ScheduleStateError):
        await store.pause_schedule(db, GUILD, schedule.id, "again", NOW)
    later = NOW + timedelta(days=3)
    resumed = await store.resume_schedule(db, GUILD, schedule.id, later)
    # Runs missed while paused are not owed: the next is the first after resuming.
    assert resumed.next_run_at == datetime(2026, 5, 7, 16, 0, tzinfo=UTC)
    assert resumed.paused_reason is None
    with pytest.raises(store.ScheduleStateError):
        await store.resume_schedule(db, GUILD, schedule.id, later)


async def test_remove_and_lists_are_per_server(db: Database) -> None:
    mine = [await make(db) for _ in range(3)]
    theirs = await make(db, guild=OTHER)
    assert [s.id for s in await store.list_schedules(db, GUILD, limit=2)] == [
        mine[0].id,
        mine[1].id,
    ]
    assert await store.count_schedules(db, GUILD) == 3
    with pytest.raises(store.UnknownSchedule):
        await store.remove_schedule(db, GUILD, theirs.id)
    await store.remove_schedule(db, GUILD, mine[1].id)
    assert await store.count_schedules(db, GUILD) == 2
    assert await store.count_schedules(db, OTHER) == 1


async def test_due_and_wake_times(db: Database) -> None:
    first = await make(db)
    assert await store.next_wake_at(db) == first.next_run_at
    assert first.next_run_at is not None
    assert await store.due_schedules(db, first.next_run_at - timedelta(seconds=1)) == []
    assert [s.id for s in await store.due_schedules(db, first.next_run_at)] == [first.id]


async def test_reading_log_counts_a_passage_once_a_day_and_undoes(db: Database) -> None:
    async def mark(day: date) -> bool:
        return await reading_log.record_reading(
            db,
            guild_id=GUILD,
            user_id=5,
            document="anti-ai",
            section="intro",
            ref="anti-ai:intro",
            source="prompt",
            read_on=day,
            now=NOW,
        )

    assert await mark(date(2026, 5, 4))
    assert not await mark(date(2026, 5, 4))
    assert await mark(date(2026, 5, 5))
    readings = await reading_log.readings_for_member(db, guild_id=GUILD, user_id=5)
    assert [r.read_on for r in readings] == [date(2026, 5, 4), date(2026, 5, 5)]
    assert await reading_log.reading_days(db, guild_id=GUILD, user_id=5) == [
        date(2026, 5, 4),
        date(2026, 5, 5),
    ]
    assert await reading_log.readings_for_member(db, guild_id=OTHER, user_id=5) == []
    undone = await reading_log.undo_last_reading(db, guild_id=GUILD, user_id=5)
    assert undone is not None and undone.read_on == date(2026, 5, 5)
    assert len(await reading_log.readings_for_member(db, guild_id=GUILD, user_id=5)) == 1


async def test_member_data_export_and_forget(db: Database) -> None:
    schedule = await make(db, creator=5)
    await reading_log.record_reading(
        db,
        guild_id=GUILD,
        user_id=5,
        document="d",
        section="s",
        ref="d:s",
        read_on=date(2026, 5, 4),
        source="command",
        now=NOW,
    )
    exported = await export_member(db, 5)
    assert [row["ref"] for row in exported["reading_log"]] == ["d:s"]
    assert [row["id"] for row in exported["prompt_schedules"]] == [schedule.id]
    counts = await forget_member(db, 5)
    assert counts["reading_log"] == 1 and counts["prompt_schedules"] == 1
    assert await count(db, "reading_log") == 0
    # The server keeps its schedule; only the link to the person goes.
    assert (await store.get_schedule(db, GUILD, schedule.id)).creator_id is None
