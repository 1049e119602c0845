"""The storage interface, on both backends (``db`` and ``database_url`` are parametrized)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.errors import BotError, ConfigError, MigrationError
from bot.storage import Database, Migration, load_migrations
from bot.storage.database import MIGRATIONS_DIR, parse_database_url
from tests.postgres import PostgresServer


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.db")
    try:
        yield database
    finally:
        await database.close()


async def test_sqlite_pragmas_and_all_migrations_applied(sqlite_db: Database) -> None:
    mode = await sqlite_db.fetchone("PRAGMA journal_mode")
    fk = await sqlite_db.fetchone("PRAGMA foreign_keys")
    assert mode is not None and mode[0] == "wal"
    assert fk is not None and fk[0] == 1
    assert await sqlite_db.schema_version() == load_migrations()[-1].version


async def test_every_migration_applied(db: Database) -> None:
    assert await db.schema_version() == load_migrations(dialect=db.dialect)[-1].version
    assert {"meta", "guild_settings", "schema_migrations"} <= set(await db.tables())


def test_migrations_are_numbered_uniquely_in_order() -> None:
    for dialect in ("sqlite", "postgresql"):
        versions = [m.version for m in load_migrations(dialect=dialect)]  # type: ignore[arg-type]
        assert versions == sorted(set(versions))
        assert versions[0] == 1


def test_both_backends_have_the_same_versions_and_names() -> None:
    sqlite = [(m.version, m.name) for m in load_migrations(dialect="sqlite")]
    postgresql = [(m.version, m.name) for m in load_migrations(dialect="postgresql")]
    assert sqlite == postgresql
    overrides = sorted(p.name for p in (MIGRATIONS_DIR / "postgresql").glob("*.sql"))
    assert overrides, "PostgreSQL needs its own spelling of the tables with ids"
    assert set(overrides) <= {p.name for p in MIGRATIONS_DIR.glob("*.sql")}


def test_an_override_without_its_base_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "postgresql").mkdir()
    (tmp_path / "0001_meta.sql").write_text("CREATE TABLE meta (key TEXT);")
    (tmp_path / "postgresql" / "0001_meta.sql").write_text("CREATE TABLE meta (key TEXT);")
    assert [m.sql for m in load_migrations(tmp_path, "postgresql")] == [
        "CREATE TABLE meta (key TEXT);"
    ]
    (tmp_path / "postgresql" / "0002_other.sql").write_text("CREATE TABLE other (x TEXT);")
    with pytest.raises(MigrationError, match="0002_other"):
        load_migrations(tmp_path, "postgresql")
    # The SQLite set ignores the folder of overrides.
    assert len(load_migrations(tmp_path, "sqlite")) == 1


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("sqlite:///data/bot.db", ("sqlite", "data/bot.db")),
        ("sqlite:////srv/bot/bot.db", ("sqlite", "/srv/bot/bot.db")),
        ("sqlite:///:memory:", ("sqlite", ":memory:")),
        ("data/bot.db", ("sqlite", "data/bot.db")),
        (Path("x.db"), ("sqlite", "x.db")),
        ("postgresql://bot:pw@db/bot", ("postgresql", "postgresql://bot:pw@db/bot")),
        ("postgres://bot@db/bot", ("postgresql", "postgres://bot@db/bot")),
    ],
)
def test_database_urls(target: str | Path, expected: tuple[str, str]) -> None:
    assert parse_database_url(target) == expected


@pytest.mark.parametrize("target", ["mysql://x/y", "sqlite:///", "sqlite:relative.db"])
def test_unknown_database_urls_are_refused(target: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        parse_database_url(target)


async def test_reopening_applies_nothing_new(database_url: str) -> None:
    first = await Database.open(database_url)
    await first.close()
    second = await Database.open(database_url)
    try:
        assert await second.migrate(load_migrations(dialect=second.dialect)) == []
    finally:
        await second.close()


async def test_failing_migration_leaves_database_as_it_was(database_url: str) -> None:
    good = Migration(1, "good", "CREATE TABLE t (x INTEGER);")
    bad = Migration(2, "bad", "CREATE TABLE u (y INTEGER); INSERT INTO nowhere VALUES (1);")
    database = await Database.open(database_url, migrations=[good])
    try:
        with pytest.raises(MigrationError, match="0002_bad"):
            await database.migrate([good, bad])
        assert await database.schema_version() == 1
        tables = await database.tables()
        assert "t" in tables and "u" not in tables
    finally:
        await database.close()


async def test_migration_error_on_open_closes_and_reports(database_url: str) -> None:
    bad = Migration(1, "broken", "CREATE TABLE (;")
    with pytest.raises(MigrationError, match="rolled back"):
        await Database.open(database_url, migrations=[bad])


async def test_processes_starting_together_apply_each_migration_once(
    postgres_server: PostgresServer,
) -> None:
    """Several processes (here pools) opening a new PostgreSQL database at once: no error, and
    each migration applied once. (A SQLite file belongs to one process.)"""
    url = await postgres_server.create_database()
    opened = await asyncio.gather(*(Database.open(url) for _ in range(3)))
    try:
        rows = await opened[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")
        assert [r[0] for r in rows] == [m.version for m in load_migrations(dialect="postgresql")]
    finally:
        for database in opened:
            await database.close()
        await postgres_server.drop_database(url)


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
            raise RuntimeError("boom")
    assert await db.fetchone("SELECT * FROM meta WHERE key = 'k'") is None


async def test_committed_write_is_visible_to_another_connection(
    db: Database, database_url: str
) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    other = await Database.open(database_url, migrations=[])
    try:
        row = await other.fetchone("SELECT value FROM meta WHERE key = ?", ("k",))
        assert row is not None and tuple(row) == ("v",)
    finally:
        await other.close()


async def test_cursor_interface_is_the_same(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)", [(f"k{i}", str(i)) for i in range(5)]
        )
        updated = await conn.execute("UPDATE meta SET value = value || '!' WHERE key > ?", ("k2",))
        assert updated.rowcount == 2
        ignored = await conn.execute(
            "INSERT INTO meta (key, value) VALUES ('k0', 'x') ON CONFLICT (key) DO NOTHING"
        )
        assert ignored.rowcount == 0
        async with conn.execute("SELECT key, value FROM meta ORDER BY key") as cursor:
            first = await cursor.fetchone()
            assert first is not None and first["key"] == "k0" and first[1] == "0"
            rest = [row["key"] async for row in cursor]
        assert rest == ["k1", "k2", "k3", "k4"]
        cursor = await conn.execute("SELECT * FROM meta WHERE key = ?", ("k4",))
        rows = await cursor.fetchall()
        assert [dict(row) for row in rows] == [{"key": "k4", "value": "4!"}]
        assert list(rows[0].keys()) == ["key", "value"]
        deleted = await conn.execute("DELETE FROM meta WHERE key IN (?, ?)", ("k0", "k1"))
        assert deleted.rowcount == 2
    assert await db.fetchall("SELECT key FROM meta WHERE key = 'k0'") == []


async def test_placeholders_inside_literals_and_numbered_ones(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, 'what? -- not a comment ''?''')", ("q",)
        )
    row = await db.fetchone(
        "SELECT value, ?2 || ?1 AS joined, ? AS third FROM meta WHERE key = ?1",
        ("q", "x:", "3rd"),
    )
    assert row is not None
    assert row["value"] == "what? -- not a comment '?'"
    assert row["joined"] == "x:q"
    assert row["third"] == "3rd"


async def test_new_ids_come_from_returning(db: Database) -> None:
    async with db.transaction() as conn:
        ids = []
        for title in ("a", "b"):
            cursor = await conn.execute(
                "INSERT INTO meetings (guild_id, title, started_at) VALUES (?, ?, ?) RETURNING id",
                (1, title, 0),
            )
            row = await cursor.fetchone()
            assert row is not None
            ids.append(row["id"])
    assert ids[1] == ids[0] + 1
    assert ids[0] >= 1


async def test_values_read_back_alike(db: Database) -> None:
    """Snowflakes beyond 32 bits, sums, flags and text come back as the same Python values."""
    snowflake = 1_234_567_890_123_456_789
    async with db.transaction() as conn:
        for at in (2**40, 2**40 + 5):
            await conn.execute(
                "INSERT INTO meetings (guild_id, title, started_at, ended_at) VALUES (?, ?, ?, ?)",
                (snowflake, "t", at, at + 10),
            )
        await conn.execute(
            "INSERT INTO member_settings (user_id, private, updated_at) VALUES (?, ?, ?)",
            (snowflake, True, "2024-01-01T00:00:00+00:00"),
        )
    row = await db.fetchone(
        "SELECT SUM(ended_at - started_at) AS total, COUNT(*) AS n, MAX(guild_id) AS g, "
        "CAST(SUM(started_at) AS DOUBLE PRECISION) / 2 AS mean FROM meetings"
    )
    assert row is not None
    values: dict[str, Any] = dict(row)
    assert values == {"total": 20, "n": 2, "g": snowflake, "mean": float(2**40) + 2.5}
    assert [type(v) for v in values.values()] == [int, int, int, float]
    flag = await db.fetchone("SELECT private FROM member_settings WHERE user_id = ?", (snowflake,))
    assert flag is not None and flag[0] == 1


async def test_for_update_locks_on_postgresql_and_is_accepted_by_sqlite(
    db: Database,
) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('n', '0')")

    async def bump() -> None:
        async with db.transaction() as conn:
            cursor = await conn.execute("SELECT value FROM meta WHERE key = 'n' FOR UPDATE")
            row = await cursor.fetchone()
            assert row is not None
            await asyncio.sleep(0.01)  # without the lock, the other bump would read the same value
            await conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'n'", (str(int(row["value"]) + 1),)
            )

    await asyncio.gather(*(bump() for _ in range(5)))
    row = await db.fetchone("SELECT value FROM meta WHERE key = 'n'")
    assert row is not None and row[0] == "5"
    async with db.transaction() as conn:
        skipped = await conn.execute("SELECT key FROM meta WHERE key = 'n' FOR UPDATE SKIP LOCKED")
        assert [r[0] for r in await skipped.fetchall()] == ["n"]


async def test_sqlite_backup_is_a_consistent_copy(sqlite_db: Database, tmp_path: Path) -> None:
    async with sqlite_db.transaction() as conn:
        await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
    await sqlite_db.backup(tmp_path / "copy.db")
    copy = sqlite3.connect(tmp_path / "copy.db")
    try:
        assert copy.execute("SELECT value FROM meta WHERE key = 'k'").fetchone() == ("v",)
    finally:
        copy.close()


async def test_postgresql_backup_points_to_pg_dump(postgres_server: PostgresServer) -> None:
    url = await postgres_server.create_database()
    database = await Database.open(url)
    try:
        with pytest.raises(BotError, match="pg_dump"):
            await database.backup("copy.db")
    finally:
        await database.close()
        await postgres_server.drop_database(url)


async def test_unreachable_postgresql_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BotError, match="cannot connect to PostgreSQL") as caught:
        await Database.open(f"postgresql://bot:secret@/bot?host={tmp_path}&port=1")
    assert "secret" not in caught.value.message
