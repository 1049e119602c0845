"""A change written by another process reaches a running scheduler within 5 seconds.

The web app runs as its own process: here a second :class:`Database` (its own connections) plays
it, creating a prompt and queueing a run-now through :mod:`bot.actions` while a scheduler runs on
the bot's connection with nothing to do, asleep for hours. Only the change signal
(``change_counter`` on SQLite, ``LISTEN``/``NOTIFY`` on PostgreSQL) can wake it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import Actor
from bot.actions import prompts as actions
from bot.scheduling.scheduler import Scheduler
from bot.scheduling.timing import Timing
from bot.storage.changes import ChangeWatcher, version
from bot.storage.database import Database
from tests.bot.scheduling.test_scheduler import Clock, FakePoster, lookup

GUILD = 1
WEB_MODERATOR = Actor(10, GUILD, moderator=True, name="Mod")
CREATED = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
FIRST_RUN = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)


async def can_post(channel_id: int, threads: bool) -> int:
    return channel_id


async def wait_for(condition: Callable[[], bool], within: float) -> float:
    """Seconds until ``condition()`` held (fails after ``within`` seconds)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < within, f"not within {within} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_prompts_made_by_another_process_are_posted_within_5_seconds(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.scheduling.scheduler")
    bot_db = await Database.open(database_url)
    web_db = await Database.open(database_url)
    # The bot's clock is just past the first run the web will plan: due the moment it is seen.
    clock = Clock(FIRST_RUN + timedelta(seconds=1))
    poster = FakePoster(clock)
    scheduler = Scheduler(bot_db, poster, lookup, clock=clock, instance=None)
    watcher = ChangeWatcher(bot_db, scheduler.wake)
    try:
        scheduler.start()
        await watcher.start()
        await wait_for(lambda: scheduler.ticks >= 1, 5)  # asleep now, nothing scheduled

        form = actions.PromptForm(
            channel_id=100,
            content="question",
            repeat="daily",
            timing=Timing(at="18:00"),
            text="Made on the web?",
        )
        created = await actions.create_prompt(
            web_db, WEB_MODERATOR, form, documents=lookup, check_channel=can_post, now=CREATED
        )
        delay = await wait_for(lambda: len(poster.sent) == 1, 5)
        assert poster.sent[0].payload.content.endswith("Made on the web?")
        assert delay < 5

        # Run now from the web: claimed there, posted here.
        await actions.run_prompt_now(
            web_db,
            WEB_MODERATOR,
            created.id,
            check_channel=can_post,
            runner=actions.queue_run(web_db, lookup, now=clock.now),
        )
        await wait_for(lambda: len(poster.sent) == 2, 5)
        # The scheduler may post the queued run before the watcher hears of it; the watcher
        # must still take the change in, within the same 5 s: woken by it (a notification on
        # PostgreSQL), or having read the counter past it (SQLite's poll, where one read can take
        # in both changes when the scheduler's first pass found the new prompt by itself).
        queued = await version(bot_db)
        await wait_for(
            lambda: watcher.wakes >= 2 or (watcher.seen is not None and watcher.seen >= queued), 5
        )
        await asyncio.sleep(0.3)
        assert len(poster.sent) == 2, "posted exactly once"
        said = [r.getMessage() for r in caplog.records if r.name == "bot.scheduling.scheduler"]
        assert any("a moderator's run now, queued by another process" in m for m in said), said
        assert not any("claimed before a restart" in m for m in said), said
    finally:
        await watcher.stop()
        await scheduler.stop()
        await web_db.close()
        await bot_db.close()
