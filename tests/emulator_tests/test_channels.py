"""Channel messages, permissions, threads, DMs, scheduled events and voice, through discord.py."""

from __future__ import annotations

import io
from datetime import timedelta

import discord
import pytest

from tests.emulator import EventStatus, Permission
from tests.emulator_tests.conftest import Harness


def text_channel(harness: Harness) -> discord.TextChannel:
    channel = harness.bot.get_channel(harness.guild.default_channel.id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_messages_are_created_edited_fetched_and_deleted(harness: Harness) -> None:
    channel = text_channel(harness)
    sent = await channel.send("first draft", embed=discord.Embed(title="Reading"))
    stored = harness.discord.messages[sent.id]
    assert stored.content == "first draft" and stored.embed["title"] == "Reading"
    await sent.edit(content="final")
    assert stored.content == "final" and stored.edited_timestamp is not None
    fetched = await channel.fetch_message(sent.id)
    assert fetched.content == "final"
    await sent.delete()
    assert stored.deleted and stored not in harness.guild.default_channel.visible_messages()
    with pytest.raises(discord.NotFound) as gone:
        await channel.fetch_message(sent.id)
    assert gone.value.code == 10008


async def test_channel_overwrites_decide_what_the_bot_may_do(harness: Harness) -> None:
    general = harness.guild.default_channel
    channel = text_channel(harness)
    harness.guild.set_overwrite(general, harness.guild.bot_role, deny=Permission.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as denied:
        await channel.send("hello")
    assert denied.value.code == 50013
    harness.guild.set_overwrite(general, harness.guild.bot_role, deny=Permission.VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden) as hidden:
        await channel.send("hello")
    assert hidden.value.code == 50001
    harness.guild.set_overwrite(general, harness.guild.bot_role)
    harness.guild.set_overwrite(general, harness.guild.everyone, deny=Permission.SEND_MESSAGES)
    harness.guild.set_overwrite(general, harness.guild.bot_member, allow=Permission.SEND_MESSAGES)
    assert (await channel.send("member overwrite wins")).content == "member overwrite wins"


async def test_interaction_answers_need_no_channel_permission(harness: Harness) -> None:
    general = harness.guild.default_channel
    harness.guild.set_overwrite(general, harness.guild.bot_role, deny=Permission.SEND_MESSAGES)
    reply = await harness.alice.run("/do")
    assert reply.content == "ok"
    assert int(reply.interaction.payload["app_permissions"]) & Permission.SEND_MESSAGES == 0


async def test_editing_someone_elses_message_is_refused(harness: Harness) -> None:
    said = await harness.alice.say(harness.guild.default_channel, "my words")
    message = await text_channel(harness).fetch_message(said.id)
    with pytest.raises(discord.Forbidden) as refused:
        await message.edit(content="not yours")
    assert refused.value.code == 50005


async def test_a_repeated_nonce_returns_the_first_message(harness: Harness) -> None:
    channel = text_channel(harness)
    first = await channel.send("weekly prompt", nonce="prompt-42-2026w48")
    again = await channel.send("weekly prompt", nonce="prompt-42-2026w48")
    assert again.id == first.id
    assert len(harness.guild.default_channel.visible_messages()) == 1
    harness.discord.advance_time(minutes=6)
    later = await channel.send("weekly prompt", nonce="prompt-42-2026w48")
    assert later.id != first.id


async def test_mentions_follow_allowed_mentions(harness: Harness) -> None:
    channel = text_channel(harness)
    text = f"@everyone {harness.alice.mention} read this"
    quiet = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    loud = await channel.send(text)
    assert quiet.mentions == [] and not quiet.mention_everyone
    stored = harness.discord.messages[loud.id]
    # Without allowed_mentions Discord parses everything, and @everyone may ping by default.
    assert "allowed_mentions" not in harness.discord.last_call("POST /channels/*").json
    assert [u.id for u in stored.mentions] == [harness.alice.id]
    assert stored.mention_everyone
    harness.guild.set_overwrite(
        harness.guild.default_channel, harness.guild.everyone, deny=Permission.MENTION_EVERYONE
    )
    muted = harness.discord.messages[(await channel.send(text)).id]
    assert not muted.mention_everyone


async def test_files_become_attachments_within_the_size_limit(harness: Harness) -> None:
    channel = text_channel(harness)
    sent = await channel.send("notes", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "notes.csv"))
    [attachment] = harness.discord.messages[sent.id].attachments
    assert (attachment.filename, attachment.data) == ("notes.csv", b"a,b\n1,2\n")
    assert await sent.attachments[0].read() == b"a,b\n1,2\n"
    harness.guild.attachment_size_limit = 4
    with pytest.raises(discord.HTTPException) as too_big:
        await channel.send(file=discord.File(io.BytesIO(b"12345"), "big.bin"))
    assert too_big.value.status == 413 and too_big.value.code == 40005


async def test_threads_start_from_messages_or_alone_and_archive(harness: Harness) -> None:
    channel = text_channel(harness)
    starter = await channel.send("Chapter 1 discussion")
    thread = await starter.create_thread(name="Chapter 1")
    assert thread.id == starter.id
    assert harness.discord.messages[starter.id].thread is not None
    with pytest.raises(discord.HTTPException) as twice:
        await starter.create_thread(name="Again")
    assert twice.value.code == 160004
    private = await channel.create_thread(name="Organisers")
    assert private.type is discord.ChannelType.private_thread
    archived = await thread.edit(archived=True)
    assert archived.archived and harness.discord.channels[thread.id].archived
    await thread.send("bump")
    assert not harness.discord.channels[thread.id].archived
    harness.guild.set_overwrite(
        harness.guild.default_channel, harness.guild.bot_role, deny=Permission.CREATE_PUBLIC_THREADS
    )
    other = await channel.send("Chapter 2")
    with pytest.raises(discord.Forbidden) as forbidden:
        await other.create_thread(name="Chapter 2")
    assert forbidden.value.code == 50013


async def test_direct_messages_need_a_shared_server_and_open_dms(harness: Harness) -> None:
    user = await harness.bot.fetch_user(harness.alice.id)
    message = await user.send("your weekly summary")
    dm = harness.discord.dm_channel(harness.alice.user)
    assert dm is not None and [m.content for m in dm.messages] == ["your weekly summary"]
    assert message.id == dm.messages[0].id
    harness.alice.block_dms()
    with pytest.raises(discord.Forbidden) as blocked:
        await user.send("again")
    assert blocked.value.code == 50007


async def test_members_and_roles_are_fetched(harness: Harness) -> None:
    guild = harness.bot.get_guild(harness.guild.id)
    assert guild is not None
    member = await guild.fetch_member(harness.mod.id)
    assert {r.name for r in member.roles} >= {"Moderator", "mod permissions"}
    roles = await guild.fetch_roles()
    assert {r.name for r in roles} >= {"@everyone", "Moderator"}
    with pytest.raises(discord.NotFound) as unknown:
        await guild.fetch_member(123)
    assert unknown.value.code == 10007


async def test_scheduled_events_are_checked_created_and_followed(harness: Harness) -> None:
    guild = harness.bot.get_guild(harness.guild.id)
    assert guild is not None
    voice = guild.voice_channels[0]
    now = harness.discord.now()
    with pytest.raises(discord.HTTPException) as no_privacy:
        await guild.create_scheduled_event(
            name="Tomorrow", start_time=now + timedelta(days=1), channel=voice
        )
    assert "In privacy_level: This field is required" in no_privacy.value.text
    with pytest.raises(discord.HTTPException) as past:
        await guild.create_scheduled_event(
            name="Yesterday",
            start_time=now - timedelta(days=1),
            channel=voice,
            privacy_level=discord.PrivacyLevel.guild_only,
        )
    assert "Cannot schedule event in the past" in past.value.text
    event = await guild.create_scheduled_event(
        name="Reading night",
        start_time=now + timedelta(days=2),
        channel=voice,
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    stored = harness.guild.scheduled_events[event.id]
    assert stored.name == "Reading night" and stored.creator_id == harness.bot.user.id  # type: ignore[union-attr]
    await harness.discord.dispatch_scheduled_event_update(stored, status=EventStatus.ACTIVE)
    assert await harness.bot_saw("event_update") == ("Reading night", "active")
    with pytest.raises(discord.HTTPException) as backwards:
        await event.edit(status=discord.EventStatus.scheduled)
    assert "Cannot change status from ACTIVE to SCHEDULED" in backwards.value.text


async def test_voice_joins_reach_the_bot(harness: Harness) -> None:
    room = harness.guild.channel("Reading Room")
    await harness.alice.join_voice(room)
    assert await harness.bot_saw("voice") == ("alice", "Reading Room")
    guild = harness.bot.get_guild(harness.guild.id)
    assert guild is not None
    assert [m.id for m in guild.voice_channels[0].members] == [harness.alice.id]


async def test_people_talking_reach_the_bot_without_content_unless_it_has_the_intent(
    harness: Harness,
) -> None:
    await harness.alice.say(harness.guild.default_channel, "is anyone reading tonight?")
    assert await harness.bot_saw("message") == ""
