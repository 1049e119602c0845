"""Copying a SQLite database into PostgreSQL: complete, verified, atomic, and safe to repeat."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.scheduling.content import PostPayload, question_content
from bot.scheduling.recurrence import build_recurrence
from bot.storage import Database, meetings, prompts, reading_log, streaks
from bot.storage.guild_settings import set_setting
from bot.storage.meta import set_meta
from bot.storage.transfer import TransferError, copy_to_postgresql
from tests.postgres import PostgresServer

GUILD = 1_100_000_000_000_000_001  # snowflakes need 64 bits
ALICE, BOB, MOD = 2_200_000_000_000_000_002, 2_200_000_000_000_000_003, 2_200_000_000_000_000_004
NOW = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)


@dataclass
class Pair:
    source: Path
    target: str


async def _fill(path: Path) -> None:
    """A bit of every kind of data, written through the storage modules as the bot would."""
    db = await Database.open(path)
    try:
        await set_meta(db, "commands_hash", "abc'?")
        await set_setting(db, GUILD, "timezone", "Europe/Berlin")
        for day in range(3):
            await reading_log.record_reading(
                db, guild_id=GUILD, user_id=ALICE, document="anti-ai", section=f"s{day}",
                ref=f"anti-ai:s{day}", read_on=date(2026, 5, 1 + day), source="command",
                now=NOW + timedelta(days=day),
            )  # fmt: skip
        await streaks.set_timezone(db, ALICE, "Europe/Paris", now=NOW)
        earlier = await meetings.start_meeting(
            db, guild_id=GUILD, title="Week 0", at=NOW - timedelta(days=7), text_channel_id=10,
            voice_channel_id=None, started_by_id=MOD,
        )  # fmt: skip
        await meetings.end_meeting(
            db, GUILD, earlier.id, at=NOW - timedelta(days=7), voice_threshold=timedelta(0)
        )
        meeting = await meetings.start_meeting(
            db, guild_id=GUILD, title="Week 1", at=NOW, text_channel_id=10, voice_channel_id=20,
            started_by_id=MOD,
        )  # fmt: skip
        await meetings.check_in(db, GUILD, meeting.id, ALICE, at=NOW)
        await meetings.record_voice(db, meeting.id, BOB, counting=True, at=NOW)
        await meetings.correct_attendance(
            db, GUILD, meeting.id, BOB, present=True, moderator_id=MOD, at=NOW
        )
        await meetings.end_meeting(
            db, GUILD, meeting.id, at=NOW + timedelta(hours=1), voice_threshold=timedelta(0)
        )
        schedule = await prompts.create_schedule(
            db,
            prompts.NewSchedule(
                GUILD, 30, MOD, question_content("Read?"),
                build_recurrence("daily", "UTC", now=NOW, at="18:00"),
            ),
            NOW,
        )  # fmt: skip
        await prompts.claim_manual_run(
            db, schedule, payload=PostPayload("Read?"), state={"index": 1}, now=NOW
        )
        # Last, so the cached figures are fresh (not marked stale by the writes above).
        await streaks.member_streak(db, GUILD, ALICE, NOW)
    finally:
        await db.close()


def _counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'"
            )
        ]
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


async def _target_counts(url: str, tables: list[str]) -> dict[str, int]:
    db = await Database.open(url, migrations=[])
    try:
        counts = {}
        for table in tables:
            row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")
            assert row is not None
            counts[table] = int(row[0])
        return counts
    finally:
        await db.close()


@pytest.fixture
async def pair(tmp_path: Path, postgres_server: PostgresServer) -> AsyncIterator[Pair]:
    source = tmp_path / "bot.db"
    await _fill(source)
    url = await postgres_server.create_database()
    try:
        yield Pair(source, url)
    finally:
        await postgres_server.drop_database(url)


async def test_every_table_is_copied_and_verified(pair: Pair) -> None:
    report = await copy_to_postgresql(pair.source, pair.target)
    counts = _counts(pair.source)
    assert {t.table: t.rows for t in report.tables} == counts
    assert {t.table: t.copied for t in report.tables} == counts
    assert not report.already_there
    assert all(counts[t] > 0 for t in ("meetings", "meeting_attendance", "reading_log",
                                       "member_stats", "prompt_runs", "meta"))  # fmt: skip
    # Parents come before the tables that reference them.
    order = [t.table for t in report.tables]
    assert order.index("meetings") < order.index("meeting_attendance")
    assert order.index("prompt_schedules") < order.index("prompt_runs")
    assert await _target_counts(pair.target, order) == counts

    db = await Database.open(pair.target)
    try:
        # The cached figures are copied as they were, not marked stale by the copied log.
        with closing(sqlite3.connect(pair.source)) as conn:
            stats = conn.execute("SELECT * FROM member_stats ORDER BY user_id").fetchall()
        assert any(row[-1] for row in stats), "a fresh row, so a stale mark would show"
        copied = await db.fetchall("SELECT * FROM member_stats ORDER BY user_id")
        assert [tuple(r) for r in copied] == stats
        assert await streaks.get_member_settings(db, ALICE) == streaks.MemberSettings(
            ALICE, timezone="Europe/Paris"
        )
        # New rows get ids after the copied ones: the identity sequences moved on.
        started = await meetings.start_meeting(
            db, guild_id=GUILD, title="Week 2", at=NOW + timedelta(days=7),
            text_channel_id=10, voice_channel_id=20, started_by_id=MOD,
        )  # fmt: skip
        assert started.id == counts["meetings"] + 1
        history = await meetings.member_history(db, GUILD, ALICE)
        assert [m.title for m, _ in history] == ["Week 2", "Week 1", "Week 0"]
    finally:
        await db.close()


async def test_running_it_again_verifies_and_duplicates_nothing(pair: Pair) -> None:
    first = await copy_to_postgresql(pair.source, pair.target)
    second = await copy_to_postgresql(pair.source, pair.target)
    assert second.already_there
    assert [(t.table, t.rows, t.checksum) for t in second.tables] == [
        (t.table, t.rows, t.checksum) for t in first.tables
    ]
    assert all(t.copied == 0 for t in second.tables)
    tables = [t.table for t in first.tables]
    assert await _target_counts(pair.target, tables) == _counts(pair.source)


async def test_a_target_with_other_data_is_refused_and_left_alone(pair: Pair) -> None:
    await copy_to_postgresql(pair.source, pair.target)
    db = await Database.open(pair.target)
    try:
        async with db.transaction() as conn:
            await conn.execute("UPDATE meta SET value = 'changed' WHERE key = 'commands_hash'")
    finally:
        await db.close()
    with pytest.raises(TransferError, match="meta"):
        await copy_to_postgresql(pair.source, pair.target)
    db = await Database.open(pair.target)
    try:
        row = await db.fetchone("SELECT value FROM meta WHERE key = 'commands_hash'")
        assert row is not None and row[0] == "changed"
    finally:
        await db.close()


async def test_a_failed_copy_keeps_nothing(pair: Pair) -> None:
    # PostgreSQL text cannot hold NUL: the last table to copy fails after the others went in.
    with closing(sqlite3.connect(pair.source)) as conn, conn:
        conn.execute(
            "INSERT INTO streak_rules_seen (guild_id, rules) VALUES (?, ?)", (GUILD, "a\x00b")
        )
    with pytest.raises(TransferError, match="nothing was kept"):
        await copy_to_postgresql(pair.source, pair.target)
    counts = await _target_counts(pair.target, list(_counts(pair.source)))
    assert set(counts.values()) == {0}


async def test_only_postgresql_targets_and_existing_sources(pair: Pair, tmp_path: Path) -> None:
    with pytest.raises(TransferError, match="postgresql://"):
        await copy_to_postgresql(pair.source, str(tmp_path / "other.db"))
    with pytest.raises(TransferError, match="no SQLite database"):
        await copy_to_postgresql(tmp_path / "missing.db", pair.target)
    assert not (tmp_path / "missing.db").exists()
