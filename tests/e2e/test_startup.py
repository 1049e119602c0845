"""Start-up, command sync and shutdown of the real bot process."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CORE_COMMANDS, SHARED, World

# Start-up migrates and remembers the synced command tree in the database: on both backends.
pytestmark = pytest.mark.backends("sqlite", "postgresql")


async def test_commands_synced_once_and_not_again_after_restart(world: World) -> None:
    syncs = world.discord.calls("PUT /applications/{application_id}/commands")
    assert len(syncs) == 1
    names = {command.name for command in world.discord.commands[None]}
    assert set(CORE_COMMANDS) <= names
    await world.restart_bot()
    assert len(world.discord.calls("PUT /applications/{application_id}/commands")) == 1
    assert "command tree unchanged" in world.bot.log_text()


@SHARED
async def test_token_never_logged(shared_world: World) -> None:
    assert shared_world.discord.token not in shared_world.bot.log_text()


@SHARED
async def test_every_message_disables_mentions(shared_world: World) -> None:
    await shared_world.alice.run("/quote")
    await shared_world.alice.run("/search", query="@everyone machines")
    bodies = [
        call.json
        for call in shared_world.discord.calls()
        if call.method in ("POST", "PATCH")
        and isinstance(call.json, dict)
        and ("content" in call.json or "embeds" in call.json or "data" in call.json)
    ]
    assert bodies
    for body in bodies:
        data = body.get("data", body) if isinstance(body.get("data"), dict) else body
        if "content" in data or "embeds" in data:
            assert data.get("allowed_mentions") == {"parse": []}, body


@SHARED
async def test_a_button_nothing_handles_still_gets_an_answer(shared_world: World) -> None:
    """A button left from a removed feature: the safety net answers it before Discord's 3 s."""
    reply = await shared_world.alice.run("/quote", reference="1.1")
    message = reply.message
    message.components = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 2, "label": "Old", "custom_id": "retired-feature:1"}
            ],
        }
    ]
    late = await shared_world.alice.click(message, "Old")
    assert late.ephemeral
    assert "did not work in time" in late.content
    assert "unanswered after" in shared_world.bot.log_text()
    # The apology speaks the clicker's language, like every answer.
    shared_world.alice.user.locale = "de"
    try:
        german = await shared_world.alice.click(message, "Old")
    finally:
        shared_world.alice.user.locale = "en-US"
    assert german.ephemeral and german.content.startswith("Das hat nicht rechtzeitig geklappt")
