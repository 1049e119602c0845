"""Reminders with several bot processes over one database: each sends its own shards' reminders,
and two processes overlapping (a rolling restart) never send the same one twice."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.sharding import Shards
from bot.storage import Database
from bot.storage import streaks as store
from bot.streaks.reminders import send_due_reminders
from tests.bot.streaks.test_reminders import NOW, Outbox


def guild_on(shard: int, count: int = 2) -> int:
    return ((1000 * count + shard) << 22) | 5


async def setup(path: str, members: dict[int, int]) -> None:
    """``members``: user id -> the server the reminder was set in; all due at 20:00 UTC."""
    db = await Database.open(path)
    try:
        for user, guild in members.items():
            await store.set_reminder(db, user, guild, 20 * 60, now=NOW)
    finally:
        await db.close()


async def test_each_process_sends_only_its_shards_reminders(database_url: str) -> None:
    members = {user: guild_on(user % 2) for user in range(1, 11)}
    await setup(database_url, members)
    a, b = await Database.open(database_url), await Database.open(database_url)
    try:
        due = NOW.replace(hour=20, minute=1)
        assert await store.next_reminder_due(a, Shards.of(2, [0])) == NOW.replace(hour=20)
        outbox_a, outbox_b = Outbox(), Outbox()
        sent_a = await send_due_reminders(a, due, outbox_a, Shards.of(2, [0]))
        assert sorted(sent_a.sent) == [u for u, g in members.items() if g == guild_on(0)]
        # Shard 1's reminders are still due for the process serving it.
        assert await store.next_reminder_due(b, Shards.of(2, [1])) == NOW.replace(hour=20)
        sent_b = await send_due_reminders(b, due, outbox_b, Shards.of(2, [1]))
        assert sorted(sent_b.sent) == [u for u, g in members.items() if g == guild_on(1)]
        tomorrow = NOW.replace(hour=20) + timedelta(days=1)
        assert await store.next_reminder_due(a) == tomorrow
    finally:
        await a.close()
        await b.close()


async def test_overlapping_processes_send_each_reminder_once(database_url: str) -> None:
    await setup(database_url, {user: guild_on(user % 2) for user in range(1, 41)})
    old, new = await Database.open(database_url), await Database.open(database_url)
    try:
        due = NOW.replace(hour=20, minute=0, second=30)
        outbox = Outbox()
        await asyncio.gather(
            send_due_reminders(old, due, outbox), send_due_reminders(new, due, outbox)
        )
        users = [user for user, _ in outbox.sent]
        assert sorted(users) == list(range(1, 41))
    finally:
        await old.close()
        await new.close()


async def test_a_reminder_taken_meanwhile_is_not_sent(database_url: str) -> None:
    await setup(database_url, {7: guild_on(0)})
    db = await Database.open(database_url)
    try:
        due = NOW.replace(hour=20, minute=1)
        (member,) = await store.due_reminders(db, due)
        assert await store.claim_reminders(db, [member], due) == [member]
        assert await store.claim_reminders(db, [member], due) == []  # read before, taken since
        assert await store.next_reminder_due(db) == NOW.replace(hour=20) + timedelta(days=1)
    finally:
        await db.close()


async def test_a_reminder_read_after_another_process_sent_it_is_not_taken(
    database_url: str,
) -> None:
    """The overlap that once sent a DM twice: one process lists the due members, the other sends
    and moves a member on before the first reads that member's row, which then shows tomorrow."""
    await setup(database_url, {7: guild_on(0)})
    old, new = await Database.open(database_url), await Database.open(database_url)
    try:
        due = NOW.replace(hour=20, minute=0, second=30)
        outbox = Outbox()
        assert (await send_due_reminders(old, due, outbox)).sent == [7]
        moved_on = await store.get_member_settings(new, 7)
        assert await store.claim_reminders(new, [moved_on], due) == []
        assert [user for user, _ in outbox.sent] == [7]
    finally:
        await old.close()
        await new.close()
