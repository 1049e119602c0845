"""End-to-end fixtures: the real bot process against the local Discord emulator.

``world`` gives a running emulator with one server ("Reading Group": alice and bob as members,
mod with the Moderator role) and the bot process started against it with a fresh database. Tests
act as those people (``await world.alice.run("/quote")``) and assert on what the bot sent.

The database is SQLite (``world.database``, a file tests may open with ``sqlite3``) unless a test
is marked ``@pytest.mark.backends("sqlite", "postgresql")``: it then also runs against a fresh
PostgreSQL database (``DATABASE_URL``). ``world.query`` and ``world.execute`` read and write the
bot's database on either backend, with the storage layer's portable SQL.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.storage import Database
from bot.storage.database import Dialect, Row
from tests.e2e.botprocess import BotProcess
from tests.emulator import Emulator, Guild, Member
from tests.postgres import PostgresServer

CORE_COMMANDS = ("quote", "search", "settings")


@dataclass
class World:
    discord: Emulator
    guild: Guild
    alice: Member
    bob: Member
    mod: Member
    bot: BotProcess
    database: Path
    """The SQLite file (on PostgreSQL: unused; see ``database_url``)."""
    expect_unanswered: set[int] = field(default_factory=set)
    """Interactions a test made Discord refuse every answer to: nobody could answer them."""
    dialect: Dialect = "sqlite"
    database_url: str = ""
    """What the bot opens: the SQLite file or a PostgreSQL URL."""

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Read the bot's database (either backend) while the bot may be running."""
        db = await Database.open(self.database_url or self.database, migrations=[])
        try:
            return await db.fetchall(sql, params)
        finally:
            await db.close()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Write to the bot's database in one transaction; returns the rows changed."""
        db = await Database.open(self.database_url or self.database, migrations=[])
        try:
            async with db.transaction() as conn:
                return (await conn.execute(sql, params)).rowcount
        finally:
            await db.close()

    async def start_bot(self) -> None:
        """Start (or restart) the bot and wait until it is connected with its commands."""
        identifies = self.discord.gateway.identifies
        await self.bot.start()
        await self.discord.wait_for_commands(*CORE_COMMANDS, timeout=30)
        # Identified means READY and GUILD_CREATE were sent on this connection, in that order, so
        # the bot knows the server before any interaction can reach it.
        await self.discord.wait_for_ready(timeout=30, after=identifies)

    async def restart_bot(self) -> None:
        await self.bot.stop()
        await self.start_bot()


def make_world(
    discord: Emulator,
    tmp_path: Path,
    extra_env: dict[str, str] | None = None,
    *,
    database_url: str = "",
) -> World:
    """The server, its people and the bot process (not started), on SQLite or ``database_url``."""
    guild = discord.create_guild("Reading Group")
    alice = guild.add_member("alice")
    bob = guild.add_member("bob")
    mod = guild.add_member("mod", roles=[guild.role("Moderator")])
    database = tmp_path / "data" / "bot.db"
    where = {"DATABASE_URL": database_url} if database_url else {"DATABASE_PATH": str(database)}
    env = {**discord.env(), **where, **(extra_env or {})}
    world = World(discord, guild, alice, bob, mod, BotProcess(env, tmp_path), database)
    if database_url:
        world.dialect = "postgresql"
        world.database_url = database_url
    return world


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends(*names): run this world test on these databases (default: sqlite)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is None:
        return
    if "world" in metafunc.fixturenames:
        metafunc.parametrize("backend", marker.args, indirect=True)
    if "shared_world" in metafunc.fixturenames:
        metafunc.parametrize("shared_backend", marker.args, indirect=True, scope="module")


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Dialect:
    value: Dialect = getattr(request, "param", "sqlite")
    return value


@pytest.fixture(scope="module")
def shared_backend(request: pytest.FixtureRequest) -> Dialect:
    value: Dialect = getattr(request, "param", "sqlite")
    return value


@contextlib.asynccontextmanager
async def running_world(
    tmp_path: Path, backend: Dialect, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    """A world with its bot started; on leaving, every interaction was answered and the bot
    shut down cleanly."""
    server: PostgresServer | None = None
    url = ""
    if backend == "postgresql":
        server = request.getfixturevalue("postgres_server")
        url = await server.create_database()
    async with Emulator() as discord:
        state = make_world(discord, tmp_path, database_url=url)
        try:
            await state.start_bot()
        except BaseException:
            await state.bot.stop()
            if server is not None:
                await server.drop_database(url)
            raise
        try:
            yield state
        finally:
            code = await state.bot.stop()
            if server is not None:
                await server.drop_database(url)
            # Every interaction the test sent was answered, and the bot shut down cleanly.
            unanswered = [
                i for i in discord.unanswered_interactions() if i.id not in state.expect_unanswered
            ]
            assert unanswered == [], unanswered
            assert code == 0, state.bot.log_text()[-3000:]
            assert "database closed" in state.bot.log_text()


@pytest.fixture
async def world(
    tmp_path: Path, backend: Dialect, request: pytest.FixtureRequest
) -> AsyncIterator[World]:
    async with running_world(tmp_path, backend, request) as state:
        yield state


SHARED = pytest.mark.asyncio(loop_scope="module")
"""The mark of a test using ``shared_world``: it runs on the module's loop, where the world is."""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_world(
    tmp_path_factory: pytest.TempPathFactory,
    shared_backend: Dialect,
    request: pytest.FixtureRequest,
) -> AsyncIterator[World]:
    """One world for a module's tests that only read: they leave the database, the server and
    its people as they found them (no restart, no setting changed, no table dropped), so
    they need not start a bot each (the bot's start is most of such a test's cost). Tests
    using it are marked ``SHARED``; a test that changes anything takes ``world``."""
    async with running_world(tmp_path_factory.mktemp("shared"), shared_backend, request) as state:
        yield state
