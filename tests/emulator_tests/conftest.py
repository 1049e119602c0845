"""A tiny discord.py bot (not the project's) driven through the emulator, to test the emulator.

Each test gets a fresh emulator with one server ("Reading Group": alice, and a moderator) and a
discord.py ``Client`` that logs in, syncs a few commands and connects to the gateway exactly as a
real bot would, pointed at the emulator only through ``Route.BASE`` and ``DEFAULT_GATEWAY``. What
the bot does when a command runs is up to the test: it sets ``harness.bot.handler``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import discord
import pytest
import yarl
from discord import app_commands

from tests.emulator import MANAGE_GUILD, Emulator, Guild, Member

Handler = Callable[[discord.Interaction], Awaitable[None]]


class TinyBot(discord.Client):
    """Syncs ``/do``, ``/quote`` (with autocomplete) and ``/prompt add``; records its failures."""

    def __init__(self, *, intents: discord.Intents | None = None) -> None:
        super().__init__(
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
        )
        self.tree = app_commands.CommandTree(self)
        self.handler: Handler | None = None
        self.choices: Callable[[str], list[app_commands.Choice[str]]] = lambda current: [
            app_commands.Choice(name=f"{current} {n}", value=f"{current}-{n}") for n in range(3)
        ]
        self.errors: list[BaseException] = []
        self.seen: list[discord.Interaction] = []
        self.events: list[tuple[str, object]] = []
        self._define_commands()

    def _define_commands(self) -> None:
        bot = self

        @self.tree.command(name="do", description="Whatever the test wants")
        async def do(interaction: discord.Interaction) -> None:
            await bot.run_handler(interaction)

        async def autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return bot.choices(current)

        @self.tree.command(name="quote", description="Quote a paragraph")
        @app_commands.describe(reference="document:section:paragraph", private="only you see it")
        @app_commands.autocomplete(reference=autocomplete)
        async def quote(
            interaction: discord.Interaction, reference: str, private: bool = False
        ) -> None:
            await interaction.response.send_message(f"quoted {reference}", ephemeral=private)

        prompt = app_commands.Group(name="prompt", description="Scheduled prompts")

        @prompt.command(name="add", description="Add a prompt")
        @app_commands.describe(text="what to ask", hour="hour of the day")
        async def add(
            interaction: discord.Interaction,
            text: str,
            hour: app_commands.Range[int, 0, 23] = 9,
        ) -> None:
            await interaction.response.send_message(f"added {text!r} at {hour}:00")

        self.tree.add_command(prompt)

        @self.tree.command(name="settings", description="Moderators only")
        @app_commands.default_permissions(manage_guild=True)
        async def settings(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("settings", ephemeral=True)

    async def run_handler(self, interaction: discord.Interaction) -> None:
        self.seen.append(interaction)
        if self.handler is None:
            await interaction.response.send_message("ok")
            return
        try:
            await self.handler(interaction)
        except Exception as exc:
            self.errors.append(exc)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s before identifying again; Discord's limit is not emulated here.
        return None

    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        self.events.append(("voice", (member.name, after.channel.name if after.channel else None)))

    async def on_scheduled_event_update(
        self, before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        self.events.append(("event_update", (after.name, after.status.name)))

    async def on_message(self, message: discord.Message) -> None:
        self.events.append(("message", message.content))


@dataclass
class Harness:
    discord: Emulator
    bot: TinyBot
    guild: Guild
    alice: Member
    mod: Member

    async def bot_saw(self, kind: str) -> object:
        """Wait (up to 5 s) until the bot's own event handlers recorded an event of this kind."""

        def seen() -> bool:
            return any(event_kind == kind for event_kind, _ in self.bot.events)

        await self.discord.wait_for(seen, timeout=5, what=f"the bot to see {kind}")
        return next(value for event_kind, value in self.bot.events if event_kind == kind)


@contextlib.asynccontextmanager
async def running(bot: TinyBot, emulator: Emulator) -> AsyncIterator[TinyBot]:
    task = asyncio.create_task(bot.start(emulator.token))
    try:
        await emulator.wait_for_ready(timeout=10)
        await emulator.wait_for(bot.is_ready, timeout=10, what="on_ready")
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


@pytest.fixture
async def emulator(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Emulator]:
    async with Emulator(heartbeat_interval=5.0) as emu:
        monkeypatch.setattr(discord.http.Route, "BASE", emu.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emu.gateway_url)
        )
        yield emu


@pytest.fixture
async def harness(emulator: Emulator) -> AsyncIterator[Harness]:
    guild = emulator.create_guild("Reading Group")
    alice = guild.add_member("alice")
    mod = guild.add_member("mod", roles=[guild.role("Moderator")], permissions=MANAGE_GUILD)
    async with running(TinyBot(), emulator) as bot:
        yield Harness(emulator, bot, guild, alice, mod)
