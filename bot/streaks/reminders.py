"""Daily reading reminders: which are due, who gets a DM, and the loop that waits for the next one.

The rules:
- A reminder is due at the member's local time of day (``reminder_next_at``, kept in storage). When
  it comes due, a member who already read that day gets no DM; the reminder moves to the next day.
- A reminder found more than :data:`GRACE` after its time (the bot was offline) is not sent late:
  a "you have not read today" DM at the wrong hour, possibly on the wrong day, helps nobody.
- A DM Discord refuses for good (the member blocks DMs, or left every shared server) turns the
  reminder off and flags it, so the member's next command says so once. Any other failure is
  retried after :data:`RETRY_AFTER` while within the grace period.
- With several bot processes, each sends the reminders set in its own shards' servers, and
  claims them in the database before any DM (:func:`bot.storage.streaks.claim_reminders`),
  so two processes overlapping in a rolling restart never both send it.

Everything takes ``now`` or a clock and a ``send`` callable, so tests drive it without Discord and
without waiting; the Discord layer only supplies how to DM a user.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from bot import i18n
from bot.errors import BotError
from bot.i18n import _
from bot.scheduling.scheduler import Clock, Waiter, utc_now, wait_or_wake
from bot.sharding import Shards
from bot.storage import streaks as store
from bot.storage.database import Database
from bot.streaks.render import REMINDER_DM

log = logging.getLogger(__name__)

GRACE: Final = timedelta(minutes=30)
RETRY_AFTER: Final = timedelta(minutes=1)
MAX_SLEEP: Final = 300.0
"""Seconds: even with nothing due, look again this often (a clock jump, a change made elsewhere)."""

_TIME: Final = re.compile(r"^\s*([01]?\d|2[0-3])\s*[:h.]\s*([0-5]\d)\s*$", re.IGNORECASE)
_OFF: Final = frozenset({"off", "none", "stop", "no"})


class BadTime(BotError):
    def __init__(self, typed: str) -> None:
        super().__init__(
            _("“{typed}” is not a time of day. Use 24-hour HH:MM, such as 20:30, or “off”.").format(
                typed=typed.strip()[:40]
            )
        )


def parse_minute(typed: str) -> int | None:
    """``"20:30"`` (or ``20h30``, ``20.30``) → 1230 minutes of the day; ``"off"`` → None."""
    if typed.strip().lower() in _OFF:
        return None
    match = _TIME.match(typed)
    if match is None:
        raise BadTime(typed)
    return int(match[1]) * 60 + int(match[2])


class ReminderRefused(Exception):
    """Raised by a ``send`` callable when the DM can never be delivered (not a passing failure)."""


SendReminder = Callable[[int, str], Awaitable[None]]
"""``await send(user_id, text)``: DM the user; :class:`ReminderRefused` when refused for good."""


@dataclass(slots=True)
class ReminderRound:
    """What one pass over the due reminders did, by user id."""

    sent: list[int] = field(default_factory=list)
    already_read: list[int] = field(default_factory=list)
    too_late: list[int] = field(default_factory=list)
    refused: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)


async def send_due_reminders(
    db: Database, now: datetime, send: SendReminder, shards: Shards | None = None
) -> ReminderRound:
    """Handle every reminder due at ``now``; each leaves the due set: moved, off, or retried."""
    done = ReminderRound()
    due_now = await store.due_reminders(db, now, shards)
    # Taken together before any DM: another process reading the same rows gets none of them.
    for member in await store.claim_reminders(db, due_now, now):
        due, minute, guild_id = (
            member.reminder_next_at,
            member.reminder_minute,
            member.reminder_guild_id,
        )
        if due is None or minute is None or guild_id is None:
            await store.reminder_done(db, member, now)
            continue
        slot = await _slot(db, member.user_id, guild_id, minute, datetime.fromtimestamp(due, UTC))
        if now - slot > GRACE:
            done.too_late.append(member.user_id)
        elif await store.read_today_anywhere(db, member.user_id, guild_id, now):
            done.already_read.append(member.user_id)
        else:
            try:
                with i18n.language(member.locale):
                    text = _(REMINDER_DM)
                await send(member.user_id, text)
            except ReminderRefused:
                log.info("reminder DM to %s refused; reminder turned off", member.user_id)
                await store.reminder_failed(db, member.user_id, now=now)
                done.refused.append(member.user_id)
                continue
            except Exception:
                log.warning("reminder DM to %s failed", member.user_id, exc_info=True)
                retry = now + RETRY_AFTER
                if retry - slot <= GRACE:
                    await store.postpone_reminder(db, member.user_id, retry, now=now)
                    done.retrying.append(member.user_id)
                    continue
            else:
                done.sent.append(member.user_id)
        await store.reminder_done(db, member, now)
    return done


async def _slot(db: Database, user_id: int, guild_id: int, minute: int, due: datetime) -> datetime:
    """The local time of day a due reminder stands for; a retried one is due after its slot."""
    zone = await store.member_zone(db, guild_id, user_id)
    # Slots are about a day apart (23 to 25 hours), retries at most GRACE + RETRY_AFTER late.
    return store.next_reminder_at(minute, zone, due - GRACE - RETRY_AFTER - timedelta(seconds=1))


class ReminderLoop:
    """Sleeps until the next reminder is due (or :meth:`wake` is called), then sends what is due.

    One round failing (the database busy, a bug) is logged and the loop carries on after a pause,
    so reminders never stop for good while the bot runs.
    """

    def __init__(
        self,
        db: Database,
        send: SendReminder,
        *,
        clock: Clock = utc_now,
        waiter: Waiter = wait_or_wake,
        max_sleep: float = MAX_SLEEP,
        shards: Shards | None = None,
    ) -> None:
        self.db = db
        self.send = send
        self.clock = clock
        self.waiter = waiter
        self.max_sleep = max_sleep
        self.shards = shards
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A reminder was set or moved: look again now instead of at the planned time."""
        self._wake.set()

    async def run_once(self) -> float:
        """Send what is due now; the seconds until the next reminder is due (capped)."""
        now = self.clock()
        await send_due_reminders(self.db, now, self.send, self.shards)
        upcoming = await store.next_reminder_due(self.db, self.shards)
        if upcoming is None:
            return self.max_sleep
        return min(self.max_sleep, max(0.0, (upcoming - self.clock()).total_seconds()))

    async def run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delay = await self.run_once()
            except Exception:
                log.exception("reminder round failed; trying again shortly")
                delay = RETRY_AFTER.total_seconds()
            await self.waiter(self._wake, delay)
