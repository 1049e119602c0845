"""Key-value facts the bot keeps about itself between runs."""

from __future__ import annotations

from collections.abc import Callable

from bot.storage.database import Database


async def get_meta(db: Database, key: str) -> str | None:
    row = await db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
    return None if row is None else str(row["value"])


async def set_meta(db: Database, key: str, value: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


async def get_or_create_meta(db: Database, key: str, make: Callable[[], str]) -> str:
    """The value under ``key``, writing ``make()`` first if there is none.

    Processes starting together may both make a value; the first insert wins and every process
    reads that one back, so they all agree (a web secret key must be the same everywhere).
    """
    existing = await get_meta(db, key)
    if existing is not None:
        return existing
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (key, make()),
        )
    value = await get_meta(db, key)
    assert value is not None  # just written, and meta rows are never deleted
    return value
