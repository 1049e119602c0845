"""Queries of the moderators' pages, on both databases: meetings with head counts and rosters,
first reads per section, readers of a plan's sections, privacy, the audit log by member."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.actions import Actor
from bot.actions.meetings import correct_attendance
from bot.storage import audit, streaks
from bot.storage import group_reading as reading
from bot.storage import meetings as store
from bot.storage.database import Database
from bot.storage.reading_log import record_reading

GUILD, OTHER = 10, 20
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def _meeting(db: Database, guild: int, hours_ago: int, members: tuple[int, ...]) -> int:
    at = NOW - timedelta(hours=hours_ago)
    meeting = await store.start_meeting(
        db,
        guild_id=guild,
        title=f"M{hours_ago}",
        at=at,
        text_channel_id=None,
        voice_channel_id=900 + hours_ago,
        started_by_id=None,
    )
    for member in members:
        await store.check_in(db, guild, meeting.id, member, at=at + timedelta(minutes=1))
    return meeting.id


async def test_meetings_page_counts_and_rosters(db: Database) -> None:
    old = await _meeting(db, GUILD, 30, (1, 2, 3))
    new = await _meeting(db, GUILD, 5, (2,))
    await _meeting(db, OTHER, 4, (9,))
    await store.record_voice(db, new, 7, counting=True, at=NOW - timedelta(hours=5))
    page, total = await store.meetings_page(db, GUILD, page=0, page_size=1)
    assert total == 2
    assert [(c.meeting.id, c.present) for c in page] == [(new, 1)]
    second, _ = await store.meetings_page(db, GUILD, page=1, page_size=1)
    assert [(c.meeting.id, c.present) for c in second] == [(old, 3)]
    chart = await store.recent_counts(db, GUILD, limit=10)
    assert [(c.meeting.id, c.present) for c in chart] == [(old, 3), (new, 1)]
    rosters = await store.rosters(db, [old, new], now=NOW)
    assert [a.member_id for a in rosters[old][0]] == [1, 2, 3]
    assert rosters[new][1] == {7: timedelta(hours=5)}
    assert rosters[old][1] == {}
    assert await store.rosters(db, [], now=NOW) == {}


async def _read(db: Database, guild: int, user: int, section: str, day: date) -> None:
    await record_reading(
        db,
        guild_id=guild,
        user_id=user,
        document="doc",
        section=section,
        ref=f"doc:{section}",
        read_on=day,
        source="command",
        now=NOW,
    )


async def test_first_reads_count_each_member_once_on_their_first_day(db: Database) -> None:
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    await _read(db, GUILD, 1, "one", monday)
    await _read(db, GUILD, 1, "one", tuesday)  # read again: still first read on Monday
    await _read(db, GUILD, 2, "one", tuesday)
    await _read(db, GUILD, 2, "two", tuesday)
    await _read(db, OTHER, 3, "one", monday)
    assert await reading.first_reads(db, GUILD, "doc") == {
        "one": {monday: 1, tuesday: 1},
        "two": {tuesday: 1},
    }
    assert await reading.readers_of(db, GUILD, "doc", ["one", "two"]) == {
        1: {"one"},
        2: {"one", "two"},
    }
    assert await reading.readers_of(db, GUILD, "doc", []) == {}


async def test_private_members(db: Database) -> None:
    await streaks.set_private(db, 5, True, now=NOW)
    await streaks.set_private(db, 6, False, now=NOW)
    assert await reading.private_members(db) == {5}


async def test_audit_by_member_and_reason(db: Database) -> None:
    meeting = await _meeting(db, GUILD, 3, ())
    mod = Actor(99, GUILD, True)
    await correct_attendance(db, mod, meeting, 1, present=True, now=NOW, reason="  came  late ")
    await correct_attendance(db, mod, meeting, 2, present=True, now=NOW)
    entries, total = await audit.list_entries(db, GUILD, member_id=1)
    assert total == 1
    assert entries[0].after == {"member_id": 1, "present": True, "reason": "came late"}
    entries, total = await audit.list_entries(db, GUILD, member_id=2)
    assert total == 1 and "reason" not in entries[0].after
