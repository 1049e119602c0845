"""Discord misbehaving: rate limits, server errors, refusals, slowness and gateway drops.

After each fault the bot must still answer every interaction it received, post nothing twice, not
die, and answer ``/quote`` afterwards.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import World

CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


async def still_quotes(world: World) -> None:
    reply = await world.alice.run("/quote")
    assert reply.embeds and reply.response_type == 4
    assert world.bot.running


def answered_once(world: World) -> None:
    """Each interaction has exactly one accepted initial response: nothing was posted twice."""
    accepted: dict[str, int] = {}
    for call in world.discord.calls(CALLBACK):
        if call.ok:
            key = call.path.split("/")[2]
            accepted[key] = accepted.get(key, 0) + 1
    assert accepted and all(count == 1 for count in accepted.values()), accepted


@pytest.mark.parametrize("global_", [False, True])
async def test_rate_limited_answer_is_retried_after_retry_after(
    world: World, global_: bool
) -> None:
    fault = world.discord.faults.rate_limit(CALLBACK, retry_after=0.3, global_=global_)
    reply = await world.alice.run("/quote", reference="tc preface")
    assert fault.hits == 1
    assert reply.embeds
    assert world.discord.rate_limit_violations == []
    answered_once(world)
    await still_quotes(world)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(world: World, status: int) -> None:
    world.discord.faults.server_error(CALLBACK, status=status)
    reply = await world.alice.run("/quote", reference="tc preface")
    assert reply.embeds and not reply.ephemeral
    assert [call.status for call in world.discord.calls(CALLBACK)] == [status, 200]
    answered_once(world)
    await still_quotes(world)


@pytest.mark.parametrize("code", [10062, 50001])
async def test_refused_answers_are_survived(world: World, code: int) -> None:
    """Discord refusing every answer (the interaction expired, or access was lost) is not fatal."""
    fault = world.discord.faults.add(CALLBACK, code=code, times=None)
    pending = await world.alice.run("/quote", wait=False)
    world.expect_unanswered.add(pending.interaction.id)
    await world.discord.wait_for(lambda: fault.hits >= 2, timeout=10, what="the error handler")
    await world.bot.wait_for_log(f"interaction {pending.interaction.id}")
    assert fault.hits >= 2 and world.bot.running
    world.discord.faults.remove(fault)
    await still_quotes(world)


async def test_slow_discord_still_answered_in_time(world: World) -> None:
    world.discord.faults.slow(CALLBACK, 1.0, times=3)
    replies = [await world.alice.run("/quote") for _ in range(3)]
    assert all(reply.embeds for reply in replies)
    answered_once(world)


@pytest.mark.parametrize("code", [1000, 1006, 4000, 4009])
async def test_gateway_drop_then_reconnect(world: World, code: int) -> None:
    before = len(world.discord.gateway.connections)
    await world.discord.drop_gateway(code=code)
    await world.discord.wait_for(
        lambda: (
            len(world.discord.gateway.live) == 1 and len(world.discord.gateway.connections) > before
        ),
        timeout=20,
        what="the bot to reconnect",
    )
    assert world.discord.gateway.live[0].outcome in ("resumed", "identified")
    await still_quotes(world)
    answered_once(world)


async def test_events_missed_while_disconnected_are_replayed_on_resume(world: World) -> None:
    await world.discord.drop_gateway(code=4000)
    pending = await world.alice.run("/quote", reference="tc preface", wait=False)
    await world.discord.wait_for(
        lambda: pending.interaction.acknowledged, timeout=10, what="the replayed interaction"
    )
    assert world.discord.gateway.resumes >= 1
    assert pending.embeds
    answered_once(world)


@pytest.mark.parametrize("resumable", [True, False])
async def test_invalid_session(world: World, resumable: bool) -> None:
    identifies = world.discord.gateway.identifies
    await world.discord.invalidate_session(resumable=resumable)
    await world.discord.wait_for(
        lambda: (
            len(world.discord.gateway.live) == 1
            and (resumable or world.discord.gateway.identifies > identifies)
        ),
        timeout=20,
        what="a new session",
    )
    if not resumable:
        assert world.discord.gateway.identifies > identifies
    await still_quotes(world)
