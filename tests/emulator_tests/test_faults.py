"""Every fault the emulator can inject, observed through what discord.py does about it."""

from __future__ import annotations

import asyncio
import time

import discord
import pytest

from tests.emulator_tests.conftest import Harness

SEND = "POST /channels/{channel_id}/messages"


def general(harness: Harness) -> discord.TextChannel:
    channel = harness.bot.get_channel(harness.guild.default_channel.id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_a_route_rate_limit_is_waited_out_by_the_client(harness: Harness) -> None:
    fault = harness.discord.faults.rate_limit(SEND, retry_after=0.3)
    started = time.monotonic()
    sent = await general(harness).send("after the limit")
    assert time.monotonic() - started >= 0.3
    first, second = harness.discord.calls(SEND)
    assert first.status == 429 and second.status == 200
    assert first.response == {
        "message": "You are being rate limited.",
        "code": 0,
        "retry_after": 0.3,
        "global": False,
    }
    assert second.time - first.time >= 0.3
    assert fault.hits == 1 and harness.discord.rate_limit_violations == []
    assert sent.content == "after the limit"


async def test_rate_limit_answers_carry_discords_headers(harness: Harness) -> None:
    import aiohttp

    harness.discord.faults.rate_limit("GET /users/@me", retry_after=1.5, global_=True)
    headers = {"Authorization": f"Bot {harness.discord.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{harness.discord.api_base}/users/@me", headers=headers) as response,
    ):
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
        assert response.headers["X-RateLimit-Global"] == "true"
        assert response.headers["X-RateLimit-Scope"] == "global"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert float(response.headers["X-RateLimit-Reset-After"]) == 1.5
        assert response.headers["Via"]
        assert (await response.json())["global"] is True


async def test_a_global_rate_limit_holds_every_route_and_counts_early_retries(
    harness: Harness,
) -> None:
    harness.discord.faults.rate_limit(SEND, retry_after=0.3, global_=True)
    sent, user = await asyncio.gather(
        general(harness).send("held"), harness.bot.fetch_user(harness.alice.id)
    )
    assert sent.content == "held" and user.id == harness.alice.id
    assert harness.discord.rate_limit_violations == []


async def test_retrying_before_retry_after_is_refused_and_recorded(harness: Harness) -> None:
    import aiohttp

    harness.discord.faults.rate_limit("GET /users/{user_id}", retry_after=5)
    url = f"{harness.discord.api_base}/users/{harness.alice.id}"
    headers = {"Authorization": f"Bot {harness.discord.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for _ in range(2):
            async with session.get(url) as response:
                assert response.status == 429
    [early] = harness.discord.rate_limit_violations
    assert early.path == f"/users/{harness.alice.id}"
    harness.bot.http.max_ratelimit_timeout = 1.0
    with pytest.raises(discord.RateLimited):
        await harness.bot.fetch_user(harness.alice.id)


@pytest.mark.parametrize("status", [500, 502])
async def test_server_errors_are_retried_by_the_client(harness: Harness, status: int) -> None:
    harness.discord.faults.server_error(SEND, status=status)
    sent = await general(harness).send("eventually")
    assert [r.status for r in harness.discord.calls(SEND)] == [status, 200]
    assert sent.content == "eventually"


async def test_a_503_reaches_the_bot_as_a_server_error(harness: Harness) -> None:
    harness.discord.faults.server_error(SEND, status=503)
    with pytest.raises(discord.DiscordServerError) as failure:
        await general(harness).send("not now")
    assert failure.value.status == 503


@pytest.mark.parametrize(
    ("inject", "exception", "code"),
    [
        ("missing_access", discord.Forbidden, 50001),
        ("unknown_channel", discord.NotFound, 10003),
        ("unknown_message", discord.NotFound, 10008),
    ],
)
async def test_json_error_codes_reach_the_bot(
    harness: Harness, inject: str, exception: type[discord.HTTPException], code: int
) -> None:
    getattr(harness.discord.faults, inject)(SEND)
    with pytest.raises(exception) as failure:
        await general(harness).send("refused")
    assert failure.value.code == code
    assert harness.discord.last_call(SEND).error_code == code
    assert harness.guild.default_channel.visible_messages() == []


async def test_slow_responses_take_their_time(harness: Harness) -> None:
    harness.discord.faults.slow(SEND, 0.3)
    started = time.monotonic()
    await general(harness).send("slowly")
    assert time.monotonic() - started >= 0.3


async def test_a_fault_can_pick_requests_by_content(harness: Harness) -> None:
    harness.discord.faults.add(
        SEND, code=50013, times=None, when=lambda r: "secret" in (r.json or {}).get("content", "")
    )
    channel = general(harness)
    await channel.send("public")
    with pytest.raises(discord.Forbidden):
        await channel.send("secret plans")
    assert [m.content for m in harness.guild.default_channel.visible_messages()] == ["public"]


@pytest.mark.parametrize("code", [4000, 1000, 1006])
async def test_a_dropped_gateway_is_resumed_and_missed_events_replayed(
    harness: Harness, code: int
) -> None:
    emu = harness.discord
    await emu.drop_gateway(code)
    # This event happens while the bot is disconnected: RESUME must replay it.
    await harness.alice.join_voice(harness.guild.channel("Reading Room"))
    assert await emu.wait_for_session() == "resumed"
    assert await harness.bot_saw("voice") == ("alice", "Reading Room")
    assert emu.gateway.connections[-1].replayed >= 1
    assert emu.gateway.identifies == 1 and emu.gateway.resumes == 1
    reply = await harness.alice.run("/do")
    assert reply.content == "ok"


async def test_a_timed_out_session_cannot_resume(harness: Harness) -> None:
    await harness.discord.drop_gateway(4009)
    assert await harness.discord.wait_for_session() == "identified"
    assert harness.discord.gateway.identifies == 2
    assert (await harness.alice.run("/do")).content == "ok"


@pytest.mark.parametrize(("resumable", "outcome"), [(True, "resumed"), (False, "identified")])
async def test_invalid_session_with_and_without_resume(
    harness: Harness, resumable: bool, outcome: str
) -> None:
    await harness.discord.invalidate_session(resumable=resumable)
    assert await harness.discord.wait_for_session() == outcome
    assert (await harness.alice.run("/do")).content == "ok"


async def test_reconnect_requested_by_discord_is_resumed(harness: Harness) -> None:
    await harness.discord.request_reconnect()
    assert await harness.discord.wait_for_session() == "resumed"
    assert harness.discord.gateway.connections[0].closed
