"""/quote and /search as a member uses them, through the emulator and the real bot process.

The tests that only read share one bot per module and backend (``shared_world``); those that
restart it or change the server or the database have a world of their own.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SHARED, World
from tests.emulator import ClientRefused

pytestmark = pytest.mark.backends("sqlite", "postgresql")

FOOTER_REF = "anti-ai:immediate-demands:1"


def footer(result_embed: dict[str, object]) -> str:
    footer = result_embed.get("footer")
    assert isinstance(footer, dict)
    return str(footer["text"])


@SHARED
async def test_quote_by_reference_with_notes_and_paging(shared_world: World) -> None:
    world = shared_world
    reply = await world.alice.run("/quote", reference="anti-ai immediate 1")
    assert not reply.ephemeral
    assert footer(reply.embed) == FOOTER_REF
    assert "Manifesto of the Anti-AI Movement" in reply.embed["author"]["name"]
    assert reply.message.button_labels == ["Previous", "Next", "Mark as read", "More like this"]

    # The asker turns the page in place.
    turned = await world.alice.click(reply, "Next")
    assert turned.response_type == 7
    assert footer(turned.message.embed) == "anti-ai:immediate-demands:2"

    # Someone else pressing gets the neighbour privately; the shared message stays put.
    private = await world.bob.click(reply.message, "Previous")
    assert private.response_type == 4 and private.ephemeral
    assert footer(private.embed) == "anti-ai:immediate-demands:1"
    assert footer(reply.message.embed) == "anti-ai:immediate-demands:2"


async def test_more_like_this_shows_five_passages_close_in_meaning(world: World) -> None:
    reply = await world.alice.run("/quote", reference="anti-ai:labor-unions:2")
    own = footer(reply.embed)
    assert own == "anti-ai:labor-unions:2"

    # Anyone may ask, and only they see the answer; the shared message stays as it was.
    similar = await world.bob.click(reply.message, "More like this")
    assert similar.response_type == 4 and similar.ephemeral
    assert similar.embed["title"] == f"More like {own}"
    refs = [field["name"].rsplit(" · ", 1)[1] for field in similar.embed["fields"]]
    assert len(refs) == len(set(refs)) == 5
    # Neither the passage itself nor the paragraphs just before and after it.
    assert not {own, "anti-ai:labor-unions:1", "anti-ai:labor-unions:3"} & set(refs)
    assert similar.message.button_labels == [f"Share {n}" for n in range(1, 6)]
    assert footer(reply.message.embed) == own

    # A button posted before a restart still answers after it, with the same passages.
    await world.restart_bot()
    again = await world.alice.click(reply.message, "More like this")
    assert again.ephemeral
    assert [field["name"] for field in again.embed["fields"]] == [
        field["name"] for field in similar.embed["fields"]
    ]
    shared = await world.alice.click(again.message, "Share 1")
    assert not shared.ephemeral and footer(shared.embed) == refs[0]


@SHARED
async def test_quote_shows_the_notes_it_cites(shared_world: World) -> None:
    world = shared_world
    reply = await world.alice.run("/quote", reference="anti-ai introduction 1")
    names = [field["name"] for field in reply.embed.get("fields", [])]
    assert names == ["[2]"]
    assert reply.embed["description"].endswith("detail.\\[2\\]")


@SHARED
async def test_random_private_and_daily_quotes(shared_world: World) -> None:
    world = shared_world
    private = await world.alice.run("/quote", private=True)
    assert private.ephemeral and footer(private.embed)

    first = await world.alice.run("/quote", today=True)
    second = await world.bob.run("/quote", today=True)
    assert footer(first.embed) == footer(second.embed)
    assert "Quote of the day" in first.embed["description"]


@SHARED
async def test_reference_autocomplete(shared_world: World) -> None:
    world = shared_world
    choices = await world.alice.autocomplete("/quote", "reference", "imm")
    assert 0 < len(choices) <= 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)
    assert choices[0]["value"].startswith("anti-ai:immediate-demands")
    everything = await world.alice.autocomplete("/quote", "reference", "")
    assert len(everything) == 25


@SHARED
async def test_unknown_and_ambiguous_references_are_answered_privately(shared_world: World) -> None:
    world = shared_world
    unknown = await world.alice.run("/quote", reference="zzzz qqqq 99")
    assert unknown.ephemeral and "No passage matches" in unknown.content
    missing = await world.alice.run("/quote", reference="tc III 2")
    assert missing.ephemeral and "technocommunist:goals-of-the-movement:1" in missing.content


@SHARED
async def test_search_pages_and_share(shared_world: World) -> None:
    world = shared_world
    reply = await world.alice.run("/search", query="automation of labor")
    assert reply.ephemeral
    embed = reply.embed
    assert len(embed["fields"]) == 5
    assert footer(embed).startswith("Page 1/")
    assert any("**" in field["value"] for field in embed["fields"])
    labels = reply.message.button_labels
    assert labels[:2] == ["Previous", "Next"] and labels[2:] == [f"Share {n}" for n in range(1, 6)]

    page_two = await world.alice.click(reply, "Next")
    assert footer(page_two.message.embed).startswith("Page 2/")
    assert page_two.message.embed["fields"][0]["name"].startswith("6. ")

    first_ref = page_two.message.embed["fields"][0]["name"].rsplit(" · ", 1)[1]
    shared = await world.alice.click(page_two.message, "Share 6")
    assert not shared.ephemeral
    assert footer(shared.embed) == first_ref
    assert world.alice.mention in shared.content
    channel_message = shared.message
    assert channel_message in world.guild.default_channel.visible_messages()


@SHARED
async def test_results_found_by_meaning_are_marked(shared_world: World) -> None:
    world = shared_world
    # No passage has the word "kids"; the ones about children are found by what they mean.
    reply = await world.alice.run("/search", query="kids")
    assert reply.ephemeral
    values = [field["value"] for field in reply.embed["fields"]]
    assert values and all(value.startswith("*≈ found by meaning* · ") for value in values)
    worded = await world.alice.run("/search", query="sledgehammer")
    assert not worded.embed["fields"][0]["value"].startswith("*≈")


async def test_search_pages_expire_after_a_restart(world: World) -> None:
    reply = await world.alice.run("/search", query="automation")
    await world.restart_bot()
    late = await world.alice.click(reply, "Next")
    assert late.ephemeral and "expired" in late.content


@SHARED
async def test_search_with_no_result_suggests_terms(shared_world: World) -> None:
    world = shared_world
    reply = await world.alice.run("/search", query="qwxzv")
    assert reply.ephemeral and "No passage matches" in reply.content


HOSTILE_QUERIES = (
    '"',
    "*",
    "NEAR(a b)",
    "(",
    "a OR b",
    "-x",
    "'; DROP TABLE meta; --",
    "🙂🙂",
    "שלום עולם",
    "x" * 1000,
)


@SHARED
async def test_hostile_queries_get_an_answer_and_change_nothing(shared_world: World) -> None:
    world = shared_world
    for query in HOSTILE_QUERIES:
        reply = await world.alice.run("/search", query=query)
        assert reply.ephemeral, query
        assert reply.content or reply.embeds, query
    [meta] = await world.query("SELECT COUNT(*) AS n FROM meta")
    assert meta["n"] >= 1


@SHARED
async def test_moderator_commands_are_hidden_from_members(shared_world: World) -> None:
    world = shared_world
    with pytest.raises(ClientRefused):
        await world.alice.run("/settings show")
    shown = await world.mod.run("/settings show")
    assert shown.ephemeral and "**time zone**: `UTC`" in shown.content


async def test_a_failing_command_is_answered_and_logged(world: World) -> None:
    await world.execute("DROP TABLE guild_settings")
    reply = await world.mod.run("/settings timezone", zone="Europe/Berlin")
    assert reply.ephemeral and "went wrong" in reply.content
    await world.bot.wait_for_log(f"interaction {reply.interaction.id}")
    assert "Traceback" in world.bot.log_text()


async def settings_rows(world: World) -> set[tuple[str, str]]:
    rows = await world.query(
        "SELECT key, value FROM guild_settings WHERE guild_id = ?", (world.guild.id,)
    )
    return {(row["key"], row["value"]) for row in rows}


async def test_moderator_check_in_code_when_an_admin_opens_the_command(world: World) -> None:
    world.guild.open_command("settings")
    refused = await world.alice.run("/settings streak-freezes", per_week=3)
    assert refused.ephemeral and "for moderators" in refused.content
    assert await settings_rows(world) == set()
    role = world.guild.add_role("Reading Lead", 0)
    await world.mod.run("/settings moderator-role", role=role)
    world.alice.add_role(role)
    allowed = await world.alice.run("/settings streak-freezes", per_week=3)
    assert allowed.ephemeral and "forgive 3 missed days" in allowed.content
    assert await settings_rows(world) == {
        ("streak_freezes_per_week", "3"),
        ("moderator_role_id", str(role.id)),
    }


@SHARED
async def test_a_paragraph_brought_by_its_note_says_which(shared_world: World) -> None:
    world = shared_world
    # Note 12 quotes a headline; the paragraph citing it describes the adverts in other words.
    reply = await world.alice.run(
        "/search", query="A Debate About A.I. Plays Out on the Subway Walls"
    )
    fields = reply.embed["fields"]
    assert fields[0]["name"].endswith("anti-ai:note:12")
    assert fields[1]["value"].startswith("*↳ through its note 12* · ")
    assert all(not field["value"].startswith("*↳") for field in fields[2:])
