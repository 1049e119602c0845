"""Keeping the web app from slowing the bot when both share one event loop.

In the bot process every page is handled on the loop that also answers interactions. Pages are
short (a few milliseconds), but a hundred at once would queue interactions behind them. So in the
bot process pages pass a gate: at most :data:`CONCURRENT_PAGES` at a time, and after each one
its slot rests for long enough that pages take at most about :data:`LOOP_SHARE` of the loop's
time per slot. Under a burst, pages wait (a browser waits a little longer); interactions do not.
A web app in its own process (``python -m bot web``) has nothing to protect and no gate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

LOOP_SHARE: Final = 0.1
CONCURRENT_PAGES: Final = 1
UNGATED: Final = frozenset({"/healthz"})
"""A load balancer's health check must answer even while pages queue."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoopShare:
    def __init__(self, share: float = LOOP_SHARE, concurrency: int = CONCURRENT_PAGES) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self._gate = asyncio.Semaphore(concurrency)
        self._rest = 1 / share - 1

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in UNGATED:
            return await handler(request)
        async with self._gate:
            began = time.perf_counter()
            try:
                return await handler(request)
            finally:
                # Wall time, which also counts waits for the database: it can only overestimate
                # what the page took from the loop, so the bot keeps at least its share.
                await asyncio.sleep((time.perf_counter() - began) * self._rest)
