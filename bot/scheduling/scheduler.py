"""The one task that posts scheduled prompts, exactly once, on time, and never dies for good.

How it stays correct and cheap:
- It sleeps until the earliest ``next_run_at`` (or a retry time), woken early by :meth:`wake`
  when a schedule is added or changed; idle, it does nothing at all (no polling every second).
- A firing is *claimed* (run row inserted, schedule advanced, content position moved) in one
  transaction before anything is sent; the run's payload and nonce are stored with it. Posting
  happens after the claim, and the message id is recorded after the post. A run left claimed by a
  crash is finished by the next process (``PostRequest.resumed``): the poster first looks for the
  post in the channel, then sends with the same nonce, which Discord enforces for a few minutes,
  so a message that did go out before the crash is not sent twice.
- Missed firings (the bot was offline): the latest one is posted late, saying so, if it is within
  the server's grace window (``prompt_grace_minutes``); older ones are skipped and logged.
- A post refused for good (403/404: channel deleted, thread archived, permission lost) pauses the
  schedule and tells the moderators once; transient failures retry a few times with growing
  delays. Rate limits (429) are waited out inside the poster (discord.py honours Retry-After).
- Nothing one firing does can stop the loop, and a watchdog restarts the loop if it dies.
- Several processes (``shards``, ``instance``): each fires only its own shards' schedules, and
  its claimed runs carry its instance name; it finishes another's claimed run only once that
  process's heartbeat is stale (:func:`bot.storage.prompts.take_pending_runs`). Nothing here is
  an in-process lock another process could not see: the claim is the database row.

The scheduler never imports Discord: it is handed a :class:`Poster` and a clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from bot import i18n
from bot.i18n import _
from bot.scheduling.content import (
    DocumentLookup,
    Escape,
    PlanFinished,
    Rendered,
    render,
)
from bot.sharding import Shards
from bot.storage import prompts as store
from bot.storage.audit import Audit
from bot.storage.database import Database
from bot.storage.guild_settings import get_setting
from bot.storage.prompts import Run, Schedule

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Waiter = Callable[[asyncio.Event, float], Awaitable[None]]

LATE_AFTER: Final = timedelta(minutes=2)
"""A run posted later than this after its due time says it is late."""

RETRY_DELAYS: Final = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
MAX_SLEEP: Final = 6 * 3600.0
"""Even with nothing due, wake this often (seconds) to re-read the clock after a suspend."""

BATCH: Final = 500
SETTLED_KEPT: Final = 10_000
"""Outcomes remembered to tell stale pending rows apart (far more than can be in flight)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


async def wait_or_wake(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


class PostError(Exception):
    """Posting failed; subclasses say whether trying again can help."""


class PostForbidden(PostError):
    """Discord refused for good (403/404): the channel is gone or the bot lost its permissions."""


@dataclass(frozen=True, slots=True)
class PostRequest:
    run: Run
    resumed: bool
    """True when the run may already have been posted: a previous process claimed it, or an
    earlier try failed in a way that can hide a success (a timeout, a 5xx after Discord stored
    the message). Retries outlast Discord's nonce window, so the poster then looks first."""


@dataclass(frozen=True, slots=True)
class PostResult:
    message_id: int
    thread_id: int | None = None
    posted_at: datetime | None = None
    """When Discord says the message went out, if that may differ from now: a resumed run's
    post found in the channel (or returned for its nonce) was sent before the restart."""


LanguageOf = Callable[[int], Awaitable[str]]
"""A server's id to the catalog its posts are written in (the Discord layer knows its locale)."""


class Poster(Protocol):
    """Sends posts and notices. The bot's implementation talks to Discord; tests fake it."""

    async def post(self, request: PostRequest) -> PostResult: ...

    async def notify_channel(self, channel_id: int, text: str) -> None: ...

    async def notify_user(self, user_id: int, text: str) -> None: ...


class Scheduler:
    """Create one per process, call :meth:`start` in ``setup_hook``, :meth:`wake` after edits."""

    def __init__(
        self,
        db: Database,
        poster: Poster,
        documents: DocumentLookup,
        *,
        clock: Clock = utc_now,
        wait: Waiter = wait_or_wake,
        escape: Escape = lambda text: text,
        concurrency: int = 25,
        watchdog_delay: float = 5.0,
        shards: Shards | None = None,
        instance: str | None = None,
        language: LanguageOf | None = None,
    ) -> None:
        self.db = db
        self._language = language
        self.poster = poster
        self.documents = documents
        self.clock = clock
        self._wait = wait
        self.escape = escape
        self._event = asyncio.Event()
        self._semaphore = asyncio.Semaphore(concurrency)
        self._in_flight: set[int] = set()
        self._settled: dict[int, int] = {}
        """Run id -> its ``attempts`` once this process recorded an outcome: a pending row read
        before that outcome was committed is stale and must not be posted again."""
        self._mine: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._watchdog_delay = watchdog_delay
        self.restarts = 0
        self.ticks = 0
        self.shards = shards
        """Only these shards' servers are scheduled here (None: every server)."""
        self.instance = instance
        """This process's name in ``bot_processes``; None for a lone process without heartbeat."""

    # --- Lifecycle ----------------------------------------------------------------------------

    def wake(self) -> None:
        """Re-plan now: a schedule was added, changed or removed."""
        self._event.set()

    def start(self) -> asyncio.Task[None]:
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._watchdog(), name="prompt-scheduler")
        return self._runner

    async def stop(self) -> None:
        tasks = [t for t in (self._runner, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._runner = None

    async def drain(self) -> None:
        """Wait for posts in flight (tests and the benchmark)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _watchdog(self) -> None:
        while True:
            try:
                await self.run_forever()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.restarts += 1
                log.exception("prompt scheduler died; restarting in %.0fs", self._watchdog_delay)
                await asyncio.sleep(self._watchdog_delay)

    async def run_forever(self) -> None:
        while True:
            self._event.clear()
            try:
                wake_at = await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("prompt scheduler tick failed; trying again in a minute")
                wake_at = self.clock() + timedelta(minutes=1)
            timeout = MAX_SLEEP if wake_at is None else (wake_at - self.clock()).total_seconds()
            timeout = min(max(timeout, 0.0), MAX_SLEEP)
            if timeout > 0:
                await self._wait(self._event, timeout)

    # --- One pass -------------------------------------------------------------------------------

    async def tick(self) -> datetime | None:
        """Post whatever is due now; return when to look again (None: nothing scheduled)."""
        self.ticks += 1
        now = self.clock()
        grace: dict[int, timedelta] = {}
        if self.instance is None:
            pending = await store.pending_runs(self.db, now, self.shards)
        else:
            pending = await store.take_pending_runs(self.db, now, self.instance, self.shards)
        for run in pending:
            # A run read as claimed may have been posted by its task since (this loop awaits):
            # it is no longer in flight, but its row here is older than its outcome.
            if run.id in self._in_flight or run.attempts < self._settled.get(run.id, 0):
                continue
            await self._resume(run, now, await self._grace(run.guild_id, grace))
        while True:
            due = await store.due_schedules(self.db, now, BATCH, self.shards)
            for schedule in due:
                try:
                    await self._fire(schedule, now, await self._grace(schedule.guild_id, grace))
                except Exception:
                    log.exception("prompt #%s could not be fired", schedule.id)
                    await self._pause_quietly(schedule, "it failed unexpectedly", now)
            if len(due) < BATCH:
                break
        return await store.next_wake_at(self.db, self.shards, owner=self.instance, now=now)

    async def lag(self) -> timedelta:
        """How late this process's schedules are right now (for the heartbeat)."""
        return await store.scheduler_lag(self.db, self.clock(), self.shards)

    async def _grace(self, guild_id: int, cache: dict[int, timedelta]) -> timedelta:
        if guild_id not in cache:
            minutes = await get_setting(self.db, guild_id, "prompt_grace_minutes")
            cache[guild_id] = timedelta(minutes=int(minutes))
        return cache[guild_id]

    async def _resume(self, run: Run, now: datetime, grace: timedelta) -> None:
        resumed = run.id not in self._mine
        if resumed and run.attempts == 0 and now - run.due_at > grace and not run.manual:
            log.warning(
                "prompt run %s (schedule %s, due %s) was claimed before a restart and "
                "is now past the grace window: skipped",
                run.id,
                run.schedule_id,
                run.due_at.isoformat(),
            )
            await store.mark_failed(
                self.db, run.id, error="missed: past the grace window", now=now, status="skipped"
            )
            return
        if resumed and run.manual and run.attempts == 0:
            # The web (or another process) claims a "run now" and leaves the post to a bot.
            log.info(
                "posting prompt run %s (schedule %s): a moderator's run now, queued by another "
                "process (the web app, or a bot process that stopped before posting it)",
                run.id,
                run.schedule_id,
            )
        elif resumed:
            log.info("finishing prompt run %s claimed before a restart", run.id)
        self._spawn(run, resumed or run.attempts > 0)

    async def _language_of(self, guild_id: int) -> str:
        """The server's language: posts and notices are written in it, whoever triggered them."""
        if self._language is None:
            return i18n.DEFAULT
        try:
            return await self._language(guild_id)
        except Exception:
            log.warning("no language for server %s; posting in English", guild_id, exc_info=True)
            return i18n.DEFAULT

    async def _fire(self, schedule: Schedule, now: datetime, grace: timedelta) -> None:
        with i18n.language(await self._language_of(schedule.guild_id)):
            await self._fire_in_language(schedule, now, grace)

    async def _fire_in_language(self, schedule: Schedule, now: datetime, grace: timedelta) -> None:
        assert schedule.next_run_at is not None
        expected = schedule.next_run_at
        rule = schedule.recurrence
        latest, following, missed = expected, rule.next_after(expected), 0
        while following is not None and following <= now:
            latest, following, missed = following, rule.next_after(following), missed + 1
        if missed:
            log.warning(
                "prompt #%s: %d missed run(s) from %s skipped",
                schedule.id,
                missed,
                expected.isoformat(),
            )
        if now - latest > grace:
            log.warning(
                "prompt #%s: run due %s is past the grace window (%s): skipped",
                schedule.id,
                latest.isoformat(),
                grace,
            )
            await store.skip_missed(
                self.db, schedule, due_at=expected, next_run_at=following, now=now
            )
            return
        try:
            rendered = self.render(schedule)
        except PlanFinished:
            # Only the process that marks it finished tells the moderators (two may get here).
            if await store.finish_plan(self.db, schedule, expected=expected, now=now):
                log.info("prompt #%s: the reading plan is finished", schedule.id)
                await self._notify(
                    schedule,
                    _(
                        "Prompt #{id} has posted the whole reading plan and is finished. "
                        "`/prompt edit` it to start another."
                    ).format(id=schedule.id),
                )
            return
        payload = rendered.payload
        late = now - latest > LATE_AFTER
        if late:
            payload = payload.with_late_note(int(latest.timestamp()))
        run = await store.claim_run(
            self.db,
            schedule,
            due_at=latest,
            expected=expected,
            payload=payload,
            state=rendered.state,
            next_run_at=following,
            now=now,
            late=late,
            owner=self.instance,
            plan_sections=rendered.plan_sections,
        )
        if run is not None:
            self._mine.add(run.id)
            self._spawn(run, resumed=False)

    def render(self, schedule: Schedule) -> Rendered:
        return render(
            schedule.content, schedule.state, schedule.options, self.documents, self.escape
        )

    async def run_now(self, schedule: Schedule, audit: Audit | None = None) -> Run:
        """Post the schedule's next content immediately, leaving its timetable as it is."""
        with i18n.language(await self._language_of(schedule.guild_id)):
            rendered = self.render(schedule)
        run = await store.claim_manual_run(
            self.db,
            schedule,
            payload=rendered.payload,
            state=rendered.state,
            now=self.clock(),
            owner=self.instance,
            audit=audit,
            plan_sections=rendered.plan_sections,
        )
        self._mine.add(run.id)
        self._spawn(run, resumed=False)
        return run

    # --- Posting ----------------------------------------------------------------------------

    def _spawn(self, run: Run, resumed: bool) -> None:
        self._in_flight.add(run.id)
        task = asyncio.create_task(self._post(run, resumed), name=f"prompt-run-{run.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, run: Run, resumed: bool) -> None:
        try:
            async with self._semaphore:
                await self._post_once(run, resumed)
            # Posted, failed or put off: each outcome counted one more attempt.
            self._settled[run.id] = run.attempts + 1
            if len(self._settled) > SETTLED_KEPT:
                del self._settled[next(iter(self._settled))]
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("recording prompt run %s failed", run.id)
        finally:
            self._in_flight.discard(run.id)
            self.wake()

    async def _post_once(self, run: Run, resumed: bool) -> None:
        with i18n.language(await self._language_of(run.guild_id)):
            await self._post_once_in_language(run, resumed)

    async def _post_once_in_language(self, run: Run, resumed: bool) -> None:
        try:
            result = await self.poster.post(PostRequest(run, resumed))
        except PostForbidden as exc:
            now = self.clock()
            reason = _("I cannot post in {channel} ({error})").format(
                channel=f"<#{run.channel_id}>", error=exc
            )
            log.warning(
                "prompt run %s refused for good: %s; pausing schedule %s",
                run.id,
                exc,
                run.schedule_id,
            )
            await store.mark_failed(self.db, run.id, error=str(exc), now=now, pause_reason=reason)
            schedule = await store.get_schedule(self.db, run.guild_id, run.schedule_id)
            await self._notify(
                schedule,
                _(
                    "Prompt #{id} is paused: {reason}. Give me View Channel, Send Messages, "
                    "Embed Links (and Create Public Threads if it opens threads) there, or "
                    "choose another channel with `/prompt edit`, then `/prompt resume {id}`."
                ).format(id=run.schedule_id, reason=reason),
            )
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            now = self.clock()
            if run.attempts < len(RETRY_DELAYS):
                retry_at = now + RETRY_DELAYS[run.attempts]
                log.warning(
                    "prompt run %s failed (%s); retrying at %s", run.id, exc, retry_at.isoformat()
                )
                await store.retry_later(self.db, run.id, error=repr(exc), retry_at=retry_at)
            else:
                log.error(
                    "prompt run %s failed %d times; giving up: %r", run.id, run.attempts + 1, exc
                )
                await store.mark_failed(self.db, run.id, error=repr(exc), now=now)
            return
        await store.mark_posted(
            self.db,
            run.id,
            message_id=result.message_id,
            thread_id=result.thread_id,
            now=result.posted_at or self.clock(),
        )

    async def _pause_quietly(self, schedule: Schedule, reason: str, now: datetime) -> None:
        with contextlib.suppress(Exception):
            await store.pause_schedule(self.db, schedule.guild_id, schedule.id, reason, now)
            await self._notify(
                schedule,
                _(
                    "Prompt #{id} is paused: {reason}. Check it with `/prompt preview {id}`, "
                    "then `/prompt resume`."
                ).format(id=schedule.id, reason=reason),
            )

    async def _notify(self, schedule: Schedule, text: str) -> None:
        """Tell moderators: the server's log channel, else the schedule's creator by DM."""
        try:
            channel = await get_setting(self.db, schedule.guild_id, "log_channel_id")
            if channel:
                await self.poster.notify_channel(int(channel), text)
            elif schedule.creator_id is not None:
                await self.poster.notify_user(schedule.creator_id, text)
            else:
                log.warning("no one to tell about prompt #%s: %s", schedule.id, text)
        except Exception:
            log.exception("could not tell moderators about prompt #%s", schedule.id)
