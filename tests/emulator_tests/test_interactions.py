"""Slash commands, components and modals: what Discord accepts from the bot, and what it refuses."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest

from tests.emulator import ClientRefused, NoResponse
from tests.emulator_tests.conftest import Harness


async def test_a_command_is_answered_with_a_message(harness: Harness) -> None:
    reply = await harness.alice.run("/do")
    assert reply.response_type == 4
    assert reply.content == "ok"
    assert not reply.ephemeral
    assert reply.message in harness.guild.default_channel.visible_messages()
    [callback] = reply.requests
    assert callback.route == "POST /interactions/{interaction_id}/{interaction_token}/callback"
    assert callback.query == {"with_response": "1"}
    assert callback.json["data"]["content"] == "ok"
    seen = harness.bot.seen[0]
    assert seen.user.id == harness.alice.id
    assert seen.channel is not None and seen.channel.id == harness.guild.default_channel.id


async def test_ephemeral_answers_carry_flag_64_and_stay_out_of_the_channel(
    harness: Harness,
) -> None:
    reply = await harness.alice.run("/quote", reference="manifesto:1:2", private=True)
    assert reply.content == "quoted manifesto:1:2"
    assert reply.ephemeral and reply.flags & 64
    assert reply.message not in harness.guild.default_channel.visible_messages()


async def test_subcommands_and_option_checks_follow_the_synced_definition(
    harness: Harness,
) -> None:
    reply = await harness.alice.run("/prompt add", text="What struck you?", hour=7)
    assert reply.content == "added 'What struck you?' at 7:00"
    with pytest.raises(ClientRefused, match="between 0 and 23"):
        await harness.alice.run("/prompt add", text="late", hour=30)
    with pytest.raises(ClientRefused, match="needs the option 'text'"):
        await harness.alice.run("/prompt add")
    with pytest.raises(ClientRefused, match="no option"):
        await harness.alice.run("/quote", reference="x", colour="red")
    with pytest.raises(ClientRefused, match="needs a subcommand"):
        await harness.alice.run("/prompt")


async def test_commands_with_default_permissions_are_hidden_from_members(
    harness: Harness,
) -> None:
    with pytest.raises(ClientRefused, match="MANAGE_GUILD"):
        await harness.alice.run("/settings")
    reply = await harness.mod.run("/settings")
    assert reply.content == "settings" and reply.ephemeral


async def test_autocomplete_returns_the_bots_choices(harness: Harness) -> None:
    choices = await harness.alice.autocomplete("/quote", "reference", "imm")
    assert choices == [{"name": f"imm {n}", "value": f"imm-{n}"} for n in range(3)]
    interaction = list(harness.discord.interactions.values())[-1]
    focused = interaction.payload["data"]["options"][0]
    assert focused == {"name": "reference", "type": 3, "value": "imm", "focused": True}


async def test_twenty_six_autocomplete_choices_are_refused(harness: Harness) -> None:
    harness.bot.choices = lambda current: [
        discord.app_commands.Choice(name=str(n), value=str(n)) for n in range(26)
    ]
    with pytest.raises(NoResponse, match=r"data\.choices: Must be 25 or fewer in length"):
        await harness.alice.autocomplete("/quote", "reference", "a", timeout=0.5)


async def test_a_deferral_is_completed_by_the_first_followup(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await interaction.followup.send("done")
        await interaction.followup.send("and one more")

    harness.bot.handler = handler
    reply = await harness.alice.run("/do")
    assert reply.response_type == 5
    assert reply.content == "done"
    assert reply.ephemeral and not reply.message.loading
    [extra] = await reply.wait_for_followups(1)
    assert extra.content == "and one more" and not extra.ephemeral
    assert [r.method for r in reply.requests] == ["POST", "POST", "POST"]


async def test_followups_are_edited_and_originals_deleted(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("original")
        extra = await interaction.followup.send("draft", wait=True)
        await extra.edit(content="revised")
        await interaction.delete_original_response()

    harness.bot.handler = handler
    reply = await harness.alice.run("/do")
    await harness.discord.wait_for(lambda: reply.message.deleted, timeout=5)
    [extra] = reply.followups
    assert extra.content == "revised" and extra.history[0]["content"] == "draft"
    assert [m.content for m in harness.guild.default_channel.visible_messages()] == ["revised"]
    assert [r.route.split(" ")[0] for r in reply.requests] == ["POST", "POST", "PATCH", "DELETE"]


async def test_a_deferral_can_be_completed_by_editing_the_original(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="edited in")

    harness.bot.handler = handler
    reply = await harness.alice.run("/do")
    assert reply.content == "edited in"
    assert reply.requests[-1].route.startswith("PATCH /webhooks/")


async def test_a_second_initial_response_is_refused_with_40060(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        # discord.py stops a second response made in sequence; concurrent ones reach Discord.
        await asyncio.gather(
            interaction.response.send_message("first"),
            interaction.response.send_message("second"),
        )

    harness.bot.handler = handler
    reply = await harness.alice.run("/do")
    await harness.discord.wait_for(lambda: bool(harness.bot.errors), timeout=5)
    [failure] = harness.bot.errors
    assert isinstance(failure, discord.HTTPException)
    assert failure.status == 400 and failure.code == 40060
    assert [m.content for m in harness.guild.default_channel.visible_messages()] == [reply.content]


async def test_an_answer_after_three_seconds_is_an_unknown_interaction(harness: Harness) -> None:
    release = asyncio.Event()

    async def handler(interaction: discord.Interaction) -> None:
        await release.wait()
        await interaction.response.send_message("too late")

    harness.bot.handler = handler
    pending = await harness.alice.run("/do", wait=False)
    await harness.discord.wait_for(lambda: bool(harness.bot.seen), timeout=5)
    harness.discord.advance_time(seconds=3.5)
    release.set()
    await harness.discord.wait_for(lambda: bool(harness.bot.errors), timeout=5)
    [failure] = harness.bot.errors
    assert isinstance(failure, discord.NotFound) and failure.code == 10062
    assert harness.discord.unanswered_interactions() == [pending.interaction]


async def test_a_followup_before_any_acknowledgement_is_refused(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.followup.send("no ack yet")

    harness.bot.handler = handler
    await harness.alice.run("/do", wait=False)
    await harness.discord.wait_for(lambda: bool(harness.bot.errors), timeout=5)
    [failure] = harness.bot.errors
    assert isinstance(failure, discord.NotFound) and failure.code == 10015
    assert len(harness.discord.unanswered_interactions()) == 1


async def test_followups_stop_working_after_fifteen_minutes(harness: Harness) -> None:
    release = asyncio.Event()

    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("now")
        await release.wait()
        await interaction.followup.send("much later")

    harness.bot.handler = handler
    await harness.alice.run("/do")
    harness.discord.advance_time(minutes=15, seconds=1)
    release.set()
    await harness.discord.wait_for(lambda: bool(harness.bot.errors), timeout=5)
    [failure] = harness.bot.errors
    assert isinstance(failure, discord.HTTPException)
    assert failure.status == 401 and failure.code == 50027


@pytest.mark.parametrize(
    ("send", "complaint"),
    [
        ({"content": "x" * 2001}, "data.content: Must be 2000 or fewer in length."),
        (
            {
                "embeds": [
                    discord.Embed(description="d" * 4000),
                    discord.Embed(description="e" * 2001),
                ]
            },
            "data.embeds: Embed size exceeds maximum size of 6000",
        ),
        ({"embed": discord.Embed(title="t" * 257)}, "data.embeds.0.title: Must be 256 or fewer"),
        ({"embed": discord.Embed(url="not a url")}, "data.embeds.0.url: Not a well formed URL."),
    ],
    ids=["content-2001", "embeds-6001", "title-257", "embed-url"],
)
async def test_message_limits_are_enforced_with_form_errors(
    harness: Harness, send: dict[str, object], complaint: str
) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(**send)  # type: ignore[arg-type]

    harness.bot.handler = handler
    pending = await harness.alice.run("/do", wait=False)
    refused = await pending.wait_for_rejection()
    assert refused.status == 400 and refused.error_code == 50035
    assert any(complaint in line for line in refused.errors)
    await harness.discord.wait_for(lambda: bool(harness.bot.errors), timeout=5)
    [failure] = harness.bot.errors
    assert isinstance(failure, discord.HTTPException) and failure.code == 50035
    assert complaint in failure.text
    assert harness.discord.unanswered_interactions() == [pending.interaction]


async def test_a_custom_id_over_100_characters_is_refused(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Go", custom_id="c" * 101))
        await interaction.response.send_message("pick", view=view)

    harness.bot.handler = handler
    pending = await harness.alice.run("/do", wait=False)
    refused = await pending.wait_for_rejection()
    assert refused.errors == [
        "data.components.0.components.0.custom_id: Must be 100 or fewer in length."
    ]


async def test_a_refused_answer_is_named_when_the_bot_stays_silent(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("x" * 2001)

    harness.bot.handler = handler
    with pytest.raises(NoResponse) as silent:
        await harness.alice.run("/do", timeout=0.5)
    assert "Discord refused the bot's answers" in str(silent.value)
    assert "data.content: Must be 2000 or fewer in length." in str(silent.value)


class Pager(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.page = 1

    @discord.ui.button(label="Previous", disabled=True)
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        self.page -= 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @discord.ui.button(label="Next")
    async def next(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        self.page += 1
        self.previous.disabled = False
        await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @discord.ui.button(label="Refresh")
    async def refresh(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content=f"page {self.page} (refreshed)")

    @discord.ui.button(label="Note")
    async def note(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        await interaction.response.send_modal(NoteModal())


class NoteModal(discord.ui.Modal, title="Add a note"):
    note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(label="Note", max_length=50)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"noted: {self.note.value}", ephemeral=True)


async def test_buttons_update_the_message_they_are_on(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=Pager())

    harness.bot.handler = handler
    reply = await harness.alice.run("/do")
    assert reply.message.button_labels == ["Previous", "Next", "Refresh", "Note"]
    with pytest.raises(ClientRefused, match="disabled"):
        await harness.alice.click(reply, "Previous")
    turned = await harness.alice.click(reply, "Next")
    assert turned.response_type == 7
    assert turned.message is reply.message
    assert reply.content == "page 2"
    assert reply.message.find_component("Previous")["disabled"] is False
    back = await harness.mod.click(reply, "Previous")
    assert back.content == "page 1" and len(reply.message.history) == 2
    refreshed = await harness.alice.click(reply, "Refresh")
    assert refreshed.response_type == 6
    edited = await refreshed.wait_for_edit()
    assert edited is reply.message and reply.content == "page 1 (refreshed)"


async def test_a_modal_opened_by_a_button_is_filled_in_and_submitted(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=Pager(), ephemeral=True)

    harness.bot.handler = handler
    reply = await harness.alice.run("/do")
    with pytest.raises(ClientRefused, match="ephemeral"):
        await harness.mod.click(reply, "Next")
    opened = await harness.alice.click(reply, "Note")
    assert opened.response_type == 9
    assert opened.modal["title"] == "Add a note"
    with pytest.raises(ClientRefused, match="50"):
        await harness.alice.submit_modal(opened, {"Note": "n" * 51})
    submitted = await harness.alice.submit_modal(opened, {"Note": "chapter two"})
    assert submitted.content == "noted: chapter two" and submitted.ephemeral


async def test_silence_is_detectable_and_explained(harness: Harness) -> None:
    async def handler(interaction: discord.Interaction) -> None:
        await harness.bot.http.get_guild(harness.guild.id)

    harness.bot.handler = handler
    with pytest.raises(NoResponse) as silent:
        await harness.alice.run("/do", timeout=0.5)
    assert "did not answer /do" in str(silent.value)
    assert "GET /guilds/" in str(silent.value)
    assert [i.command.name for i in harness.discord.unanswered_interactions() if i.command] == [
        "do"
    ]


async def test_every_interaction_carries_the_clickers_own_client_language(
    harness: Harness,
) -> None:
    sent: list[str] = []

    class Languages(discord.ui.View):
        @discord.ui.button(label="Which")
        async def which(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
            sent.append(str(interaction.locale))
            await interaction.response.defer()

    async def handler(interaction: discord.Interaction) -> None:
        sent.append(str(interaction.locale))
        await interaction.response.send_message("which?", view=Languages())

    harness.bot.handler = handler
    harness.alice.user.locale = "de"
    reply = await harness.alice.run("/do")
    await harness.alice.click(reply, "Which")
    await harness.mod.click(reply, "Which")  # the same message, clicked from an English client
    await harness.alice.run("/do", locale="ru")  # one command from a client in another language
    assert sent == ["de", "de", "en-US", "ru"]
