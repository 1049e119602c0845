"""The gate that keeps pages from holding up the bot in its process."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from web.fairness import LoopShare


async def test_pages_pass_one_at_a_time_and_rest_after() -> None:
    running = 0
    most = 0

    async def page(request: web.Request) -> web.Response:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.02)  # a page's work
        running -= 1
        return web.Response(text="ok")

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(middlewares=[LoopShare(share=0.5, concurrency=1).middleware])
    app.router.add_get("/page", page)
    app.router.add_get("/healthz", health)
    async with TestClient(TestServer(app)) as client:
        began = time.perf_counter()
        answers = await asyncio.gather(*(client.get("/page") for _ in range(4)))
        took = time.perf_counter() - began
        assert [a.status for a in answers] == [200] * 4
        assert most == 1
        # Four pages of 20 ms, each followed by as long a rest (share 0.5): at least 140 ms.
        assert took >= 0.14
        blocked = asyncio.gather(*(client.get("/page") for _ in range(3)))
        await asyncio.sleep(0.005)
        began = time.perf_counter()
        assert (await client.get("/healthz")).status == 200
        assert time.perf_counter() - began < 0.05  # the health check never queues
        await blocked
