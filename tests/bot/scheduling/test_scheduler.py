"""The scheduler with a fake clock and a fake poster: exactly once, on time, across failures."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.library.model import Document, Paragraph, Section
from bot.scheduling import scheduler as sched
from bot.scheduling.content import PostOptions, PostPayload, questions_content, reading_content
from bot.scheduling.recurrence import build_recurrence
from bot.scheduling.scheduler import PostForbidden, PostRequest, PostResult, Scheduler
from bot.storage import group_reading
from bot.storage import prompts as store
from bot.storage.database import Database
from bot.storage.guild_settings import set_setting

GUILD, CHANNEL, CREATOR = 1, 100, 7
START = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)  # Monday; 18:00 Berlin is 16:00 UTC
DUE = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Sent:
    channel_id: int
    nonce: str
    payload: PostPayload
    at: datetime
    resumed: bool


@dataclass
class FakePoster:
    """Discord as the scheduler sees it, enforcing nonces the way Discord does."""

    clock: Clock
    sent: list[Sent] = field(default_factory=list)
    by_nonce: dict[str, int] = field(default_factory=dict)
    fail: Exception | None = None
    fail_times: int = 0
    hang_after_send: bool = False
    hang_before_send: bool = False
    channel_notices: list[tuple[int, str]] = field(default_factory=list)
    dm_notices: list[tuple[int, str]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def post(self, request: PostRequest) -> PostResult:
        run = request.run
        if self.hang_before_send:
            await asyncio.Event().wait()
        if self.fail is not None and self.fail_times != 0:
            self.fail_times -= 1
            raise self.fail
        if run.nonce in self.by_nonce:
            return PostResult(self.by_nonce[run.nonce])
        message_id = next(self.ids)
        self.by_nonce[run.nonce] = message_id
        self.sent.append(
            Sent(run.channel_id, run.nonce, run.payload, self.clock(), request.resumed)
        )
        if self.hang_after_send:
            await asyncio.Event().wait()
        return PostResult(message_id)

    async def notify_channel(self, channel_id: int, text: str) -> None:
        self.channel_notices.append((channel_id, text))

    async def notify_user(self, user_id: int, text: str) -> None:
        self.dm_notices.append((user_id, text))


def document() -> Document:
    sections = []
    for n, slug in enumerate(["one", "two", "three"], start=1):
        sections.append(
            Section(
                document="doc",
                slug=slug,
                title=f"Part {slug}",
                level=2,
                number=str(n),
                paragraphs=[Paragraph("doc", slug, i, f"{slug} paragraph {i}[^1]") for i in (1, 2)],
            )
        )
    return Document(
        slug="doc", title="The *Doc*", author="A", date="2026", description="", sections=sections
    )


DOCS = {"doc": document()}


def lookup(slug: str) -> Document:
    return DOCS[slug]


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def poster(clock: Clock) -> FakePoster:
    return FakePoster(clock)


def scheduler(db: Database, poster: FakePoster, clock: Clock, **kwargs: object) -> Scheduler:
    return Scheduler(db, poster, lookup, clock=clock, **kwargs)  # type: ignore[arg-type]


async def daily(db: Database, text: str = "One?\nTwo?", **options: object) -> store.Schedule:
    rule = build_recurrence("daily", "Europe/Berlin", now=START, at="18:00")
    return await store.create_schedule(
        db,
        store.NewSchedule(
            GUILD, CHANNEL, CREATOR, questions_content(text), rule, PostOptions(**options)
        ),  # type: ignore[arg-type]
        START,
    )


async def tick(s: Scheduler) -> datetime | None:
    wake = await s.tick()
    await s.drain()
    return wake


async def test_posts_once_when_due_and_not_before(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    schedule = await daily(db)
    s = scheduler(db, poster, clock)
    assert await tick(s) == DUE
    assert poster.sent == []
    clock.now = DUE
    assert await tick(s) == DUE + timedelta(days=1)
    assert await tick(s) == DUE + timedelta(days=1)
    assert [m.payload.content for m in poster.sent] == ["**Discussion question**\nOne?"]
    (run,) = await store.runs_for_schedule(db, schedule.id)
    assert run.status == "posted" and run.message_id == 1000 and not run.late


async def test_rotating_questions_cycle_in_order(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    await daily(db, "- First?\n- Second?\n\n- Third?")
    s = scheduler(db, poster, clock)
    for day in range(4):
        clock.now = DUE + timedelta(days=day)
        await tick(s)
    assert [m.payload.content.split("\n")[1] for m in poster.sent] == [
        "First?",
        "Second?",
        "Third?",
        "First?",
    ]


async def test_missed_run_inside_grace_is_posted_late_once(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    schedule = await daily(db)
    clock.now = DUE + timedelta(days=2, minutes=30)  # offline for two days and a half hour
    s = scheduler(db, poster, clock)
    await tick(s)
    await tick(s)
    assert len(poster.sent) == 1  # the latest missed run, not a burst of three
    assert "Posted late" in poster.sent[0].payload.content
    (run,) = await store.runs_for_schedule(db, schedule.id)
    assert run.late and run.due_at == DUE + timedelta(days=2)
    assert (await store.get_schedule(db, GUILD, schedule.id)).next_run_at == DUE + timedelta(days=3)


async def test_missed_run_outside_grace_is_skipped(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    schedule = await daily(db)
    await set_setting(db, GUILD, "prompt_grace_minutes", 10)
    clock.now = DUE + timedelta(minutes=30)
    s = scheduler(db, poster, clock)
    assert await tick(s) == DUE + timedelta(days=1)
    assert poster.sent == []
    after = await store.get_schedule(db, GUILD, schedule.id)
    assert after.state == {}  # the question it would have asked is still next
    clock.now = DUE + timedelta(days=1)
    await tick(s)
    assert poster.sent[0].payload.content.endswith("One?")


async def test_crash_between_claim_and_post_is_finished_once_after_restart(
    db: Database, clock: Clock
) -> None:
    schedule = await daily(db)
    clock.now = DUE
    crashed = FakePoster(clock, hang_before_send=True)
    first = scheduler(db, crashed, clock)
    await first.tick()
    await asyncio.sleep(0)
    await first.stop()  # the process dies with the run claimed and nothing sent
    assert crashed.sent == []
    clock.now = DUE + timedelta(seconds=20)
    restarted = FakePoster(clock)
    second = scheduler(db, restarted, clock)
    await tick(second)
    await tick(second)
    assert len(restarted.sent) == 1 and restarted.sent[0].resumed
    (run,) = await store.runs_for_schedule(db, schedule.id)
    assert run.status == "posted" and run.nonce == restarted.sent[0].nonce


async def test_crash_after_discord_accepted_does_not_post_twice(db: Database, clock: Clock) -> None:
    await daily(db)
    clock.now = DUE
    discord = FakePoster(clock, hang_after_send=True)  # one Discord across both processes
    first = scheduler(db, discord, clock)
    await first.tick()
    for _ in range(5):
        await asyncio.sleep(0)
    await first.stop()
    assert len(discord.sent) == 1
    discord.hang_after_send = False
    second = scheduler(db, discord, clock)
    await tick(second)
    assert len(discord.sent) == 1  # the nonce made Discord hand back the same message
    assert await store.pending_runs(db, DUE) == []
    (run,) = await store.runs_for_schedule(db, 1)
    assert run.status == "posted" and run.message_id == discord.by_nonce[run.nonce]


async def test_claimed_run_found_after_the_grace_window_is_not_posted(
    db: Database, clock: Clock
) -> None:
    await daily(db)
    clock.now = DUE
    first = scheduler(db, FakePoster(clock, hang_before_send=True), clock)
    await first.tick()
    await first.stop()
    clock.now = DUE + timedelta(hours=3)
    poster = FakePoster(clock)
    await tick(scheduler(db, poster, clock))
    assert poster.sent == []


async def test_permission_loss_pauses_and_tells_moderators_once(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    schedule = await daily(db)
    poster.fail, poster.fail_times = PostForbidden("403 Missing Access"), -1
    clock.now = DUE
    s = scheduler(db, poster, clock)
    await tick(s)
    assert await store.next_wake_at(db) is None  # nothing left to do: the only one is paused
    paused = await store.get_schedule(db, GUILD, schedule.id)
    assert paused.status == "paused" and "cannot post" in (paused.paused_reason or "")
    assert len(poster.dm_notices) == 1 and poster.dm_notices[0][0] == CREATOR
    assert "/prompt resume" in poster.dm_notices[0][1]
    clock.now = DUE + timedelta(days=1)
    await tick(s)
    assert len(poster.dm_notices) == 1 and poster.sent == []


async def test_notice_goes_to_the_log_channel_when_configured(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    await daily(db)
    await set_setting(db, GUILD, "log_channel_id", 555)
    poster.fail, poster.fail_times = PostForbidden("404 Unknown Channel"), -1
    clock.now = DUE
    await tick(scheduler(db, poster, clock))
    assert [c for c, _ in poster.channel_notices] == [555] and poster.dm_notices == []


async def test_transient_failure_is_retried_then_posted_once(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    schedule = await daily(db)
    poster.fail, poster.fail_times = RuntimeError("503"), 1
    clock.now = DUE
    s = scheduler(db, poster, clock)
    await tick(s)
    wake = await store.next_wake_at(db)
    assert wake == DUE + sched.RETRY_DELAYS[0]
    assert poster.sent == []
    clock.now = wake
    await tick(s)
    assert len(poster.sent) == 1
    assert poster.sent[0].resumed, "a retry may follow a hidden success: the poster looks first"
    (run,) = await store.runs_for_schedule(db, schedule.id)
    assert run.status == "posted" and run.attempts == 2


async def test_one_broken_schedule_does_not_stop_the_others(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    rule = build_recurrence("daily", "Europe/Berlin", now=START, at="18:00")
    plan = reading_content(document(), "two", "section", 1, None)
    broken = await store.create_schedule(
        db, store.NewSchedule(GUILD, CHANNEL, CREATOR, plan, rule), START
    )
    healthy = await daily(db)
    DOCS.pop("doc")
    try:
        clock.now = DUE
        await tick(scheduler(db, poster, clock))
    finally:
        DOCS["doc"] = document()
    assert len(poster.sent) == 1
    assert (await store.get_schedule(db, GUILD, broken.id)).status == "paused"
    assert (await store.get_schedule(db, GUILD, healthy.id)).status == "active"


async def test_reading_plan_posts_sections_in_order_then_finishes(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    rule = build_recurrence("daily", "Europe/Berlin", now=START, at="18:00")
    plan = reading_content(document(), "two", "section", 1, "What *struck* you?")
    schedule = await store.create_schedule(
        db,
        store.NewSchedule(
            GUILD, CHANNEL, CREATOR, plan, rule, PostOptions(thread_name="Reading: {title}")
        ),
        START,
    )
    s = scheduler(db, poster, clock, escape=lambda t: t.replace("*", "\\*"))
    for day in range(3):
        clock.now = DUE + timedelta(days=day)
        await tick(s)
    assert [m.payload.embed_title for m in poster.sent] == ["2. Part two", "3. Part three"]
    first = poster.sent[0].payload
    assert first.reading is not None and first.reading.ref == "doc:two"
    assert first.thread_name == "Reading: 2. Part two"
    assert first.embed_text == "two paragraph 1[1]\n\ntwo paragraph 2[1]"
    assert "What \\*struck\\* you?" in first.content and "The \\*Doc\\*" in first.content
    assert (await store.get_schedule(db, GUILD, schedule.id)).status == "finished"
    assert any("finished" in text for _, text in poster.dm_notices)


async def test_a_section_plan_stores_what_it_posted_with_each_claim(
    db: Database, poster: FakePoster, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule = build_recurrence("daily", "Europe/Berlin", now=START, at="18:00")
    plan = reading_content(document(), "one", "section", 1, None)
    schedule = await store.create_schedule(
        db, store.NewSchedule(GUILD, CHANNEL, CREATOR, plan, rule), START
    )

    async def stored() -> set[tuple[str, str]]:
        rows = await db.fetchall(
            "SELECT document, section FROM plan_sections WHERE schedule_id = ?", [schedule.id]
        )
        return {(row["document"], row["section"]) for row in rows}

    s = scheduler(db, poster, clock)
    assert await stored() == set()
    clock.now = DUE
    await tick(s)
    assert await stored() == {("doc", "one")}
    clock.now = DUE + timedelta(minutes=5)
    await s.run_now(await store.get_schedule(db, GUILD, schedule.id))
    await s.drain()
    assert await stored() == {("doc", "one"), ("doc", "two")}
    assert len(poster.sent) == 2

    # The group's reading page finds them stored: loading it writes nothing.
    async def page_writes(*args: object) -> None:
        raise AssertionError("the reading page wrote the plan's sections")

    monkeypatch.setattr(group_reading, "_state_sections", page_writes)
    standing = await group_reading.plan_standing(
        db, GUILD, "doc", ["one", "two"], schedule_id=schedule.id, named=10
    )
    assert standing.due == ("one", "two")


async def test_reading_plan_by_paragraphs_crosses_sections(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    rule = build_recurrence("daily", "UTC", now=START, at="18:00")
    plan = reading_content(document(), "one", "paragraphs", 3, None)
    await store.create_schedule(db, store.NewSchedule(GUILD, CHANNEL, CREATOR, plan, rule), START)
    s = scheduler(db, poster, clock)
    for day in range(2):
        clock.now = datetime(2026, 5, 4 + day, 18, tzinfo=UTC)
        await tick(s)
    refs = [m.payload.reading.ref for m in poster.sent if m.payload.reading]
    assert refs == ["doc:one:1", "doc:two:2"]
    assert poster.sent[1].payload.embed_text == (
        "two paragraph 2[1]\n\nthree paragraph 1[1]\n\nthree paragraph 2[1]"
    )


async def test_run_now_posts_without_moving_the_timetable(
    db: Database, poster: FakePoster, clock: Clock
) -> None:
    schedule = await daily(db)
    s = scheduler(db, poster, clock)
    await s.run_now(schedule)
    await s.drain()
    after = await store.get_schedule(db, GUILD, schedule.id)
    assert after.next_run_at == DUE and after.state == {"index": 1}
    clock.now = DUE
    await tick(s)
    assert [m.payload.content.split("\n")[1] for m in poster.sent] == ["One?", "Two?"]


# --- The loop ---------------------------------------------------------------------------------


class Stop(Exception):
    pass


async def test_loop_sleeps_until_due_and_follows_dst(db: Database, clock: Clock) -> None:
    """It asks to sleep exactly until each run: no polling, and 18:00 local across DST."""
    rule = build_recurrence(
        "weekly", "Europe/Berlin", now=datetime(2026, 3, 16, tzinfo=UTC), at="18:00", weekdays="sun"
    )
    clock.now = datetime(2026, 3, 16, tzinfo=UTC)
    await store.create_schedule(
        db, store.NewSchedule(GUILD, CHANNEL, CREATOR, questions_content("Q?"), rule), clock.now
    )
    poster = FakePoster(clock)
    waits: list[float] = []

    async def wait(event: asyncio.Event, seconds: float) -> None:
        waits.append(seconds)
        await s.drain()
        if clock.now >= datetime(2026, 4, 6, tzinfo=UTC):
            raise Stop
        clock.now += timedelta(seconds=seconds)

    s = scheduler(db, poster, clock, wait=wait)
    with pytest.raises(Stop):
        await s.run_forever()
    assert [m.at for m in poster.sent] == [
        datetime(2026, 3, 22, 17, tzinfo=UTC),
        datetime(2026, 3, 29, 16, tzinfo=UTC),
        datetime(2026, 4, 5, 16, tzinfo=UTC),
    ]
    # Three weeks: one wake per MAX_SLEEP at most, plus one per post; never a busy loop.
    weeks = 3 * 7 * 24 * 3600 / sched.MAX_SLEEP
    assert len(waits) <= weeks + 6 and min(waits) > 0


async def test_loop_wakes_when_a_schedule_is_added(db: Database, clock: Clock) -> None:
    poster = FakePoster(clock)
    waits: list[float] = []

    async def wait(event: asyncio.Event, seconds: float) -> None:
        waits.append(seconds)
        await event.wait()

    s = scheduler(db, poster, clock, wait=wait)
    task = asyncio.create_task(s.run_forever())
    await until(lambda: len(waits) == 1)
    assert waits == [sched.MAX_SLEEP]
    await daily(db)
    s.wake()
    await until(lambda: len(waits) == 2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert waits[1] == (DUE - START).total_seconds()


async def test_watchdog_restarts_a_dead_loop(db: Database, clock: Clock) -> None:
    calls = 0

    async def wait(event: asyncio.Event, seconds: float) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("boom")
        await event.wait()

    s = scheduler(db, FakePoster(clock), clock, wait=wait, watchdog_delay=0)
    s.start()
    await until(lambda: calls >= 2)
    await s.stop()
    assert s.restarts == 1 and calls == 2


async def until(condition: Callable[[], bool], seconds: float = 3.0) -> None:
    """Let the real event loop (and aiosqlite's thread) run until ``condition`` holds."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the condition is a plain value, not an event
            await asyncio.sleep(0.005)
