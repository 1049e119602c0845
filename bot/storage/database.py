"""One storage interface over two backends: SQLite (the default) and PostgreSQL.

Storage modules see only :class:`Database` and the :class:`Connection` a transaction yields, so the
same functions run on a single-process SQLite file and on a PostgreSQL server shared by several
processes. What they may rely on, on both:

- ``async with db.transaction() as conn`` for every write: committed when the block ends, rolled
  back if it raises. ``conn.execute(sql, params)`` is awaited for a :class:`Cursor` (``rowcount``,
  ``fetchone``, ``fetchall``, ``async for``) or used as ``async with conn.execute(...) as cursor``.
- ``db.fetchone`` / ``db.fetchall`` for reads outside a transaction; never inside one (use the
  yielded connection there).
- Rows are read by column name or index, ``dict(row)`` and ``row.keys()`` work.
- SQL is written with ``?`` placeholders (``?NNN`` too) and translated for PostgreSQL in
  :mod:`bot.storage.sql`. A new row's id comes from ``RETURNING id`` (there is no ``lastrowid``);
  ``INSERT ... ON CONFLICT ... DO NOTHING | DO UPDATE`` replaces ``INSERT OR IGNORE | REPLACE``;
  ``FOR UPDATE [SKIP LOCKED]`` locks rows on PostgreSQL and is dropped on SQLite, whose write
  transactions already exclude every other writer.
- Values are stored the same way on both, so a copy is exact: Discord ids and unix seconds as
  integers (BIGINT on PostgreSQL), flags as 0/1 integers, dates and audit times as ISO-8601 text.

Migrations are numbered SQL files applied in order, each inside its own transaction with its version
row, so a failing one leaves the database exactly as it was. ``migrations/NNNN_name.sql`` is the
SQLite text; ``migrations/postgresql/NNNN_name.sql``, where present, replaces it on PostgreSQL
(identity columns, BIGINT ids, trigger functions). Both sets therefore have the same versions, and a
test checks that they build the same tables, columns, indexes and triggers.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Protocol

from bot.errors import ConfigError, MigrationError

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME: Final = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

Dialect = Literal["sqlite", "postgresql"]
DIALECTS: Final[tuple[Dialect, ...]] = ("sqlite", "postgresql")
DEFAULT_DATABASE_URL: Final = "sqlite:///data/bot.db"


class Row(Protocol):
    """A result row: ``sqlite3.Row`` on SQLite, ``asyncpg.Record`` on PostgreSQL."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


class Cursor(Protocol):
    """The outcome of one statement."""

    @property
    def rowcount(self) -> int:
        """Rows the statement changed (inserted, updated, deleted) itself, not via triggers."""
        ...

    async def fetchone(self) -> Row | None: ...

    async def fetchall(self) -> list[Row]: ...

    def __aiter__(self) -> AsyncIterator[Row]: ...

    async def close(self) -> None: ...


class PendingCursor:
    """What ``execute`` returns: await it for the cursor, or use it with ``async with``."""

    __slots__ = ("_coro", "_cursor")

    def __init__(self, coro: Awaitable[Cursor]) -> None:
        self._coro = coro
        self._cursor: Cursor | None = None

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._coro.__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self
        return self._cursor

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class Connection(ABC):
    """The connection a transaction yields; statements on it run inside that transaction."""

    dialect: Dialect

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> PendingCursor: ...

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def _read_migrations(directory: Path) -> list[Migration]:
    migrations: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_snake_case.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version number: {versions}")
    return migrations


def load_migrations(
    directory: Path = MIGRATIONS_DIR, dialect: Dialect = "sqlite"
) -> list[Migration]:
    """Read ``NNNN_name.sql`` files in version order, with ``dialect``'s overrides applied.

    An override must replace an existing version under the same name: the two sets of migrations
    can then never drift apart in numbering, only in how one step is spelt.
    """
    migrations = {m.version: m for m in _read_migrations(directory)}
    overrides = directory / dialect
    if dialect != "sqlite" and overrides.is_dir():
        for override in _read_migrations(overrides):
            base = migrations.get(override.version)
            if base is None or base.name != override.name:
                raise MigrationError(
                    f"{dialect}/{override.version:04d}_{override.name}.sql overrides no migration "
                    "of that number and name"
                )
            migrations[override.version] = override
    return [migrations[v] for v in sorted(migrations)]


def parse_database_url(target: Path | str) -> tuple[Dialect, str]:
    """``(dialect, where)``: a SQLite file path (or ``:memory:``) or a PostgreSQL DSN.

    A plain path means SQLite, as ``Database.open(path)`` always did. ``sqlite:///data/bot.db`` is
    relative to the working directory and ``sqlite:////srv/bot.db`` absolute.
    """
    text = str(target)
    if isinstance(target, Path):
        return "sqlite", text
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql", text
    if text.startswith("sqlite:///"):
        path = text[len("sqlite:///") :]
        if not path:
            raise ConfigError("DATABASE_URL sqlite:/// needs a file, e.g. sqlite:///data/bot.db.")
        return "sqlite", path
    if "://" in text or text.startswith("sqlite:"):
        raise ConfigError(
            "DATABASE_URL must be sqlite:///path/to/bot.db or postgresql://user:password@host/db."
        )
    return "sqlite", text


class Database(ABC):
    """The bot's database. Open with :meth:`open`; use :meth:`transaction` for every write."""

    dialect: Dialect

    @classmethod
    async def open(
        cls, target: Path | str, migrations: Sequence[Migration] | None = None
    ) -> Database:
        """Connect, configure and migrate.

        ``target`` is a SQLite file path, ``":memory:"`` (a private database for tests), or a
        ``sqlite:///...`` or ``postgresql://...`` URL. ``migrations`` defaults to every migration
        of the backend.
        """
        dialect, where = parse_database_url(target)
        if dialect == "postgresql":
            from bot.storage.postgresql import PostgresDatabase

            return await PostgresDatabase.connect(where, migrations)
        from bot.storage.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(where, migrations)

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def migrate(self, migrations: Iterable[Migration]) -> list[int]:
        """Apply the migrations not applied yet; return the versions applied now."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """One atomic unit of work: committed when the block ends, rolled back if it raises."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abstractmethod
    async def backup(self, target: Path | str) -> None:
        """Copy the live database consistently (SQLite only)."""

    @abstractmethod
    async def tables(self) -> list[str]:
        """The names of the database's tables, sorted (migrations' bookkeeping included)."""

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT MAX(version) AS v FROM schema_migrations")
        return int(row["v"]) if row is not None and row["v"] is not None else 0
