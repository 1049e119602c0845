"""A change signal between processes: what one process changes, the others' schedulers hear.

Every moderator change to prompts calls :func:`changed` inside its transaction: it bumps the one
``change_counter`` row, and on PostgreSQL also sends ``NOTIFY`` (delivered at commit). The bot
process runs a :class:`ChangeWatcher` that wakes its scheduler when the counter moves (SQLite:
read every second, one primary-key row) or a notification arrives (PostgreSQL: ``LISTEN``, with
the same read as a fallback should the listening connection drop). A change made by the web app,
running as its own process, therefore reaches the scheduler within a couple of seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Final

from bot.storage.database import Connection, Database

log = logging.getLogger(__name__)

CHANNEL: Final = "manifesto_changes"
"""The PostgreSQL notification channel."""
POLL_SECONDS: Final = 1.0
"""How often the counter is read: the longest a change from another process waits on SQLite."""


async def changed(conn: Connection) -> None:
    """Record, in the caller's transaction, that what the scheduler plans has changed."""
    await conn.execute(
        "INSERT INTO change_counter (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = change_counter.version + 1"
    )
    if conn.dialect == "postgresql":
        await conn.execute(f"NOTIFY {CHANNEL}")


async def version(db: Database) -> int:
    row = await db.fetchone("SELECT version FROM change_counter WHERE id = 1")
    return 0 if row is None else int(row["version"])


class ChangeWatcher:
    """Calls ``on_change`` when another process (or this one) changed what is scheduled."""

    def __init__(
        self, db: Database, on_change: Callable[[], None], *, poll: float = POLL_SECONDS
    ) -> None:
        self.db = db
        self.on_change = on_change
        self.poll = poll
        self.seen: int | None = None
        self.wakes = 0
        self._task: asyncio.Task[None] | None = None
        self._stop_listening: Callable[[], object] | None = None

    def _changed(self) -> None:
        self.wakes += 1
        self.on_change()

    async def check(self) -> bool:
        """Read the counter once; True (and ``on_change`` called) if it moved."""
        current = await version(self.db)
        moved = self.seen is not None and current != self.seen
        self.seen = current
        if moved:
            self._changed()
        return moved

    async def start(self) -> None:
        self.seen = await version(self.db)
        listen = getattr(self.db, "listen", None)
        if listen is not None:
            try:
                self._stop_listening = await listen(CHANNEL, self._changed)
            except Exception:
                log.warning("cannot LISTEN for changes; reading the counter instead", exc_info=True)
        self._task = asyncio.create_task(self._run(), name="change-watcher")

    async def _run(self) -> None:
        # With LISTEN the counter is a fallback only, read less often.
        interval = self.poll if self._stop_listening is None else self.poll * 10
        while True:
            await asyncio.sleep(interval)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("could not read the change counter", exc_info=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._stop_listening is not None:
            with contextlib.suppress(Exception):
                result = self._stop_listening()
                if asyncio.iscoroutine(result):
                    await result
            self._stop_listening = None
