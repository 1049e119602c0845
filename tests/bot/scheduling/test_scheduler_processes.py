"""Two scheduler "processes" over one database (SQLite file or PostgreSQL): shards split the
work, and a run claimed by one is never posted by the other unless the first is gone (stopped, or
its heartbeat stale)."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.scheduling.content import PostOptions, questions_content, reading_content
from bot.scheduling.recurrence import build_recurrence
from bot.scheduling.scheduler import PostRequest, PostResult, Scheduler
from bot.sharding import Shards
from bot.storage import processes
from bot.storage import prompts as store
from bot.storage.database import Database
from tests.bot.scheduling.test_scheduler import DUE, START, Clock, document, lookup

INTERVAL_MS = 1000


@dataclass
class CountingPoster:
    """Counts every post call per run: a second call for one run is a double post, even if
    Discord's nonce would have hidden it."""

    calls: Counter[int] = field(default_factory=Counter)
    resumed: list[int] = field(default_factory=list)
    hold: asyncio.Event | None = None
    notices: list[str] = field(default_factory=list)

    async def post(self, request: PostRequest) -> PostResult:
        self.calls[request.run.id] += 1
        if request.resumed:
            self.resumed.append(request.run.id)
        if self.hold is not None:
            await self.hold.wait()
        return PostResult(10_000 + request.run.id)

    async def notify_channel(self, channel_id: int, text: str) -> None:
        self.notices.append(text)

    async def notify_user(self, user_id: int, text: str) -> None:
        self.notices.append(text)


def guild_on(shard: int, n: int, count: int = 4) -> int:
    """A snowflake-like server id on ``shard`` of ``count``."""
    return ((n * count + shard) << 22) | 77


@dataclass
class Process:
    db: Database
    poster: CountingPoster
    scheduler: Scheduler
    instance: str


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


async def start(path: str, clock: Clock, instance: str, shards: Shards) -> Process:
    db = await Database.open(path)
    await processes.register(
        db,
        instance=instance,
        name=instance,
        host="test",
        pid=1,
        interval_ms=INTERVAL_MS,
        now_ms=int(clock().timestamp() * 1000),
        shards=shards,
    )
    poster = CountingPoster()
    scheduler = Scheduler(db, poster, lookup, clock=clock, shards=shards, instance=instance)
    return Process(db, poster, scheduler, instance)


async def beat(process: Process, clock: Clock) -> None:
    report = processes.Beat(process.scheduler.shards, 1, {}, None)
    assert await processes.beat(
        process.db, process.instance, int(clock().timestamp() * 1000), report
    )


async def schedules(path: str, guilds: list[int]) -> list[int]:
    db = await Database.open(path)
    try:
        rule = build_recurrence("daily", "Europe/Berlin", now=START, at="18:00")
        made = []
        for guild in guilds:
            schedule = await store.create_schedule(
                db,
                store.NewSchedule(
                    guild, 100, 7, questions_content("One?\nTwo?"), rule, PostOptions()
                ),
                START,
            )
            made.append(schedule.id)
        return made
    finally:
        await db.close()


async def run_rows(path: str) -> list[tuple[int, int, str, str | None]]:
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT schedule_id, guild_id, status, owner FROM prompt_runs")
        return [(r[0], r[1], r[2], r[3]) for r in rows]
    finally:
        await db.close()


async def test_each_process_fires_only_its_shards(database_url: str, clock: Clock) -> None:
    guilds = [guild_on(shard, n) for n in range(5) for shard in range(4)]
    await schedules(database_url, guilds)
    a = await start(database_url, clock, "a", Shards.of(4, [0, 1]))
    b = await start(database_url, clock, "b", Shards.of(4, [2, 3]))
    try:
        clock.now = DUE
        await beat(a, clock)
        await beat(b, clock)
        await asyncio.gather(a.scheduler.tick(), b.scheduler.tick())
        await asyncio.gather(a.scheduler.drain(), b.scheduler.drain())
        rows = await run_rows(database_url)
        assert sorted(g for _, g, _, _ in rows) == sorted(guilds)
        assert all(status == "posted" for _, _, status, _ in rows)
        for _, guild, _, owner in rows:
            assert owner == ("a" if (guild >> 22) % 4 in (0, 1) else "b")
        assert max(a.poster.calls.values()) == max(b.poster.calls.values()) == 1
        assert len(a.poster.calls) == len(b.poster.calls) == 10
        assert await a.scheduler.lag() == timedelta(0)
    finally:
        await a.db.close()
        await b.db.close()


async def test_overlapping_processes_post_each_run_once(database_url: str, clock: Clock) -> None:
    """A rolling restart: the new process runs every shard the old one does, at the same time."""
    await schedules(database_url, [guild_on(n % 4, n) for n in range(30)])
    old = await start(database_url, clock, "old", Shards.of(4))
    new = await start(database_url, clock, "new", Shards.of(4))
    try:
        clock.now = DUE + timedelta(seconds=1)
        # Both are alive at the new time: without fresh beats each would see the other as stale
        # (the clock jumped hours) and take over its runs, which is the crash case, not this one.
        await beat(old, clock)
        await beat(new, clock)
        for _ in range(3):
            await asyncio.gather(old.scheduler.tick(), new.scheduler.tick())
        await asyncio.gather(old.scheduler.drain(), new.scheduler.drain())
        both = old.poster.calls + new.poster.calls
        assert len(both) == 30 and max(both.values()) == 1
        assert {s for _, _, s, _ in await run_rows(database_url)} == {"posted"}
    finally:
        await old.db.close()
        await new.db.close()


async def test_a_run_is_taken_over_only_when_its_owner_is_gone(
    database_url: str, clock: Clock
) -> None:
    (schedule,) = await schedules(database_url, [guild_on(1, 3)])
    a = await start(database_url, clock, "a", Shards.of(4, [0, 1]))
    b = await start(database_url, clock, "b", Shards.of(4, [0, 1]))
    a.poster.hold = asyncio.Event()  # a claims, then hangs in the middle of posting
    try:
        clock.now = DUE
        await beat(a, clock)
        await a.scheduler.tick()
        await asyncio.sleep(0)
        assert a.poster.calls and not b.poster.calls
        run_id = next(iter(a.poster.calls))
        # a's heartbeat is fresh: b leaves the claimed run alone, but plans to look when a
        # would turn stale.
        clock.now = DUE + timedelta(seconds=2)
        wake = await b.scheduler.tick()
        assert not b.poster.calls
        stale_at = DUE + timedelta(milliseconds=processes.STALE_BEATS * INTERVAL_MS)
        assert wake is not None and stale_at < wake <= stale_at + timedelta(seconds=2)
        assert await b.scheduler.lag() == timedelta(seconds=2)
        # a stops beating (kill -9): b finishes the run, as one that may have been posted.
        clock.now = wake
        await b.scheduler.tick()
        await b.scheduler.drain()
        assert b.poster.calls == Counter({run_id: 1}) and b.poster.resumed == [run_id]
        assert await store.run_owner(b.db, run_id) == "b"
        assert (await store.get_run(b.db, run_id)).status == "posted"
        assert next(r for r in await run_rows(database_url) if r[0] == schedule)[2] == "posted"
    finally:
        a.poster.hold.set()
        await a.scheduler.stop()
        await a.db.close()
        await b.db.close()


async def test_a_cleanly_stopped_owner_frees_its_runs_at_once(
    database_url: str, clock: Clock
) -> None:
    await schedules(database_url, [guild_on(2, 1)])
    a = await start(database_url, clock, "a", Shards.of(4, [2]))
    b = await start(database_url, clock, "b", Shards.of(4, [2]))
    a.poster.hold = asyncio.Event()
    try:
        clock.now = DUE
        await a.scheduler.tick()
        await asyncio.sleep(0)
        await a.scheduler.stop()  # SIGTERM cancels the post in flight...
        await processes.unregister(a.db, "a")  # ...and the heartbeat row goes with the process
        await b.scheduler.tick()
        await b.scheduler.drain()
        assert sum(b.poster.calls.values()) == 1 and len(b.poster.resumed) == 1
    finally:
        await a.db.close()
        await b.db.close()


async def test_stale_predecessors_are_forgotten_by_their_successor(
    database_url: str, clock: Clock
) -> None:
    now_ms = int(START.timestamp() * 1000)
    db = await Database.open(database_url)
    try:
        for instance, shards in (("dead-01", "0,1/4"), ("dead-23", "2,3/4"), ("old-layout", "0/1")):
            await processes.register(
                db,
                instance=instance,
                name=instance,
                host="h",
                pid=1,
                interval_ms=1000,
                now_ms=now_ms,
                shards=Shards.parse_label(shards),
            )
        later = now_ms + 10_000
        await processes.register(
            db,
            instance="alive-23",
            name="x",
            host="h",
            pid=2,
            interval_ms=1000,
            now_ms=later,
            shards=Shards.of(4, [2, 3]),
        )
        removed = await processes.forget_dead(db, Shards.of(4, [0, 1]), later)
        assert sorted(p.instance for p in removed) == ["dead-01", "old-layout"]
        left = {p.instance: p.stale(later) for p in await processes.list_processes(db)}
        assert left == {"dead-23": True, "alive-23": False}
    finally:
        await db.close()


async def test_identify_turns_are_five_seconds_apart_per_bucket(database_url: str) -> None:
    a = await Database.open(database_url)
    b = await Database.open(database_url)
    try:
        waits = await asyncio.gather(
            *(processes.reserve_identify(db, 0, 1_000_000) for db in (a, b, a))
        )
        spacing = processes.IDENTIFY_SPACING_MS
        assert sorted(waits) == [0, spacing, 2 * spacing] and spacing >= 5000
        assert await processes.reserve_identify(b, 1, 1_000_000) == 0
        assert await processes.reserve_identify(b, 0, 1_030_000) == 0
    finally:
        await a.close()
        await b.close()


async def test_a_run_posted_while_a_tick_reads_it_is_not_posted_again(
    database_url: str, clock: Clock
) -> None:
    """The tick reads claimed runs, then resumes them one by one; a run of its own that its task
    finished meanwhile is still 'claimed' in what the tick read, and must not go out twice."""
    late, own = await schedules(database_url, [guild_on(0, 1), guild_on(0, 2)])
    a = await start(database_url, clock, "a", Shards.of(4, [0]))
    other = await start(database_url, clock, "other", Shards.of(4, [0]))
    a.poster.hold = asyncio.Event()
    try:
        async with asyncio.timeout(30):
            # A run the other process claimed a minute earlier; it dies in the middle of it.
            theirs = await store.get_schedule(a.db, guild_on(0, 1), late)
            assert theirs.next_run_at is not None
            left = await store.claim_run(
                a.db,
                theirs,
                due_at=theirs.next_run_at - timedelta(minutes=1),
                expected=theirs.next_run_at,
                payload=a.scheduler.render(theirs).payload,
                state={},
                next_run_at=None,
                now=DUE - timedelta(minutes=1),
                owner="other",
            )
            assert left is not None
            clock.now = DUE
            await beat(a, clock)
            await beat(other, clock)
            await a.scheduler.tick()  # claims its own run and starts posting it (held)
            (mine,) = a.poster.calls
            assert mine != left.id
            clock.now = DUE + timedelta(seconds=5)  # "other" is stale now
            await beat(a, clock)
            grace = a.scheduler._grace

            async def finish_mine_first(guild_id: int, cache: dict[int, timedelta]) -> timedelta:
                # While the tick resumes the dead one's run, this process's own post completes.
                assert a.poster.hold is not None
                a.poster.hold.set()
                tasks = a.scheduler._tasks
                await asyncio.gather(*(t for t in tasks if t.get_name() == f"prompt-run-{mine}"))
                assert mine not in a.scheduler._in_flight
                return await grace(guild_id, cache)

            a.scheduler._grace = finish_mine_first  # type: ignore[method-assign]
            await a.scheduler.tick()
            await a.scheduler.drain()
            assert a.poster.calls == Counter({left.id: 1, mine: 1})
            assert {r.status for r in await store.runs_for_schedule(a.db, own)} == {"posted"}
    finally:
        a.poster.hold.set()
        await a.scheduler.stop()
        await a.db.close()
        await other.db.close()


async def test_the_end_of_a_reading_plan_is_announced_once(database_url: str, clock: Clock) -> None:
    db = await Database.open(database_url)
    try:
        rule = build_recurrence("daily", "UTC", now=START, at="18:00")
        plan = reading_content(document(), "three", "section", 1, None)
        await store.create_schedule(
            db, store.NewSchedule(guild_on(3, 1), 100, 7, plan, rule, PostOptions()), START
        )
    finally:
        await db.close()
    a = await start(database_url, clock, "a", Shards.of(4, [3]))
    b = await start(database_url, clock, "b", Shards.of(4, [3]))
    try:
        clock.now = DUE.replace(hour=18)
        await a.scheduler.tick()  # posts the last section
        await a.scheduler.drain()
        clock.now += timedelta(days=1)
        await asyncio.gather(a.scheduler.tick(), b.scheduler.tick())  # nothing left: finished
        notices = a.poster.notices + b.poster.notices
        assert len(notices) == 1 and "finished" in notices[0]
        assert sum((a.poster.calls + b.poster.calls).values()) == 1
    finally:
        await a.db.close()
        await b.db.close()
