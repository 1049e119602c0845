"""The bot in the reader's language, through the emulator and the real bot process.

A German client sees German command names and gets German answers, to its commands and to its
clicks on anyone's buttons, while English clients stay English; a prompt posts in the server's
Discord language until a moderator picks another; a reminder DM speaks the member's own
language; and under the pseudo-locale (every letter accented, 40% longer) the main commands leave
nothing in plain English and break none of Discord's limits. One bot for all of it: starting one
is the expensive part.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import i18n
from bot.library import load_library
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import World, make_world
from tests.emulator import Emulator
from tests.emulator.interactions import InteractionResult, run_command
from tests.emulator.models import Message
from tests.pseudo import PSEUDO, build, english_words


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """The usual world, its bot also given the pseudo-locale's catalog (served to ``fi``)."""
    catalogs = build(tmp_path / "pseudo")
    async with Emulator() as discord:
        state = make_world(discord, tmp_path, {i18n.EXTRA_ENV: str(catalogs)})
        try:
            await state.start_bot()
            yield state
        finally:
            code = await state.bot.stop()
            assert discord.unanswered_interactions() == []
            assert code == 0, state.bot.log_text()[-3000:]


async def test_every_surface_in_the_readers_language(world: World) -> None:
    """One bot process for every language check (each helper asserts what its surface says),
    which also must not have logged an error in any language."""
    await _german_client(world)
    await _server_language(world)
    await _pseudo_locale(world)
    await _reminder_in_the_members_language(world)  # last: it restarts the bot
    errors = [line for line in world.bot.log_text().splitlines() if " ERROR " in line]
    assert errors == [], errors


async def _german_client(world: World) -> None:
    discord, alice, bob = world.discord, world.alice, world.bob

    # The synced tree carries every language: /zitat for German clients, /quote keeps working.
    [quote] = [c for c in discord.commands[None] if c.name == "quote"]
    assert quote.definition["name_localizations"]["de"] == "zitat"
    assert quote.definition["description_localizations"]["de"].startswith("Zeige eine Stelle")
    assert quote.definition["name_localizations"]["ru"] == "цитата"
    assert quote.definition["name_localizations"]["es-ES"] == "cita"
    options = {o["name"]: o for o in quote.definition["options"]}
    assert options["reference"]["name_localizations"]["de"] == "referenz"

    # Alice's Discord client is German: her commands, and her clicks, carry "de".
    alice.user.locale = "de"
    reply = await alice.run("/quote", reference="anti-ai immediate 1")
    assert reply.message.button_labels == [
        "Zurück",
        "Weiter",
        "Als gelesen markieren",
        "Mehr wie das",
    ]
    wrong = await alice.run("/quote", reference="zzqx 99")
    assert wrong.ephemeral and wrong.text.startswith("Keine Stelle passt zu „zzqx 99“")
    # The same command from an English client stays English.
    english = await bob.run("/quote", reference="zzqx 99")
    assert english.text.startswith("No passage matches “zzqx 99”")

    # Paging by a German click answers in German: the next passage keeps German buttons.
    paged = await alice.click(reply, "Weiter")
    assert paged.message.button_labels[:2] == ["Zurück", "Weiter"]
    assert "Als gelesen markieren" in paged.message.button_labels
    read = await alice.click(reply, "Als gelesen markieren")
    assert read.ephemeral and read.text.endswith("Dein Streak: **1 Tag**."), read.text
    # "More like this" answers whoever clicks, in their language: German for Alice...
    similar = await alice.click(reply, "Mehr wie das")
    assert similar.ephemeral and similar.embed["title"].startswith("Mehr wie "), similar.embed
    # ...English for Bob clicking the same German-labelled button from an English client.
    theirs = await bob.click(reply, "Mehr wie das")
    assert theirs.ephemeral and theirs.embed["title"].startswith("More like "), theirs.embed


async def _run_prompt_now(world: World, prompt_id: int) -> None:
    for _attempt in range(20):  # a prompt run a moment ago asks to wait a second
        now = await world.mod.run("/prompt run-now", prompt=prompt_id)
        if "was just run" not in now.text:
            break
        await asyncio.sleep(0.25)
    assert "timetable is unchanged" in now.text


async def _server_language(world: World) -> None:
    discord, mod = world.discord, world.mod
    general = world.guild.channel("general")

    # No /settings language yet: posts follow the server's Discord language, which the server's
    # owner sets to German (Discord tells the bot with GUILD_UPDATE).
    world.guild.set_preferred_locale("de")
    options = {
        "channel": general,
        "content": "question",
        "repeat": "daily",
        "time": "18:00",
        "question": "Why read together?",
    }
    added = await run_command(
        discord, mod, "/prompt add", options, channel=None, timeout=10.0, wait=True, locale=None
    )
    assert added.ephemeral and "Every day at 18:00 (UTC)" in added.text  # mod's client: English
    [row] = await world.query("SELECT id FROM prompt_schedules")
    await _run_prompt_now(world, row["id"])
    post = await discord.wait_for_message(general, contains="Why read together?", timeout=10)
    assert post.content == "**Diskussionsfrage**\nWhy read together?"

    # A moderator's choice wins over Discord's: Russian, while their own answers stay English.
    said = await mod.run("/settings language", language="ru")
    assert (
        said.ephemeral and said.text == "Собственные посты бота на этом сервере теперь на русском."
    )
    await _run_prompt_now(world, row["id"])
    russian = await discord.wait_for_message(general, contains="Вопрос для обсуждения", timeout=10)
    assert russian.content == "**Вопрос для обсуждения**\nWhy read together?"


# --- the pseudo-locale --------------------------------------------------------------------------

EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_LIMITS = {"name": 256, "value": 1024}


def _shown(message: Message, *, passage: bool) -> Iterator[str]:
    """Every text of a message a reader sees, checked against Discord's limits on the way.

    ``passage``: the embed's description, its fields' values and its author are the texts
    themselves (passages, notes, the text's title and author: English editions), so they are
    measured but not read for English, save the mark that opens a snippet ("found by meaning").
    """
    yield message.content
    for embed in message.embeds:
        for key, limit in EMBED_LIMITS.items():
            assert len(embed.get(key) or "") <= limit, (key, embed)
        yield embed.get("title") or ""
        if not passage:
            yield embed.get("description") or ""
        for field in embed.get("fields") or []:
            for key, limit in FIELD_LIMITS.items():
                assert len(field.get(key) or "") <= limit, (key, field)
            yield field["name"]
            if not passage:
                yield field["value"]
            elif field["value"].startswith("*") and "* · " in field["value"]:
                yield field["value"].split("* · ", 1)[0]  # the bot's mark opening a snippet
        footer = (embed.get("footer") or {}).get("text") or ""
        assert len(footer) <= 2048
        yield footer
        if not passage:
            yield (embed.get("author") or {}).get("name") or ""
    for component in message.all_components():
        if component.get("type") == 2:
            assert 1 <= len(component.get("label") or "x") <= 80, component
            yield component.get("label") or ""
        if component.get("type") == 3:
            assert len(component.get("placeholder") or "") <= 150, component
            yield component.get("placeholder") or ""
            for option in component.get("options") or []:
                assert len(option["label"]) <= 100 and len(option.get("description") or "") <= 100
                yield option["label"]
                yield option.get("description") or ""


_REF = re.compile(r"[\w-]+(?::[\w-]+)+")
"""A passage's reference (``anti-ai:immediate-demands:2``): the same in every language."""


def _english_left(results: dict[str, InteractionResult], names: list[str]) -> dict[str, Any]:
    """What each answer left in English, once the names the texts and the group gave (``names``:
    titles of texts and sections, a meeting's title) and references are taken out."""
    left: dict[str, Any] = {}
    for name, result in results.items():
        messages = [result.message, *result.followups]
        passage = name.startswith(("/quote", "/search"))
        texts = [t for m in messages for t in _shown(m, passage=passage)]
        cleaned = []
        for text in texts:
            for value in names:
                text = text.replace(value, " ")
            cleaned.append(_REF.sub(" ", text))
        words = [w for t in cleaned for w in english_words(t)]
        if words:
            left[name] = (words, texts)
    return left


async def _pseudo_locale(world: World) -> None:
    discord, alice, mod = world.discord, world.alice, world.mod

    # Every command string has its pseudo-locale translation in the synced tree, within limits
    # (the translator drops one that breaks them, so a missing one is a broken limit).
    for command in discord.commands[None]:
        definition = command.definition
        assert definition["name_localizations"].get(PSEUDO), command.name
        described = definition["description_localizations"].get(PSEUDO, "")
        assert 1 <= len(described) <= 100
        if len(command.description) <= 70:
            assert not english_words(described), described
        for option in definition.get("options") or []:
            assert option["name_localizations"].get(PSEUDO), (command.name, option["name"])
            assert len(option["description_localizations"].get(PSEUDO, "")) <= 100

    alice.user.locale = mod.user.locale = PSEUDO
    results = {
        "/quote": await alice.run("/quote", reference="anti-ai immediate 1"),
        "/search": await alice.run("/search", query="machines"),
        # Results marked as found by meaning, and one brought by its note.
        "/search kids": await alice.run("/search", query="kids"),
        "/search note": await alice.run("/search", query="Plays Out on the Subway Walls"),
        "/progress": await alice.run("/progress"),
        "/streak": await alice.run("/streak"),
        "/prompt list": await mod.run("/prompt list"),
        "/meeting start": await mod.run("/meeting start", title="Chapter One"),
        "/attendance summary": await mod.run("/attendance summary"),
        "/settings show": await mod.run("/settings show"),
    }
    results["/quote Weiter"] = await alice.click(
        results["/quote"], results["/quote"].message.button_labels[1]
    )
    library = load_library(REPO_ROOT / "seeds")
    names = [
        "Chapter One",
        *(d.title for d in library.documents.values()),
        *(s.title for d in library.documents.values() for s in d.walk()),
    ]
    left = _english_left(results, sorted(names, key=len, reverse=True))
    assert not left, "\n".join(
        f"{k}: {v[0]}\n  " + "\n  ".join(map(repr, v[1])) for k, v in left.items()
    )
    alice.user.locale = mod.user.locale = "en-US"


async def _reminder_in_the_members_language(world: World) -> None:
    bob = world.bob
    bob.user.locale = "ru"  # the locale is remembered when he sets the reminder
    answer = await bob.run("/me reminder", time="20:30")
    assert answer.ephemeral and "20:30" in answer.content
    await world.bot.stop()
    await world.execute(
        "UPDATE member_settings SET reminder_next_at = ? WHERE user_id = ?",
        (int(time.time()) + 1, bob.id),
    )
    bob.user.locale = "en-US"  # his client's language today changes nothing: no interaction
    await world.start_bot()
    await world.discord.wait_for(
        lambda: world.discord.dm_channel(bob.user) is not None, what="a DM channel with bob"
    )
    dm = world.discord.dm_channel(bob.user)
    assert dm is not None
    message = await world.discord.wait_for_message(dm, contains="сегодня", timeout=10)
    assert message.content.startswith("Вы сегодня ещё не читали"), message.content
