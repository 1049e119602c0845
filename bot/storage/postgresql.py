"""The PostgreSQL backend: an asyncpg pool, for several bot processes sharing one database.

Why the choices:
- A pool, not one connection: transactions of different tasks run side by side, and correctness
  between them (and between processes) comes from the database, through constraints, ``ON
  CONFLICT`` and row locks, never from a lock only this process can see.
- Statements are the storage modules' portable SQL, translated once (:mod:`bot.storage.sql`).
- Values come back as SQLite gives them: NUMERIC results (``SUM`` of integers) are decoded to int
  (or float when fractional) instead of ``Decimal``, and ``True``/dates passed as parameters are
  stored as SQLite's adapters store them (1, ISO text), so the same code reads the same values.
- Migrations run under an advisory lock, so processes starting together apply each one once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import urlsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.errors import BotError, MigrationError
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
from bot.storage.sql import to_postgresql

log = logging.getLogger("bot.storage.database")

POOL_SIZE: Final = 10
"""Connections per process; several processes share the server's ``max_connections``."""
CLOSE_GRACE: Final = 5.0
"""Seconds a stopping process waits for busy connections before closing them. A supervisor
allows about 10 s after SIGTERM (Docker's default) before it kills, and waiting 10 s here
leaves the rest of the shutdown no time within it. (Once, in a fresh-clone run, the scale test
saw a process stopped with posts in flight not exit within 10 s.)"""
_MIGRATION_LOCK: Final = 0x6D616E69  # any constant: the advisory lock all bot processes agree on


def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


async def _setup(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "numeric", schema="pg_catalog", encoder=str, decoder=_number, format="text"
    )


def _arg(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _args(params: Sequence[Any]) -> list[Any]:
    return [_arg(value) for value in params]


def _rowcount(status: str) -> int:
    """``INSERT 0 3`` / ``UPDATE 2`` / ``DELETE 0``: the count is the last word, if a number."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


def describe(dsn: str) -> str:
    """Where a DSN points, without its password: for messages and logs."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    return f"{host}{':' + str(parts.port) if parts.port else ''}{parts.path or ''}"


class PostgresCursor:
    """Rows are fetched when the statement runs: the connection is free again at once."""

    __slots__ = ("_next", "_rowcount", "_rows")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self._rowcount = rowcount
        self._next = 0

    @property
    def rowcount(self) -> int:
        return self._rowcount

    async def fetchone(self) -> Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[Row]:
        rest = self._rows[self._next :]
        self._next = len(self._rows)
        return rest

    async def _iterate(self) -> AsyncIterator[Row]:
        while (row := await self.fetchone()) is not None:
            yield row

    def __aiter__(self) -> AsyncIterator[Row]:
        return self._iterate()

    async def close(self) -> None:
        self._rows = []


class PostgresConnection(Connection):
    dialect: Dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection | PoolConnectionProxy) -> None:
        self._conn = conn

    async def _run(self, sql: str, params: Sequence[Any]) -> Cursor:
        text, returns_rows = to_postgresql(sql)
        if returns_rows:
            rows = cast(list[Row], await self._conn.fetch(text, *_args(params)))
            return PostgresCursor(rows, len(rows))
        status = await self._conn.execute(text, *_args(params))
        return PostgresCursor([], _rowcount(status))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PendingCursor:
        return PendingCursor(self._run(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        text, _ = to_postgresql(sql)
        await self._conn.executemany(text, [_args(row) for row in rows])


class PostgresDatabase(Database):
    dialect: Dialect = "postgresql"

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self._pool = pool
        self.where = where

    @classmethod
    async def connect(
        cls, dsn: str, migrations: Sequence[Migration] | None, *, pool_size: int = POOL_SIZE
    ) -> PostgresDatabase:
        where = describe(dsn)
        try:
            pool = await asyncpg.create_pool(
                dsn, min_size=1, max_size=pool_size, init=_setup, command_timeout=60
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise BotError(f"cannot connect to PostgreSQL at {where}: {exc}") from exc
        db = cls(pool, where)
        try:
            await db.migrate(
                load_migrations(dialect="postgresql") if migrations is None else migrations
            )
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), CLOSE_GRACE)
        except TimeoutError:
            log.warning("PostgreSQL connections still busy after %.0f s; closing them", CLOSE_GRACE)
            self._pool.terminate()

    async def migrate(self, migrations: Iterable[Migration]) -> list[int]:
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version BIGINT PRIMARY KEY,"
                    " name TEXT NOT NULL,"
                    " applied_at TEXT NOT NULL"
                    " DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))"
                )
                applied = {
                    row[0] for row in await conn.fetch("SELECT version FROM schema_migrations")
                }
                done: list[int] = []
                for migration in migrations:
                    if migration.version in applied:
                        continue
                    try:
                        async with conn.transaction():
                            await conn.execute(migration.sql)
                            await conn.execute(
                                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                                migration.version,
                                migration.name,
                            )
                    except asyncpg.PostgresError as exc:
                        raise MigrationError(
                            f"migration {migration.version:04d}_{migration.name} failed and was "
                            f"rolled back: {exc}"
                        ) from exc
                    done.append(migration.version)
                    log.info("applied migration %04d_%s", migration.version, migration.name)
                return done
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield PostgresConnection(conn)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        text, _ = to_postgresql(sql)
        return cast(Row | None, await self._pool.fetchrow(text, *_args(params)))

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        text, _ = to_postgresql(sql)
        return cast(list[Row], await self._pool.fetch(text, *_args(params)))

    async def backup(self, target: Path | str) -> None:
        raise BotError(
            "backup copies a SQLite database; back up PostgreSQL with pg_dump "
            f"(the bot's database is at {self.where})."
        )

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        return [str(row[0]) for row in rows]

    async def listen(
        self, channel: str, callback: Callable[[], None]
    ) -> Callable[[], Awaitable[None]]:
        """LISTEN on ``channel`` with a connection of the pool kept for it; returns the stopper.

        Notifications from any process (``NOTIFY`` at its commit) call ``callback`` in this
        event loop. The connection is released when the returned coroutine function is awaited.
        """
        conn = await self._pool.acquire()

        def notified(*_: object) -> None:
            callback()

        try:
            await conn.add_listener(channel, notified)
        except BaseException:
            await self._pool.release(conn)
            raise

        async def stop() -> None:
            try:
                await conn.remove_listener(channel, notified)
            finally:
                await self._pool.release(conn)

        return stop
