"""Waiting for the bot's database to reach a state, on either backend.

The emulator's ``wait_for`` takes a plain predicate, re-checked whenever Discord's side changes;
what the bot writes to its database changes nothing there, and reading it (``world.query``) is a
coroutine, so these checks are polled instead.
"""

# Every wait here is bounded by a ``timeout`` argument, as in the emulator's own test API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tests.emulator import NoResponse


async def until(
    check: Callable[[], Awaitable[bool]],
    *,
    timeout: float = 10.0,
    what: str = "the database to change",
    interval: float = 0.05,
) -> None:
    """Return once ``check()`` is true; fail (like the emulator's waits) after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() >= deadline:
            raise NoResponse(f"timed out after {timeout:.1f}s waiting for {what}")
        await asyncio.sleep(interval)
