"""Fixtures shared by every test: a fresh, fully migrated database per test, on each backend.

``db`` is parametrized over SQLite and PostgreSQL, so every test that uses it runs on both (ids
``[sqlite]`` and ``[postgresql]``). The PostgreSQL server starts once per session, only if a test
asks for it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from bot.storage import Database
from bot.storage.database import DIALECTS, Dialect
from tests.postgres import PostgresServer

REPO_ROOT = Path(__file__).resolve().parent.parent

# One BLAS thread per test process: the suite runs four workers on two cores, and OpenBLAS's
# extra threads only spin against the other workers (the model-row test took 4.3 CPU seconds
# instead of 1.5). Set before numpy is first imported, by a test module; a caller's value wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# No per-example deadline: the suite runs four workers on two cores beside bot processes, and a
# property checked within 200 ms on a quiet machine failed there for being slow, not wrong.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Not under pytest's temporary folder: another pytest run on the machine prunes old ones.
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="bot-tests-postgres-")))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    value: Dialect = request.param
    return value


@pytest.fixture
async def database_url(
    dialect: Dialect, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """An empty database: a SQLite file path (WAL needs a file) or a new PostgreSQL database."""
    if dialect == "sqlite":
        yield str(tmp_path / "test.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = await server.create_database()
    try:
        yield url
    finally:
        await server.drop_database(url)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The bot's database with every migration applied."""
    database = await Database.open(database_url)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(scope="module")
def pseudo_locale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The pseudo-locale's catalog, built from the real one and served as an extra language
    for the module's tests (see ``tests/pseudo.py``)."""
    from bot import i18n
    from tests.pseudo import PSEUDO, build

    directory = build(tmp_path_factory.mktemp("pseudo"))
    monkey = pytest.MonkeyPatch()
    monkey.setenv(i18n.EXTRA_ENV, str(directory))
    i18n._loaded.pop(PSEUDO, None)
    yield PSEUDO
    monkey.undo()
    i18n._loaded.pop(PSEUDO, None)
