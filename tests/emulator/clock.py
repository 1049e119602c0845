"""The emulator's own clock, so tests can jump over Discord's deadlines without sleeping.

Discord measures its deadlines (3 seconds for an initial response, 15 minutes for a follow-up, a few
minutes for message nonces) against its own clock. The emulator does the same against a clock that
runs with real time but can be pushed forward with :meth:`Clock.advance`. Snowflakes are minted from
it too, so the creation time discord.py reads from an id agrees with the emulator's idea of "now".
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Final

DISCORD_EPOCH_MS: Final = 1_420_070_400_000
"""Milliseconds since the Unix epoch at the first second of 2015, where snowflake time starts."""


class Clock:
    """Real time plus an offset that only grows."""

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        """Seconds since the Unix epoch, as the emulated Discord sees it."""
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the emulated clock only moves forward")
        self._offset += seconds

    @property
    def offset(self) -> float:
        """How far the emulated clock is ahead of the real one, in seconds."""
        return self._offset

    def datetime(self, at: float | None = None) -> datetime:
        return datetime.fromtimestamp(self.now() if at is None else at, UTC)

    def iso(self, at: float | None = None) -> str:
        """The ISO 8601 form Discord uses in payloads (``2026-01-02T03:04:05.678000+00:00``)."""
        return self.datetime(at).isoformat()


class Snowflakes:
    """Unique, time-ordered ids from the emulated clock, in Discord's 64-bit layout."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0

    def next(self) -> int:
        millis = int(self._clock.now() * 1000) - DISCORD_EPOCH_MS
        candidate = (millis << 22) | (1 << 17)
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate


def snowflake_time(snowflake: int) -> float:
    """Seconds since the Unix epoch at which a snowflake was minted."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000
