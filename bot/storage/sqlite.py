"""The SQLite backend: one aiosqlite connection, the default for a single process.

Why the choices:
- WAL lets readers carry on while a write commits, and with ``synchronous=NORMAL`` a committed
  transaction survives the process being killed (only a power cut can lose the last commits).
- One connection is shared by every task, so a lock serialises transactions: without it, two
  coroutines would interleave statements inside each other's ``BEGIN``.
- ``BEGIN IMMEDIATE`` takes the write lock when the transaction starts, so a read-then-write inside
  a transaction cannot be overtaken by another writer (which is what ``FOR UPDATE`` asks for on
  PostgreSQL; the clause is dropped here).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import aiosqlite

from bot.errors import MigrationError
from bot.storage.database import (
    Connection,
    Cursor,
    Database,
    Dialect,
    Migration,
    PendingCursor,
    Row,
    load_migrations,
)
from bot.storage.sql import to_sqlite

log = logging.getLogger("bot.storage.database")


class SqliteCursor:
    __slots__ = ("_cursor",)

    def __init__(self, cursor: aiosqlite.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> Row | None:
        return cast(Row | None, await self._cursor.fetchone())

    async def fetchall(self) -> list[Row]:
        return cast(list[Row], list(await self._cursor.fetchall()))

    async def _rows(self) -> AsyncIterator[Row]:
        async for row in self._cursor:
            yield cast(Row, row)

    def __aiter__(self) -> AsyncIterator[Row]:
        return self._rows()

    async def close(self) -> None:
        await self._cursor.close()


class SqliteConnection(Connection):
    dialect: Dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def _run(self, sql: str, params: Sequence[Any]) -> Cursor:
        return SqliteCursor(await self._conn.execute(to_sqlite(sql), params))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PendingCursor:
        return PendingCursor(self._run(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(to_sqlite(sql), rows)


class SqliteDatabase(Database):
    dialect: Dialect = "sqlite"

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def connect(cls, path: str, migrations: Sequence[Migration] | None) -> SqliteDatabase:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing commits behind our back.
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            db = cls(conn)
            await db.migrate(load_migrations() if migrations is None else migrations)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        async with self._lock:
            await self._conn.close()

    async def migrate(self, migrations: Iterable[Migration]) -> list[int]:
        async with self._lock:
            await self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY,"
                " name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            async with self._conn.execute("SELECT version FROM schema_migrations") as cursor:
                applied = {row[0] for row in await cursor.fetchall()}
            done: list[int] = []
            for migration in migrations:
                if migration.version in applied:
                    continue
                await self._apply(migration)
                done.append(migration.version)
                log.info("applied migration %04d_%s", migration.version, migration.name)
            return done

    async def _apply(self, migration: Migration) -> None:
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            "INSERT INTO schema_migrations (version, name) "
            f"VALUES ({migration.version}, '{migration.name}');\n"
            "COMMIT;"
        )
        try:
            await self._conn.executescript(script)
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                await self._conn.execute("ROLLBACK")
            raise MigrationError(
                f"migration {migration.version:04d}_{migration.name} failed and was rolled back: "
                f"{exc}"
            ) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._lock, self._conn.execute(to_sqlite(sql), params) as cursor:
            return cast(Row | None, await cursor.fetchone())

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._lock, self._conn.execute(to_sqlite(sql), params) as cursor:
            return cast(list[Row], list(await cursor.fetchall()))

    async def backup(self, target: Path | str) -> None:
        """Copy the live database consistently with SQLite's online backup API."""
        async with self._lock:
            dest = await aiosqlite.connect(str(target))
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        return [str(row[0]) for row in rows]
