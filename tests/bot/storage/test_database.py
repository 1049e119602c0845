from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.errors import MigrationError
from bot.storage import Database, Migration, load_migrations


async def test_pragmas_and_all_migrations_applied(db: Database) -> None:
    mode = await db.fetchone("PRAGMA journal_mode")
    fk = await db.fetchone("PRAGMA foreign_keys")
    assert mode is not None and mode[0] == "wal"
    assert fk is not None and fk[0] == 1
    assert await db.schema_version() == load_migrations()[-1].version


def test_migrations_are_numbered_uniquely_in_order() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == sorted(set(versions))
    assert versions[0] == 1


async def test_reopening_applies_nothing_new(tmp_path: Path) -> None:
    first = await Database.open(tmp_path / "a.db")
    await first.close()
    second = await Database.open(tmp_path / "a.db")
    try:
        assert await second.migrate(load_migrations()) == []
    finally:
        await second.close()


async def test_failing_migration_leaves_database_as_it_was(tmp_path: Path) -> None:
    good = Migration(1, "good", "CREATE TABLE t (x INTEGER);")
    bad = Migration(2, "bad", "CREATE TABLE u (y INTEGER); INSERT INTO nowhere VALUES (1);")
    database = await Database.open(tmp_path / "m.db", migrations=[good])
    try:
        with pytest.raises(MigrationError, match="0002_bad"):
            await database.migrate([good, bad])
        assert await database.schema_version() == 1
        tables = await database.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert "u" not in {row["name"] for row in tables}
    finally:
        await database.close()


async def test_migration_error_on_open_closes_and_reports(tmp_path: Path) -> None:
    bad = Migration(1, "broken", "CREATE TABLE (;")
    with pytest.raises(MigrationError, match="rolled back"):
        await Database.open(tmp_path / "x.db", migrations=[bad])


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
            raise RuntimeError("boom")
    assert await db.fetchone("SELECT * FROM meta WHERE key = 'k'") is None


async def test_committed_write_is_visible_to_another_connection(
    db: Database, tmp_path: Path
) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    other = sqlite3.connect(tmp_path / "test.db")
    try:
        assert other.execute("SELECT value FROM meta WHERE key = 'k'").fetchone() == ("v",)
    finally:
        other.close()


async def test_backup_is_a_consistent_copy(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    await db.backup(tmp_path / "copy.db")
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("SELECT value FROM meta WHERE key = 'k'").fetchone() == ("v",)
    finally:
        copy.close()
