"""Copy a SQLite database into PostgreSQL, verified, for ``python -m bot migrate --to``.

The copy is one PostgreSQL transaction: every table, parents before the tables that reference them,
streamed with COPY from one consistent SQLite snapshot, identity sequences moved past the copied
ids, then each table's row count and checksum compared with the source before the commit. A
mismatch or any error rolls everything back, so the target is either a verified copy or untouched.

Running it again is safe: a target that already holds exactly the source's rows (same counts and
checksums) is reported as verified and nothing is written; a target holding anything else is
refused, never merged into.

Triggers are switched off during the copy (inside the transaction): the cached streak figures are
copied as they are, not marked stale row by row as the reading log arrives.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import asyncpg

from bot.errors import BotError
from bot.storage.database import Database, parse_database_url
from bot.storage.postgresql import describe

_BOOKKEEPING: Final = "schema_migrations"
_BATCH: Final = 5_000


class TransferError(BotError):
    """The copy cannot be made or did not verify; the target was left as it was."""


@dataclass(frozen=True, slots=True)
class TableCopy:
    table: str
    rows: int
    checksum: str
    copied: int
    """Rows written by this run: 0 when the target already held them."""


@dataclass(frozen=True, slots=True)
class TransferReport:
    target: str
    tables: list[TableCopy]

    @property
    def already_there(self) -> bool:
        return all(t.copied == 0 for t in self.tables) and any(t.rows for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _row_digest(values: Sequence[Any]) -> bytes:
    """One row's fingerprint; values are compared as Python sees them (int, str, float, None)."""
    text = json.dumps(list(values), ensure_ascii=False, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).digest()


class _Checksum:
    """Order-independent (the databases need not return rows in the same order) and constant in
    memory: the row digests are summed as 256-bit numbers, so a row twice counts twice."""

    def __init__(self) -> None:
        self.rows = 0
        self._sum = 0

    def add(self, values: Sequence[Any]) -> None:
        self.rows += 1
        self._sum = (self._sum + int.from_bytes(_row_digest(values))) % (1 << 256)

    def hexdigest(self) -> str:
        return f"{self._sum:064x}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dependency_order(source: sqlite3.Connection, tables: list[str]) -> list[str]:
    """Tables sorted so that every table comes after those its foreign keys reference."""
    parents = {
        table: {
            row[2]
            for row in source.execute(f"PRAGMA foreign_key_list({_quote(table)})")
            if row[2] != table
        }
        for table in tables
    }
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = sorted(t for t in tables if t not in ordered and parents[t] <= set(ordered))
        if not ready:
            raise TransferError(
                f"foreign keys form a cycle among {sorted(set(tables) - set(ordered))}"
            )
        ordered.extend(ready)
    return ordered


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in source.execute(f"PRAGMA table_info({_quote(table)})")]


def _source_rows(
    source: sqlite3.Connection, table: str, columns: list[str]
) -> Iterator[tuple[Any, ...]]:
    names = ", ".join(_quote(c) for c in columns)
    cursor = source.execute(f"SELECT {names} FROM {_quote(table)}")
    while batch := cursor.fetchmany(_BATCH):
        yield from batch


def _source_checksum(source: sqlite3.Connection, table: str, columns: list[str]) -> _Checksum:
    checksum = _Checksum()
    for row in _source_rows(source, table, columns):
        checksum.add(row)
    return checksum


async def _target_checksum(conn: asyncpg.Connection, table: str, columns: list[str]) -> _Checksum:
    checksum = _Checksum()
    names = ", ".join(_quote(c) for c in columns)
    async for record in conn.cursor(f"SELECT {names} FROM {_quote(table)}", prefetch=_BATCH):
        checksum.add(tuple(record))
    return checksum


async def _migrate_both(source_path: Path, target_url: str) -> None:
    """Bring both schemas to the latest version, so tables and columns match."""
    for where in (str(source_path), target_url):
        await (await Database.open(where)).close()


async def copy_to_postgresql(source_path: Path, target_url: str) -> TransferReport:
    """Copy every table of the SQLite database at ``source_path`` into ``target_url``, verified."""
    if parse_database_url(target_url)[0] != "postgresql":
        raise TransferError("--to must be a postgresql://user:password@host/database URL.")
    if not await asyncio.to_thread(source_path.is_file):
        raise TransferError(f"There is no SQLite database at {source_path} to copy.")
    where = describe(target_url)
    await _migrate_both(source_path, target_url)

    with closing(sqlite3.connect(source_path, isolation_level=None)) as source:
        # One read transaction: every table is read (and checked) from the same snapshot.
        source.execute("BEGIN")
        tables = [
            row[0]
            for row in source.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != ?",
                (_BOOKKEEPING,),
            )
        ]
        order = _dependency_order(source, tables)
        columns = {table: _columns(source, table) for table in order}
        expected = {table: _source_checksum(source, table, columns[table]) for table in order}

        conn = await asyncpg.connect(target_url)
        try:
            async with conn.transaction():
                return await _copy(conn, source, where, order, columns, expected)
        except asyncpg.PostgresError as exc:
            raise TransferError(f"The copy to {where} failed and was rolled back: {exc}") from exc
        finally:
            await conn.close()


async def _copy(
    conn: asyncpg.Connection,
    source: sqlite3.Connection,
    where: str,
    order: list[str],
    columns: dict[str, list[str]],
    expected: dict[str, _Checksum],
) -> TransferReport:
    target_tables = {
        row[0]
        for row in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )
    }
    missing = [t for t in order if t not in target_tables]
    if missing:
        raise TransferError(
            f"{where} has no table {', '.join(missing)}: its schema is not the bot's."
        )
    # Lock out writers (a bot started too early) for the whole copy.
    await conn.execute(
        f"LOCK TABLE {', '.join(_quote(t) for t in order)} IN SHARE ROW EXCLUSIVE MODE"
    )
    counts = {
        table: int(await conn.fetchval(f"SELECT COUNT(*) FROM {_quote(table)}")) for table in order
    }
    if any(counts.values()):
        found = {table: await _target_checksum(conn, table, columns[table]) for table in order}
        differing = [
            table
            for table in order
            if found[table].rows != expected[table].rows
            or found[table].hexdigest() != expected[table].hexdigest()
        ]
        if differing:
            raise TransferError(
                f"{where} already holds other data (in {', '.join(differing)}): nothing was "
                "copied. Give an empty database, or drop and recreate this one."
            )
        return TransferReport(
            where,
            [TableCopy(t, expected[t].rows, expected[t].hexdigest(), 0) for t in order],
        )

    for table in order:
        await conn.execute(f"ALTER TABLE {_quote(table)} DISABLE TRIGGER USER")
    for table in order:
        try:
            await conn.copy_records_to_table(
                table,
                records=_source_rows(source, table, columns[table]),
                columns=columns[table],
            )
        except (asyncpg.PostgresError, asyncpg.DataError) as exc:
            raise TransferError(
                f"Copying {table} to {where} failed, nothing was kept: {exc}"
            ) from exc
    for table in order:
        await conn.execute(f"ALTER TABLE {_quote(table)} ENABLE TRIGGER USER")

    identities = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for row in identities:
        table, column = row["table_name"], row["column_name"]
        if table not in columns:
            continue
        # The next generated id follows the largest copied one (or starts at 1).
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence($1, $2), "
            f"COALESCE((SELECT MAX({_quote(column)}) FROM {_quote(table)}), 0) + 1, false)",
            _quote(table),
            column,
        )

    report: list[TableCopy] = []
    for table in order:
        copied = await _target_checksum(conn, table, columns[table])
        want = expected[table]
        if copied.rows != want.rows or copied.hexdigest() != want.hexdigest():
            raise TransferError(
                f"{table} did not verify after copying ({copied.rows} rows for {want.rows}, "
                "or different values): nothing was kept."
            )
        report.append(TableCopy(table, want.rows, want.hexdigest(), want.rows))
    return TransferReport(where, report)
