"""Change signal benchmark: from a change committed by another process to the scheduler's wake-up.

The web app runs as its own process; its changes reach the bot's scheduler through
:mod:`bot.storage.changes`. Two connections stand for the two processes: one commits
``changed()`` (what every prompt action does in its transaction), the other runs the
:class:`~bot.storage.changes.ChangeWatcher`; the delay is measured until the watcher's callback.
SQLite is read every second, so its delay spreads over 0-1 s; PostgreSQL's ``LISTEN`` is immediate.
Target: at most 5 s at p95 on both.

Run: .venv/bin/python bench/changes.py [--count N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.storage import Database
from bot.storage.changes import ChangeWatcher, changed
from tests.postgres import PostgresServer


async def measure(url: str, count: int) -> list[float]:
    bot_db = await Database.open(url)
    web_db = await Database.open(url)
    woke = asyncio.Event()
    watcher = ChangeWatcher(bot_db, woke.set)
    await watcher.start()
    delays: list[float] = []
    try:
        for _ in range(count):
            # Changes arrive at any moment of the watcher's polling second.
            await asyncio.sleep(random.uniform(0.05, 1.0))
            woke.clear()
            start = time.monotonic()
            async with web_db.transaction() as conn:
                await changed(conn)
            await asyncio.wait_for(woke.wait(), 10)
            delays.append(time.monotonic() - start)
    finally:
        await watcher.stop()
        await web_db.close()
        await bot_db.close()
    return delays


def report(name: str, delays: list[float]) -> None:
    ordered = sorted(delays)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{name:<11} median {statistics.median(ordered) * 1000:5.0f} ms  "
        f"p95 {p95 * 1000:5.0f} ms  max {ordered[-1] * 1000:5.0f} ms  (n={len(ordered)})"
    )


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        report("sqlite", await measure(str(Path(folder) / "bench.db"), count))
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="bench-changes-postgres-")))
    try:
        report("postgresql", await measure(await server.create_database(), count))
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="changes per database")
    asyncio.run(main(parser.parse_args().count))
