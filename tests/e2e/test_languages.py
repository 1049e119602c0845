"""The bot in the reader's language, through the emulator and the real bot process: a German
client sees German command names and gets German answers; the server's language (here set by a
moderator to Russian) is what a prompt posts in, whoever triggered it; English stays for others.
One world for all of it: starting a bot is the expensive part."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import World
from tests.emulator.interactions import run_command

pytestmark = pytest.mark.backends("sqlite")


async def _as(world: World, member: Any, text: str, locale: str, **options: Any) -> Any:
    return await run_command(
        world.discord, member, text, options, channel=None, timeout=10.0, wait=True, locale=locale
    )


async def test_a_german_client_and_a_russian_server(world: World) -> None:
    discord, alice, bob, mod = world.discord, world.alice, world.bob, world.mod
    general = world.guild.channel("general")

    # The synced tree carries every language: /zitat for German clients, /quote keeps working.
    [quote] = [c for c in discord.commands[None] if c.name == "quote"]
    assert quote.definition["name_localizations"]["de"] == "zitat"
    assert quote.definition["description_localizations"]["de"].startswith("Zeige eine Stelle")
    assert quote.definition["name_localizations"]["ru"] == "цитата"
    assert quote.definition["name_localizations"]["es-ES"] == "cita"
    options = {o["name"]: o for o in quote.definition["options"]}
    assert options["reference"]["name_localizations"]["de"] == "referenz"

    # A German member gets German buttons, and a German error, ephemeral.
    reply = await alice.run("/quote", reference="anti-ai immediate 1", locale="de")
    assert reply.message.button_labels == [
        "Zurück",
        "Weiter",
        "Als gelesen markieren",
        "Mehr wie das",
    ]
    wrong = await alice.run("/quote", reference="zzqx 99", locale="de")
    assert wrong.ephemeral and wrong.text.startswith("Keine Stelle passt zu „zzqx 99“")
    # The same command from an English client stays English.
    english = await bob.run("/quote", reference="zzqx 99")
    assert english.text.startswith("No passage matches “zzqx 99”")

    # The language is the interaction's, not the member's: her click comes from an English
    # client (the emulator's clicks are en-US) and is answered in English.
    read = await alice.click(reply, "Als gelesen markieren")
    assert read.ephemeral and read.text.endswith("Your streak: **1 day**.")

    # The moderator (an English client) sets the server's language to Russian; the prompt they
    # run posts in Russian, while their own answers stay English.
    said = await _as(world, mod, "/settings language", "en-US", language="ru")
    assert (
        said.ephemeral and said.text == "Собственные посты бота на этом сервере теперь на русском."
    )
    added = await _as(
        world,
        mod,
        "/prompt add",
        "en-US",
        channel=general,
        content="question",
        repeat="daily",
        time="18:00",
        question="Why read together?",
    )
    assert added.ephemeral and "Every day at 18:00 (UTC)" in added.text
    [row] = await world.query("SELECT id FROM prompt_schedules")
    now = await _as(world, mod, "/prompt run-now", "en-US", prompt=row["id"])
    assert "timetable is unchanged" in now.text
    post = await discord.wait_for_message(general, contains="Why read together?", timeout=10)
    assert post.content == "**Вопрос для обсуждения**\nWhy read together?"
