from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.privacy import export_member, forget_member
from bot.storage import Database
from bot.storage import streaks as store
from bot.storage.guild_settings import set_setting
from bot.storage.meetings import check_in, start_meeting
from bot.storage.reading_log import record_reading, undo_last_reading
from bot.timezones import UnknownTimezone

GUILD = 1
NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)  # a Wednesday


async def read(db: Database, user: int, day: date, ref: str = "tc:goals:1") -> bool:
    document, section, _ = ref.split(":")
    return await record_reading(
        db,
        guild_id=GUILD,
        user_id=user,
        document=document,
        section=section,
        ref=ref,
        read_on=day,
        source="command",
        now=NOW,
    )


async def read_run(db: Database, user: int, days: int) -> None:
    for i in range(days):
        await read(db, user, NOW.date() - timedelta(days=i))


async def test_leaderboard_ranks_current_streaks_with_shared_places(db: Database) -> None:
    await read_run(db, 10, 5)
    await read_run(db, 11, 3)
    await read_run(db, 12, 3)
    await read_run(db, 13, 1)
    board = await store.leaderboard(db, GUILD, "streak", "all", now=NOW, viewer_id=13)
    assert [(e.rank, e.user_id, e.value) for e in board.entries] == [
        (1, 10, 5),
        (2, 11, 3),
        (2, 12, 3),
        (4, 13, 1),
    ]
    assert board.own is not None and board.own.rank == 4


async def test_pages_keep_ties_across_the_boundary(db: Database) -> None:
    for user in range(20, 25):
        await read_run(db, user, 2)
    board = await store.leaderboard(db, GUILD, "streak", "all", now=NOW, page=1, per_page=2)
    assert board.total == 5
    assert [e.rank for e in board.entries] == [1, 1]
    past_end = await store.leaderboard(db, GUILD, "streak", "all", now=NOW, page=9, per_page=2)
    assert past_end.page == 2 and len(past_end.entries) == 1


async def test_opted_out_members_are_left_out_but_see_their_own_place(db: Database) -> None:
    await read_run(db, 30, 4)
    await read_run(db, 31, 2)
    await store.set_private(db, 30, True, now=NOW)
    board = await store.leaderboard(db, GUILD, "streak", "all", now=NOW, viewer_id=30)
    assert [e.user_id for e in board.entries] == [31]
    assert board.own is not None and (board.own.rank, board.own.value) == (1, 4)
    other = await store.leaderboard(db, GUILD, "streak", "all", now=NOW, viewer_id=31)
    assert other.own is not None and other.own.rank == 1


async def test_a_lapsed_streak_leaves_the_board_without_a_new_reading(db: Database) -> None:
    await read_run(db, 40, 3)
    assert (await store.leaderboard(db, GUILD, "streak", "all", now=NOW)).total == 1
    later = NOW + timedelta(days=2)
    assert (await store.leaderboard(db, GUILD, "streak", "all", now=later)).total == 0


async def test_undo_and_other_writers_keep_the_cache_true(db: Database) -> None:
    await read_run(db, 50, 3)
    assert (await store.leaderboard(db, GUILD, "streak", "all", now=NOW)).entries[0].value == 3
    undone = await undo_last_reading(db, guild_id=GUILD, user_id=50)
    assert undone is not None
    board = await store.leaderboard(db, GUILD, "streak", "all", now=NOW)
    assert board.entries[0].value == 2


async def test_rule_changes_recompute_every_figure(db: Database) -> None:
    today = NOW.date()
    await read(db, 60, today)
    await read(db, 60, today - timedelta(days=2))  # Monday; Tuesday missed
    assert (await store.leaderboard(db, GUILD, "streak", "all", now=NOW)).entries[0].value == 1
    await set_setting(db, GUILD, "streak_freezes_per_week", 1)
    assert (await store.leaderboard(db, GUILD, "streak", "all", now=NOW)).entries[0].value == 2


async def test_sections_board_counts_distinct_sections_by_period(db: Database) -> None:
    today = NOW.date()
    await read(db, 70, today, "tc:goals:1")
    await read(db, 70, today, "tc:goals:2")
    await read(db, 70, today, "tc:means:1")
    await read(db, 71, today - timedelta(days=40), "tc:goals:1")
    week = await store.leaderboard(db, GUILD, "sections", "week", now=NOW)
    assert [(e.user_id, e.value) for e in week.entries] == [(70, 2)]
    await store.refresh_stats(db, GUILD, NOW)
    ever = await store.leaderboard(db, GUILD, "sections", "all", now=NOW)
    assert [(e.user_id, e.value) for e in ever.entries] == [(70, 2), (71, 1)]


async def test_attendance_rate_and_attendance_as_streak_day(db: Database) -> None:
    for days_ago in (1, 8):
        meeting = await start_meeting(
            db,
            guild_id=GUILD,
            title="Reading",
            at=NOW - timedelta(days=days_ago),
            text_channel_id=100 + days_ago,
            voice_channel_id=None,
            started_by_id=1,
        )
        await check_in(db, GUILD, meeting.id, 80, at=NOW - timedelta(days=days_ago))
        if days_ago == 1:
            await check_in(db, GUILD, meeting.id, 81, at=NOW - timedelta(days=days_ago))
    board = await store.leaderboard(db, GUILD, "attendance", "all", now=NOW)
    assert [(e.user_id, e.value, e.detail) for e in board.entries] == [
        (80, 1.0, "2/2"),
        (81, 0.5, "1/2"),
    ]
    await read(db, 81, NOW.date())
    assert (await store.member_streak(db, GUILD, 81, NOW)).streak.current == 1
    await set_setting(db, GUILD, "streak_counts_attendance", True)
    assert (await store.member_streak(db, GUILD, 81, NOW)).streak.current == 2


async def test_unknown_time_zone_changes_nothing(db: Database) -> None:
    await store.set_timezone(db, 90, "Asia/Tokyo", now=NOW)
    with pytest.raises(UnknownTimezone):
        await store.set_timezone(db, 90, "Mars/Olympus", now=NOW)
    assert (await store.get_member_settings(db, 90)).timezone == "Asia/Tokyo"
    assert await store.member_today(db, GUILD, 90, datetime(2025, 6, 18, 20, tzinfo=UTC)) == date(
        2025, 6, 19
    )


async def test_member_zone_falls_back_to_the_server(db: Database) -> None:
    await set_setting(db, GUILD, "timezone", "America/Los_Angeles")
    assert (await store.member_zone(db, GUILD, 91)).key == "America/Los_Angeles"


def test_next_reminder_crosses_dst_once() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2025, 3, 29, 12, tzinfo=UTC)
    at = store.next_reminder_at(2 * 60 + 30, berlin, before)  # 02:30 does not exist on 30 March
    assert at > before and at - before < timedelta(days=1)
    evening = store.next_reminder_at(20 * 60, berlin, datetime(2025, 3, 30, 12, tzinfo=UTC))
    assert evening == datetime(2025, 3, 30, 18, tzinfo=UTC)


async def test_failed_reminder_turns_off_and_is_told_once(db: Database) -> None:
    await store.set_reminder(db, 95, GUILD, 20 * 60, now=NOW)
    due = await store.due_reminders(db, NOW + timedelta(days=1))
    assert [m.user_id for m in due] == [95]
    await store.reminder_failed(db, 95, now=NOW)
    assert await store.due_reminders(db, NOW + timedelta(days=2)) == []
    assert await store.take_reminder_failure(db, 95, now=NOW) is True
    assert await store.take_reminder_failure(db, 95, now=NOW) is False


async def test_export_and_forget_cover_streak_data(db: Database) -> None:
    # An export is "as of now", on the real clock: the days are the real today and yesterday.
    await store.set_timezone(db, 99, "Europe/Paris", now=NOW)
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    for days_ago in (2, 1, 0):
        await read(db, 99, today - timedelta(days=days_ago))
    await store.member_streak(db, GUILD, 99, datetime.now(UTC))
    exported = await export_member(db, 99)
    assert exported["member_settings"][0]["timezone"] == "Europe/Paris"
    assert exported["streaks"][0]["current"] == 3
    # The cached figures are refreshed for the export: an undo shows at once.
    undone = await undo_last_reading(db, guild_id=GUILD, user_id=99)
    assert undone is not None and undone.read_on == today
    exported = await export_member(db, 99)
    assert (exported["streaks"][0]["current"], exported["streaks"][0]["longest"]) == (2, 2)
    await forget_member(db, 99)
    for table in ("member_settings", "member_stats", "reading_log"):
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (99,))
        assert row is not None and row[0] == 0, table


async def test_marking_twice_a_day_counts_once_and_triggers_keep_rowcount(db: Database) -> None:
    assert await read(db, 5, NOW.date()) is True
    assert await read(db, 5, NOW.date()) is False
    streak = await store.member_streak(db, GUILD, 5, NOW)
    assert streak.counts == {NOW.date(): 1}
