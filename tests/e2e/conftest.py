"""End-to-end fixtures: the real bot process against the local Discord emulator.

``world`` gives a running emulator with one server ("Reading Group": alice and bob as members,
mod with the Moderator role) and the bot process started against it with a fresh database. Tests
act as those people (``await world.alice.run("/quote")``) and assert on what the bot sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.botprocess import BotProcess
from tests.emulator import Emulator, Guild, Member

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
    expect_unanswered: set[int] = field(default_factory=set)
    """Interactions a test made Discord refuse every answer to: nobody could answer them."""

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


def make_world(discord: Emulator, tmp_path: Path, extra_env: dict[str, str] | None = None) -> World:
    guild = discord.create_guild("Reading Group")
    alice = guild.add_member("alice")
    bob = guild.add_member("bob")
    mod = guild.add_member("mod", roles=[guild.role("Moderator")])
    database = tmp_path / "data" / "bot.db"
    env = {**discord.env(), "DATABASE_PATH": str(database), **(extra_env or {})}
    return World(discord, guild, alice, bob, mod, BotProcess(env, tmp_path), database)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with Emulator() as discord:
        state = make_world(discord, tmp_path)
        await state.start_bot()
        try:
            yield state
        finally:
            code = await state.bot.stop()
            # Every interaction the test sent was answered, and the bot shut down cleanly.
            unanswered = [
                i for i in discord.unanswered_interactions() if i.id not in state.expect_unanswered
            ]
            assert unanswered == [], unanswered
            assert code == 0, state.bot.log_text()[-3000:]
            assert "database closed" in state.bot.log_text()
