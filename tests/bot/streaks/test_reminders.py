"""Reminder timing on an injected clock: nothing here waits for real time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.storage import Database
from bot.storage import streaks as store
from bot.storage.guild_settings import set_setting
from bot.storage.reading_log import record_reading
from bot.streaks import reminders
from bot.streaks.reminders import (
    BadTime,
    ReminderLoop,
    ReminderRefused,
    parse_minute,
    send_due_reminders,
)
from bot.streaks.render import REMINDER_DM

GUILD = 1
NOW = datetime(2025, 6, 18, 12, 0, tzinfo=UTC)  # a Wednesday; Berlin is UTC+2 in June


class Outbox:
    """A fake DM sender: records what was sent; refuses or fails for chosen users."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.refuse: set[int] = set()
        self.fail: set[int] = set()

    async def __call__(self, user_id: int, text: str) -> None:
        if user_id in self.refuse:
            raise ReminderRefused("50007 Cannot send messages to this user")
        if user_id in self.fail:
            raise ConnectionError("503")
        self.sent.append((user_id, text))


async def due_at(db: Database, user_id: int) -> datetime | None:
    settings = await store.get_member_settings(db, user_id)
    at = settings.reminder_next_at
    return None if at is None else datetime.fromtimestamp(at, UTC)


@pytest.mark.parametrize(
    ("typed", "minute"),
    [
        ("20:30", 1230),
        ("7h15", 435),
        (" 07.05 ", 425),
        ("0:00", 0),
        ("23:59", 1439),
        ("off", None),
        ("OFF", None),
    ],
)
def test_times_of_day(typed: str, minute: int | None) -> None:
    assert parse_minute(typed) == minute


@pytest.mark.parametrize("typed", ["25:00", "20:60", "2030", "noon", "", "-1:00"])
def test_bad_times_are_refused_with_the_format(typed: str) -> None:
    with pytest.raises(BadTime, match="24-hour HH:MM"):
        parse_minute(typed)


async def test_a_due_reminder_is_sent_once_and_moves_to_the_next_day(db: Database) -> None:
    at = await store.set_reminder(db, 10, GUILD, 20 * 60, now=NOW)
    assert at == datetime(2025, 6, 18, 20, tzinfo=UTC)
    outbox = Outbox()
    early = await send_due_reminders(db, at - timedelta(seconds=1), outbox)
    assert early.sent == [] and outbox.sent == []
    done = await send_due_reminders(db, at, outbox)
    assert done.sent == [10] and outbox.sent == [(10, REMINDER_DM)]
    assert await due_at(db, 10) == datetime(2025, 6, 19, 20, tzinfo=UTC)
    again = await send_due_reminders(db, at + timedelta(seconds=30), outbox)
    assert again.sent == [] and len(outbox.sent) == 1


async def test_no_dm_for_a_member_who_read_that_day(db: Database) -> None:
    await store.set_timezone(db, 11, "Europe/Berlin", now=NOW)
    at = await store.set_reminder(db, 11, GUILD, 21 * 60, now=NOW)
    assert at == datetime(2025, 6, 18, 19, tzinfo=UTC)  # 21:00 in Berlin
    await record_reading(
        db,
        guild_id=GUILD,
        user_id=11,
        document="tc",
        section="goals",
        ref="tc:goals:1",
        read_on=NOW.date(),
        source="command",
        now=NOW,
    )
    outbox = Outbox()
    done = await send_due_reminders(db, at, outbox)
    assert done.already_read == [11] and outbox.sent == []
    assert await due_at(db, 11) == datetime(2025, 6, 19, 19, tzinfo=UTC)


async def test_a_reading_on_another_day_does_not_count(db: Database) -> None:
    at = await store.set_reminder(db, 12, GUILD, 20 * 60, now=NOW)
    await record_reading(
        db,
        guild_id=GUILD,
        user_id=12,
        document="tc",
        section="goals",
        ref="tc:goals:1",
        read_on=NOW.date() - timedelta(days=1),
        source="command",
        now=NOW,
    )
    assert at is not None
    outbox = Outbox()
    assert (await send_due_reminders(db, at, outbox)).sent == [12]


async def test_a_refused_dm_turns_the_reminder_off_and_is_told_once(db: Database) -> None:
    at = await store.set_reminder(db, 13, GUILD, 20 * 60, now=NOW)
    assert at is not None
    outbox = Outbox()
    outbox.refuse.add(13)
    done = await send_due_reminders(db, at, outbox)
    assert done.refused == [13]
    settings = await store.get_member_settings(db, 13)
    assert settings.reminder_minute is None and settings.reminder_next_at is None
    assert await send_due_reminders(db, at + timedelta(days=1), outbox) == reminders.ReminderRound()
    assert await store.take_reminder_failure(db, 13, now=at) is True
    assert await store.take_reminder_failure(db, 13, now=at) is False
    # Setting it again clears the flag.
    await store.reminder_failed(db, 13, now=at)
    await store.set_reminder(db, 13, GUILD, 8 * 60, now=at)
    assert await store.take_reminder_failure(db, 13, now=at) is False


async def test_a_passing_failure_is_retried_within_the_grace_period_only(db: Database) -> None:
    at = await store.set_reminder(db, 14, GUILD, 20 * 60, now=NOW)
    assert at is not None
    outbox = Outbox()
    outbox.fail.add(14)
    now = at
    tries = 0
    while (due := await due_at(db, 14)) is not None and due.date() == at.date():
        now = max(now, due)
        tries += 1
        await send_due_reminders(db, now, outbox)
    assert tries == 1 + reminders.GRACE // reminders.RETRY_AFTER
    assert due == datetime(2025, 6, 19, 20, tzinfo=UTC)  # given up for today, kept for tomorrow
    assert (await store.get_member_settings(db, 14)).reminder_minute == 20 * 60
    outbox.fail.clear()
    assert (await send_due_reminders(db, due, outbox)).sent == [14]


async def test_a_reminder_missed_while_offline_is_not_sent_late(db: Database) -> None:
    at = await store.set_reminder(db, 15, GUILD, 20 * 60, now=NOW)
    assert at is not None
    outbox = Outbox()
    next_morning = at + timedelta(hours=13)
    done = await send_due_reminders(db, next_morning, outbox)
    assert done.too_late == [15] and outbox.sent == []
    assert await due_at(db, 15) == datetime(2025, 6, 19, 20, tzinfo=UTC)
    within = await store.set_reminder(db, 16, GUILD, 20 * 60, now=NOW)
    assert within is not None
    assert (await send_due_reminders(db, within + reminders.GRACE, outbox)).sent == [16]


async def test_changing_time_zone_moves_the_pending_reminder(db: Database) -> None:
    await store.set_reminder(db, 17, GUILD, 20 * 60, now=NOW)
    assert await due_at(db, 17) == datetime(2025, 6, 18, 20, tzinfo=UTC)
    await store.set_timezone(db, 17, "Asia/Tokyo", now=NOW)
    assert await due_at(db, 17) == datetime(2025, 6, 19, 11, tzinfo=UTC)  # 20:00 in Tokyo
    await store.set_timezone(db, 17, None, now=NOW)
    await set_setting(db, GUILD, "timezone", "America/New_York")
    await store.set_timezone(db, 17, None, now=NOW)
    assert await due_at(db, 17) == datetime(2025, 6, 19, 0, tzinfo=UTC)  # 20:00 in New York
    await store.set_timezone(db, 18, "Asia/Tokyo", now=NOW)  # no reminder: none is made
    assert await due_at(db, 18) is None


async def test_the_loop_sleeps_until_the_next_reminder_and_wakes_when_one_is_set(
    db: Database,
) -> None:
    clock = [NOW]
    sleeps: list[float] = []
    outbox = Outbox()
    loop: ReminderLoop

    async def waiter(event: asyncio.Event, seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 1:
            # While idle, a member asks for a reminder in 90 seconds and the loop is woken.
            await store.set_reminder(db, 20, GUILD, 12 * 60 + 1, now=clock[0])
            loop.wake()
            assert event.is_set()
            return
        if len(sleeps) == 3:
            raise asyncio.CancelledError
        clock[0] += timedelta(seconds=seconds)

    loop = ReminderLoop(db, outbox, clock=lambda: clock[0], waiter=waiter, max_sleep=300)
    clock[0] = NOW - timedelta(seconds=30)
    with pytest.raises(asyncio.CancelledError):
        await loop.run()
    assert sleeps[0] == 300  # nothing due: the longest nap
    assert sleeps[1] == 90  # 12:01 from 11:59:30
    assert outbox.sent == [(20, REMINDER_DM)]
    assert sleeps[2] == 300  # tomorrow's is further than a nap away


async def test_a_failing_round_does_not_stop_the_loop(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    async def broken(*_: object) -> reminders.ReminderRound:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database is locked")
        raise asyncio.CancelledError

    monkeypatch.setattr(reminders, "send_due_reminders", broken)
    sleeps: list[float] = []

    async def waiter(event: asyncio.Event, seconds: float) -> None:
        sleeps.append(seconds)

    loop = ReminderLoop(db, Outbox(), clock=lambda: NOW, waiter=waiter)
    with pytest.raises(asyncio.CancelledError):
        await loop.run()
    assert calls == 2 and sleeps == [reminders.RETRY_AFTER.total_seconds()]


async def test_a_reminder_in_the_dst_gap_is_sent_once_the_clocks_jump(db: Database) -> None:
    await store.set_timezone(db, 21, "Europe/Berlin", now=NOW)
    before = datetime(2025, 3, 29, 12, tzinfo=UTC)
    at = await store.set_reminder(db, 21, GUILD, 2 * 60 + 30, now=before)  # 02:30 never happens
    assert at is not None and at.date() == datetime(2025, 3, 30).date()
    outbox = Outbox()
    assert (await send_due_reminders(db, at, outbox)).sent == [21]
    assert await due_at(db, 21) == datetime(2025, 3, 31, 0, 30, tzinfo=UTC)  # 02:30 summer time
