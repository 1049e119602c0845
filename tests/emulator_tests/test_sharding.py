"""Sharded sessions as Discord runs them: IDENTIFY with ``shard: [id, count]``, each connection
given only its servers' events and interactions, and the limits that apply across processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import discord
from discord import app_commands

from tests.emulator import Emulator, Guild


class ShardedBot(discord.AutoShardedClient):
    """One "process": some shards of a count, answering ``/do`` with what it is."""

    def __init__(self, name: str, shard_count: int | None, shard_ids: list[int] | None) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            shard_count=shard_count,
            shard_ids=shard_ids,
            guild_ready_timeout=0.05,
        )
        self.name = name
        self.tree = app_commands.CommandTree(self)
        self.answered: list[int] = []

        @self.tree.command(name="do", description="Say which process answered")
        async def do(interaction: discord.Interaction) -> None:
            assert interaction.guild is not None
            self.answered.append(interaction.guild.id)
            await interaction.response.send_message(
                f"{self.name} shard {interaction.guild.shard_id}"
            )

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


@contextlib.asynccontextmanager
async def running(bot: ShardedBot, emulator: Emulator) -> AsyncIterator[ShardedBot]:
    task = asyncio.create_task(bot.start(emulator.token))
    try:
        await emulator.wait_for(bot.is_ready, timeout=10, what=f"{bot.name} to be ready")
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


def spread_guilds(emulator: Emulator, count: int) -> list[Guild]:
    """Servers whose ids fall on consecutive shards (a millisecond apart, as real ids spread)."""
    guilds = []
    for n in range(count):
        emulator.advance_time(0.001)
        guild = emulator.create_guild(f"Group {n}")
        guild.add_member("alice")
        guilds.append(guild)
    return guilds


async def test_each_process_gets_only_its_shards_servers_and_interactions(
    emulator: Emulator,
) -> None:
    guilds = spread_guilds(emulator, 8)
    on_shard = {g.id: (g.id >> 22) % 2 for g in guilds}
    assert set(on_shard.values()) == {0, 1}
    async with (
        running(ShardedBot("a", 2, [0]), emulator) as a,
        running(ShardedBot("b", 2, [1]), emulator) as b,
    ):
        await emulator.wait_for_shards([0, 1], 2)
        assert {g.id for g in a.guilds} == {g for g, s in on_shard.items() if s == 0}
        assert {g.id for g in b.guilds} == {g for g, s in on_shard.items() if s == 1}
        identifies = [
            c.received[1]["d"]["shard"] for c in emulator.gateway.connections if c.session
        ]
        assert sorted(identifies) == [[0, 2], [1, 2]]
        for guild in guilds:
            reply = await guild.member("alice").run("/do")
            expected = "a" if on_shard[guild.id] == 0 else "b"
            assert reply.content == f"{expected} shard {on_shard[guild.id]}"
        assert sorted(a.answered + b.answered) == sorted(on_shard)
        # A server created later reaches only the process owning its shard.
        late = spread_guilds(emulator, 1)[0]
        owner = a if on_shard.setdefault(late.id, (late.id >> 22) % 2) == 0 else b
        other = b if owner is a else a
        await emulator.wait_for(lambda: owner.get_guild(late.id) is not None, timeout=5)
        assert other.get_guild(late.id) is None


async def test_gateway_bot_recommends_a_count_the_client_follows(emulator: Emulator) -> None:
    spread_guilds(emulator, 3)
    emulator.gateway.max_concurrency = 16
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emulator.api_base}/gateway/bot", headers=headers) as response,
    ):
        body = await response.json()
    assert body["shards"] == 1
    assert body["session_start_limit"]["max_concurrency"] == 16
    async with running(ShardedBot("auto", None, None), emulator) as bot:
        assert bot.shard_count == 1
        assert len(bot.guilds) == 3
    for n in range(2001 - len(emulator.guilds)):
        emulator.create_guild(f"Crowd {n}")
    assert emulator.gateway.recommended_shards() == 3


async def test_identifies_faster_than_the_bucket_allows_are_counted(emulator: Emulator) -> None:
    spread_guilds(emulator, 2)
    emulator.gateway.max_concurrency = 2
    async with running(ShardedBot("fast", 2, [0, 1]), emulator):
        await emulator.wait_for_shards([0, 1], 2)
    # Shards 0 and 1 are in different buckets when max_concurrency is 2: no violation.
    assert emulator.gateway.identify_violations == []
    emulator.gateway.max_concurrency = 1
    async with running(ShardedBot("again", 2, [0, 1]), emulator):
        await emulator.wait_for_shards([0, 1], 2, after=2)
    assert emulator.gateway.identify_violations != []


async def test_a_shard_out_of_range_or_too_big_is_closed(emulator: Emulator) -> None:
    from tests.emulator import gateway

    spread_guilds(emulator, 2)
    async with aiohttp.ClientSession() as session:

        async def identify(shard: object) -> int | None:
            async with session.ws_connect(f"{emulator.gateway_url}?v=10&encoding=json") as ws:
                await ws.receive_json()
                payload = {"token": emulator.token, "intents": 1, "properties": {}}
                await ws.send_json({"op": 2, "d": {**payload, "shard": shard}})
                while (await ws.receive()).type is aiohttp.WSMsgType.TEXT:
                    pass
                return ws.close_code

        assert await identify([2, 2]) == 4010
        assert await identify(["0", 2]) == 4010
        original = gateway.GUILDS_PER_SHARD
        gateway.GUILDS_PER_SHARD = 1
        try:
            assert await identify([0, 1]) == 4011
        finally:
            gateway.GUILDS_PER_SHARD = original


async def test_bot_token_requests_per_second_are_measured(emulator: Emulator) -> None:
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with aiohttp.ClientSession() as session:

        async def me() -> int:
            async with session.get(f"{emulator.api_base}/users/@me", headers=headers) as reply:
                return reply.status

        assert set(await asyncio.gather(*(me() for _ in range(60)))) == {200}
        assert emulator.peak_global_rate >= 60 > emulator.global_rate
        # Unauthenticated calls (the gateway URL) are not the bot's token at work.
        async with session.get(f"{emulator.api_base}/gateway") as reply:
            assert reply.status == 200
