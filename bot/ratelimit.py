"""Keeping the whole bot under Discord's global REST limit when it runs as several processes.

Discord allows a bot 50 requests per second across everything it does with its token (interaction
responses excepted), not per process or per connection. discord.py only learns of the limit from
a 429 after crossing it, and each process would learn separately; 429s also count towards the
invalid-request limit that gets an IP banned for an hour. So each process paces its own requests
ahead of time at its share of the limit: the share of the shards it runs, with headroom, split
with any other live process running the same shards (a rolling restart runs two for a while; the
heartbeat rows say so, :func:`share_fraction`). The shares add up to less than the limit whatever
the processes do, without any coordination per request. (An operator who puts a Discord REST
proxy in front of every process sets the rate to 0 and lets the proxy pace the bot.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

from bot.sharding import Shards

HEADROOM: Final = 0.9
"""Use 90% of the limit: the rest absorbs clock jitter between processes and discord.py's own
retries, which are not paced again."""


def process_share(global_rate: float, shards: Shards | None) -> float:
    """Requests per second this process may send: its shards' share of the bot's limit."""
    fraction = 1.0 if shards is None else len(shards.ids) / shards.count
    return global_rate * HEADROOM * fraction


def share_fraction(mine: Shards | None, others: Sequence[Shards | None]) -> float:
    """The part of the bot's limit this process may use, given the other live processes.

    Each shard is worth ``1 / count`` of the limit, split evenly between the processes running
    it; a process running every shard (``None``: one process with Discord's recommended count)
    shares everything with everyone.
    """
    if mine is None:
        return 1.0 / (1 + len(others))
    fraction = 0.0
    for shard in mine.ids:
        runners = 1 + sum(
            1
            for other in others
            if other is None or (other.count == mine.count and shard in other.ids)
        )
        fraction += 1.0 / (mine.count * runners)
    return fraction


class Pacer:
    """Lets calls through at least ``1 / per_second`` apart, first come first served.

    Callers queue on a fair lock and each goes ``interval`` after the previous one actually went,
    so a burst of 1,000 posts leaves at the steady rate in the order they asked and a quiet process
    sends at once. Spacing the real departures (not slots booked in advance) matters: after the
    event loop stalls for a moment, booked slots would all fall due together and leave as a burst
    above the rate.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 0.0
        self.set_rate(per_second)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._last: float | None = None
        self.waited = 0.0
        """Seconds callers spent waiting in total (for logs and benchmarks)."""

    def set_rate(self, per_second: float) -> None:
        """Change the rate (another process started or stopped sharing the shards)."""
        if per_second <= 0:
            raise ValueError("a pacer needs a positive rate")
        self.interval = 1.0 / per_second

    @property
    def rate(self) -> float:
        return 1.0 / self.interval

    async def wait(self) -> float:
        """Wait for this call's turn; the seconds waited."""
        asked = self._clock()
        async with self._lock:
            if self._last is not None:
                delay = self._last + self.interval - self._clock()
                if delay > 0:
                    await self._sleep(delay)
            self._last = self._clock()
        waited = self._last - asked
        self.waited += waited
        return waited


__all__ = ["HEADROOM", "Pacer", "process_share", "share_fraction"]


class AttemptLimiter:
    """At most ``limit`` attempts per key (a client address) in any ``window`` seconds.

    For sign-ins: each one costs Discord requests with the application's secret, so a script
    hammering ``/login`` from one address is turned away before it reaches Discord. The set of
    keys is bounded: the oldest are dropped first, which only ever forgives.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._attempts: dict[str, list[float]] = {}

    def allow(self, key: str) -> bool:
        """Count an attempt and say whether it may go ahead."""
        now = self._clock()
        recent = [t for t in self._attempts.pop(key, []) if now - t < self.window]
        allowed = len(recent) < self.limit
        if allowed:
            recent.append(now)
        self._attempts[key] = recent  # re-inserted: the dict's order is least recent first
        while len(self._attempts) > self._max_keys:
            del self._attempts[next(iter(self._attempts))]
        return allowed

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        recent = self._attempts.get(key, [])
        if len(recent) < self.limit:
            return 0.0
        return max(0.0, recent[0] + self.window - self._clock())
