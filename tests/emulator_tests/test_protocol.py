"""Login, command sync, the gateway handshake and authentication, as discord.py performs them."""

from __future__ import annotations

import aiohttp
import discord
import pytest
import yarl

from tests.emulator import Emulator, EmulatorError, Intent
from tests.emulator_tests.conftest import Harness, TinyBot, running


async def test_login_sync_and_ready_in_discords_order(harness: Harness) -> None:
    routes = [r.route for r in harness.discord.requests[:3]]
    assert routes == [
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        "PUT /applications/{application_id}/commands",
    ]
    assert all(r.status == 200 for r in harness.discord.requests[:3])
    names = {c.name for c in harness.discord.commands[None]}
    assert names == {"do", "quote", "prompt", "settings"}
    events = [e.type for e in harness.discord.gateway.events[:2]]
    assert events == ["READY", "GUILD_CREATE"]


async def test_the_bot_sees_the_server_as_created(harness: Harness) -> None:
    guild = harness.bot.get_guild(harness.guild.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general"}
    assert {c.name for c in guild.voice_channels} == {"Reading Room"}
    assert {r.name for r in guild.roles} >= {"@everyone", "Moderator", "Test Bot"}
    # Without the members intent Discord sends only the bot's own member, and the count.
    assert guild.member_count == 4
    assert guild.get_member(harness.alice.id) is None
    assert guild.me.guild_permissions.send_messages


async def test_resync_keeps_command_ids(harness: Harness) -> None:
    before = {c.name: c.id for c in harness.discord.commands[None]}
    await harness.bot.tree.sync()
    after = {c.name: c.id for c in harness.discord.commands[None]}
    assert after == before
    fetched = await harness.bot.tree.fetch_commands()
    assert {c.name: c.id for c in fetched} == before


async def test_heartbeats_are_acknowledged(harness: Harness) -> None:
    await harness.discord.wait_for(lambda: harness.discord.gateway.heartbeats >= 1, timeout=5)
    await harness.discord.wait_for(lambda: harness.bot.latency != float("inf"), timeout=5)
    assert harness.bot.latency < 5


async def test_rest_without_the_bot_token_is_unauthorized(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        for header in ({}, {"Authorization": "Bot wrong.token.value"}):
            async with session.get(f"{emulator.api_base}/users/@me", headers=header) as response:
                assert response.status == 401
                assert response.headers["Content-Type"] == "application/json"
                assert await response.json() == {"message": "401: Unauthorized", "code": 0}


async def test_unknown_routes_answer_discords_404_and_are_listed(emulator: Emulator) -> None:
    headers = {"Authorization": f"Bot {emulator.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emulator.api_base}/guilds/1/audit-logs", headers=headers) as response,
    ):
        assert response.status == 404
        assert (await response.json())["message"] == "404: Not Found"
    assert [r.path for r in emulator.unknown_requests()] == ["/guilds/1/audit-logs"]


async def test_a_wrong_token_fails_login(emulator: Emulator) -> None:
    bot = TinyBot()
    with pytest.raises(discord.LoginFailure):
        await bot.login("MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.ZW11bA.not-the-emulated-token-at-all")
    await bot.close()


async def test_privileged_intents_must_be_enabled_for_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with Emulator(privileged_intents=Intent.GUILD_MEMBERS) as emu:
        monkeypatch.setattr(discord.http.Route, "BASE", emu.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emu.gateway_url)
        )
        bot = TinyBot(intents=discord.Intents.default() | discord.Intents(message_content=True))
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await bot.start(emu.token)
        await bot.close()
        assert emu.gateway.connections[0].close_code == 4014


async def test_members_intent_gets_every_member_without_chunking(emulator: Emulator) -> None:
    guild = emulator.create_guild("Big Group")
    for name in ("ann", "bob", "cy"):
        guild.add_member(name)
    intents = discord.Intents.default() | discord.Intents(members=True)
    async with running(TinyBot(intents=intents), emulator) as bot:
        await emulator.wait_for(lambda: bot.is_ready(), timeout=5)
        seen = bot.get_guild(guild.id)
        assert seen is not None and seen.chunked
        assert {m.name for m in seen.members} >= {"ann", "bob", "cy", "owner"}
    sent = [c for c in emulator.gateway.connections[0].received if c.get("op") == 8]
    assert sent == []


async def test_acting_before_the_bot_connects_is_an_error(emulator: Emulator) -> None:
    guild = emulator.create_guild("Quiet")
    alice = guild.add_member("alice")
    with pytest.raises(EmulatorError):
        await alice.run("/do")


async def test_a_restarted_bot_identifies_again_and_keeps_its_commands(
    emulator: Emulator,
) -> None:
    guild = emulator.create_guild("Restarts")
    alice = guild.add_member("alice")
    async with running(TinyBot(), emulator):
        first = await alice.run("/do")
    assert emulator.gateway.connections[0].closed
    seen = emulator.gateway.identifies
    async with running(TinyBot(), emulator):
        await emulator.wait_for_ready(after=seen)
        second = await alice.run("/do")
    assert (first.content, second.content) == ("ok", "ok")
    assert emulator.gateway.identifies == 2
    assert second.interaction.id in {i.id for i in emulator.interactions.values()}
    assert len(emulator.commands[None]) == 4


async def test_a_server_created_later_reaches_the_bot_with_its_people(harness: Harness) -> None:
    second = harness.discord.create_guild("Second Group")
    alice_there = second.add_member(harness.alice.user)
    assert alice_there.user is harness.alice.user
    await harness.discord.wait_for(lambda: harness.bot.get_guild(second.id) is not None, timeout=5)
    reply = await alice_there.run("/do")
    assert reply.message.channel_id == second.default_channel.id
    with pytest.raises(EmulatorError):
        second.add_member("alice")
