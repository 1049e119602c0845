"""The SQL rewrites between SQLite and PostgreSQL, and that both migration sets build one schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.storage import Database
from bot.storage.sql import to_postgresql, to_sqlite
from tests.postgres import PostgresServer


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = $1 AND b = $2"),
        ("UPDATE t SET a = '?' WHERE b = ?", "UPDATE t SET a = '?' WHERE b = $1"),
        ("SELECT 'it''s ?', ? FROM t", "SELECT 'it''s ?', $1 FROM t"),
        ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = $1'),
        ("SELECT a -- why?\nFROM t WHERE b = ?", "SELECT a -- why?\nFROM t WHERE b = $1"),
        ("SELECT /* ? */ a FROM t WHERE b = ?", "SELECT /* ? */ a FROM t WHERE b = $1"),
        ("SELECT $$a ? b$$, ?", "SELECT $$a ? b$$, $1"),
        ("SELECT $x$ ? $x$, ?", "SELECT $x$ ? $x$, $1"),
        # SQLite numbers a bare ? one past the largest number used so far.
        ("SELECT ?2, ?1, ?", "SELECT $2, $1, $3"),
        ("SELECT ?1 WHERE a = ?3 OR b = ?1 LIMIT ?", "SELECT $1 WHERE a = $3 OR b = $1 LIMIT $4"),
        ("SELECT 1", "SELECT 1"),
    ],
)
def test_placeholders_become_numbered_parameters(sql: str, expected: str) -> None:
    assert to_postgresql(sql)[0] == expected


@pytest.mark.parametrize(
    ("sql", "returns_rows"),
    [
        ("SELECT 1", True),
        ("  (SELECT 1) UNION ALL (SELECT 2)", True),
        ("WITH x AS (SELECT 1) SELECT * FROM x", True),
        ("-- note\nSELECT 1", True),
        ("INSERT INTO t (a) VALUES (?) RETURNING id", True),
        ("insert into t (a) values (?) on conflict do nothing returning id", True),
        ("INSERT INTO t (a) VALUES ('RETURNING')", False),
        ("UPDATE t SET a = 1", False),
        ("DELETE FROM t WHERE a = ?", False),
        ("CREATE TABLE t (a TEXT)", False),
    ],
)
def test_statements_returning_rows_are_recognised(sql: str, returns_rows: bool) -> None:
    assert to_postgresql(sql)[1] is returns_rows


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT id FROM t WHERE a = ? FOR UPDATE", "SELECT id FROM t WHERE a = ?"),
        (
            "SELECT id FROM t ORDER BY id LIMIT 5 FOR UPDATE SKIP LOCKED",
            "SELECT id FROM t ORDER BY id LIMIT 5",
        ),
        ("SELECT id FROM t FOR NO KEY UPDATE NOWAIT", "SELECT id FROM t"),
        (
            "SELECT a.id FROM a JOIN b ON b.x = a.x FOR UPDATE OF a, b",
            "SELECT a.id FROM a JOIN b ON b.x = a.x",
        ),
        ("SELECT * FROM t WHERE k = 'n' FOR SHARE", "SELECT * FROM t WHERE k = 'n'"),
        ("SELECT 'FOR UPDATE' FROM t", "SELECT 'FOR UPDATE' FROM t"),
        ("UPDATE t SET a = 1", "UPDATE t SET a = 1"),
    ],
)
def test_row_locks_are_dropped_for_sqlite(sql: str, expected: str) -> None:
    assert to_sqlite(sql) == expected


def _affinity(declared: str) -> str:
    """SQLite's rules for a declared type (BIGINT is an integer, VARCHAR text...)."""
    upper = declared.upper()
    if "INT" in upper:
        return "integer"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "real"
    return upper.lower()


Schema = dict[str, object]


def _sqlite_schema(path: Path) -> tuple[Schema, set[tuple[str, str]]]:
    """The schema, and the columns that are SQLite rowids (``INTEGER PRIMARY KEY``)."""
    conn = sqlite3.connect(path)
    try:
        tables: dict[str, list[tuple[str, str, bool]]] = {}
        rowids: set[tuple[str, str]] = set()
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations'"
            )
        ]
        for table in names:
            columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
            keys = [c for c in columns if c[5]]
            if len(keys) == 1 and keys[0][2].upper() == "INTEGER":
                rowids.add((table, keys[0][1]))
            tables[table] = [
                (name, _affinity(declared), bool(notnull) or bool(pk))
                for _, name, declared, notnull, _, pk in columns
            ]
        indexes = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }
        triggers = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        return {"tables": tables, "indexes": indexes, "triggers": triggers}, rowids
    finally:
        conn.close()


async def _postgresql_schema(url: str) -> tuple[Schema, set[tuple[str, str]]]:
    """The schema, and the identity columns (ids the database generates)."""
    conn = await asyncpg.connect(url)
    try:
        tables: dict[str, list[tuple[str, str, bool]]] = {}
        identities: set[tuple[str, str]] = set()
        rows = await conn.fetch(
            "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.is_identity "
            "FROM information_schema.columns c WHERE c.table_schema = current_schema() "
            "AND c.table_name != 'schema_migrations' ORDER BY c.table_name, c.ordinal_position"
        )
        for row in rows:
            # Only BIGINT counts as an integer: PostgreSQL's INTEGER cannot hold a Discord id or
            # unix milliseconds, and tests with small ids would never notice.
            kind = {"bigint": "integer", "text": "text", "double precision": "real"}.get(
                row["data_type"], f"PostgreSQL {row['data_type']}"
            )
            tables.setdefault(row["table_name"], []).append(
                (row["column_name"], kind, row["is_nullable"] == "NO")
            )
            if row["is_identity"] == "YES":
                identities.add((row["table_name"], row["column_name"]))
        indexes = {
            r[0]
            for r in await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'"
            )
        }
        triggers = {
            r[0] for r in await conn.fetch("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        }
        return {"tables": tables, "indexes": indexes, "triggers": triggers}, identities
    finally:
        await conn.close()


async def test_both_migration_sets_build_the_same_schema(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """Same tables, columns in the same order, types, NOT NULL, indexes and triggers.

    Every integer is BIGINT on PostgreSQL (a Discord id does not fit its INTEGER), and its identity
    columns are SQLite rowids (``INTEGER PRIMARY KEY``): ids the database generates on both.
    """
    await (await Database.open(tmp_path / "schema.db")).close()
    url = await postgres_server.create_database()
    try:
        await (await Database.open(url)).close()
        sqlite_schema, rowids = _sqlite_schema(tmp_path / "schema.db")
        postgresql_schema, identities = await _postgresql_schema(url)
    finally:
        await postgres_server.drop_database(url)
    assert postgresql_schema == sqlite_schema
    assert identities <= rowids
    assert ("meetings", "id") in identities
