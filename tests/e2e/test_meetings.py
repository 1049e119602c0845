"""Meetings and attendance (issue 6) through the emulator and the real bot process.

What a member and a moderator see, and what the database holds afterwards: check-ins by button
and ``/here``, a crowd of 500, a crash in the middle of one, voice presence across a restart,
Scheduled Events, reports, corrections, exports and a member's own data.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import World
from tests.e2e.meetings_driver import (
    ALREADY,
    CHECKED_IN,
    ENDED,
    HERE,
    Burst,
    add_members,
    attendance,
    click_burst,
    meetings,
    set_setting,
    shift_meeting_back,
    start_meeting,
)
from tests.e2e.waiting import until
from tests.emulator import (
    ClientRefused,
    Emulator,
    EmulatorError,
    InteractionResult,
    Permission,
)

pytestmark = pytest.mark.backends("sqlite", "postgresql")

NO_MENTIONS: dict[str, list[str]] = {"parse": []}


def assert_private(reply: InteractionResult, *fragments: str) -> None:
    """An ephemeral answer that says each fragment."""
    assert reply.ephemeral, reply.content
    for fragment in fragments:
        assert fragment in reply.text, (fragment, reply.text)


@contextlib.contextmanager
def opened_to_everyone(discord: Emulator, name: str) -> Iterator[None]:
    """A server admin lets every member use a moderator command (Server Settings > Integrations),
    so only the bot's own check stands between a member and the command."""
    command = next(c for c in discord.commands[None] if c.name == name)
    saved = command.definition.get("default_member_permissions")
    command.definition["default_member_permissions"] = None
    try:
        yield
    finally:
        command.definition["default_member_permissions"] = saved


async def test_members_cannot_use_moderator_commands(world: World) -> None:
    for command in ("/meeting start", "/meeting end", "/attendance summary"):
        with pytest.raises(ClientRefused):
            await world.alice.run(command)
    # Even where an admin opened the commands to everyone, the bot refuses members itself.
    with (
        opened_to_everyone(world.discord, "meeting"),
        opened_to_everyone(world.discord, "attendance"),
    ):
        for command, options in (
            ("/meeting start", {"title": "Mine"}),
            ("/attendance export", {}),
            ("/attendance add", {"member": world.bob, "meeting": 1}),
        ):
            reply = await world.alice.run(command, **options)
            assert_private(reply, "This command is for moderators")
    assert await meetings(world) == []
    assert await world.query("SELECT * FROM meeting_attendance_audit") == []


async def test_check_in_by_button_and_here(world: World) -> None:
    general = world.guild.default_channel
    started = await world.mod.run("/meeting start", title="Week *one*")
    assert_private(started, "Meeting", "started in", general.mention)
    post = await world.discord.wait_for_message(general, contains=HERE)
    assert not post.ephemeral
    assert "Week \\*one\\*" in post.content  # a typed title cannot break the formatting
    assert post.allowed_mentions == NO_MENTIONS
    assert post.button_labels == [HERE]
    [meeting] = await meetings(world)
    assert meeting["title"] == "Week *one*" and meeting["ended_at"] is None
    assert meeting["message_id"] == post.id

    # A second meeting in the same channel is refused, and nothing is created.
    again = await world.mod.run("/meeting start", title="Another")
    assert_private(again, f"#{meeting['id']} is already running")
    assert len(await meetings(world)) == 1

    first = await world.alice.click(post, HERE)
    assert_private(first, CHECKED_IN)
    second = await world.alice.click(post, HERE)
    assert_private(second, ALREADY, "nothing changed")
    by_command = await world.bob.run("/here")
    assert_private(by_command, CHECKED_IN)
    assert await attendance(world, meeting["id"]) == {
        world.alice.id: "button",
        world.bob.id: "button",
    }

    ended = await world.mod.run("/meeting end")
    assert_private(ended, "ended: 2 present")
    await world.discord.wait_for(
        lambda: bool(post.buttons) and bool(post.buttons[0].get("disabled")),
        what="the check-in button to be disabled",
    )
    assert "Ended" in post.content
    late = await world.mod.run("/here")
    assert_private(late, "No meeting is running here")
    [closed] = await meetings(world)
    assert closed["ended_at"] is not None

    # If Discord refuses the edit that disables the button (the bot lost access to the channel),
    # a late click is still told the truth.
    world.discord.faults.missing_access("PATCH /channels/{channel_id}/messages/{message_id}")
    await world.mod.run("/meeting start", title="Week two")
    post_two = await world.discord.wait_for_message(general, contains="Week two", after=post)
    await world.mod.run("/meeting end")
    assert not post_two.buttons[0].get("disabled")
    stale = await world.bob.click(post_two, HERE)
    assert_private(stale, ENDED)
    assert await attendance(world, (await meetings(world))[1]["id"]) == {}


async def test_reports_corrections_exports_and_bad_input(world: World) -> None:
    carol = world.guild.add_member("carol")
    meeting_id, post = await start_meeting(world, "Chapter one")
    await world.alice.click(post, HERE)
    await world.bob.click(post, HERE)
    await world.mod.run("/meeting end")

    # Bad input is answered privately and changes nothing.
    closed = world.guild.add_text_channel("announcements")
    world.guild.set_overwrite(closed, world.guild.bot_role, deny=Permission.SEND_MESSAGES)
    before = (await meetings(world), await attendance(world, meeting_id))
    for command, options, says in (
        ("/meeting start", {"text": closed}, f"I cannot post in {closed.mention}"),
        ("/meeting start", {"title": "   "}, "The title shows nothing"),
        ("/meeting start", {"title": "\u200b\u200d"}, "The title shows nothing"),
        ("/attendance meeting", {"meeting": 999}, "There is no meeting #999"),
        ("/meeting end", {"meeting": 999}, "There is no meeting #999"),
        ("/meeting end", {"meeting": meeting_id}, "has already ended"),
        ("/attendance add", {"member": carol, "meeting": 999}, "There is no meeting #999"),
        ("/attendance add", {"member": world.alice, "meeting": meeting_id}, "already recorded"),
        ("/attendance remove", {"member": carol, "meeting": meeting_id}, "nothing to remove"),
        ("/attendance summary", {"from": "2030-01-02", "to": "2030-01-01"}, "is before the start"),
        ("/attendance export", {"from": "2030-01-02", "to": "2030-01-01"}, "is before the start"),
        ("/attendance summary", {"from": "last week"}, "is not a start date"),
    ):
        reply = await world.mod.run(command, **options)
        assert_private(reply, says)
        assert reply.attachments == [] and reply.followups == []
    assert (await meetings(world), await attendance(world, meeting_id)) == before
    assert await world.query("SELECT * FROM meeting_attendance_audit") == []

    # Corrections, each kept in the audit table and shown with the meeting.
    added = await world.mod.run(
        "/attendance add", member=carol, meeting=meeting_id, reason="Signed the paper  list"
    )
    assert_private(added, f"Added {carol.mention}")
    assert added.message.allowed_mentions == NO_MENTIONS  # naming carol does not ping her
    removed = await world.mod.run("/attendance remove", member=world.bob, meeting=meeting_id)
    assert_private(removed, f"Removed {world.bob.mention}")
    assert await attendance(world, meeting_id) == {
        world.alice.id: "button",
        carol.id: "moderator",
    }
    audit = await world.query(
        "SELECT member_id, moderator_id, action FROM meeting_attendance_audit ORDER BY id",
    )
    assert [tuple(row) for row in audit] == [
        (carol.id, world.mod.id, "add"),
        (world.bob.id, world.mod.id, "remove"),
    ]
    logged = await world.query(
        "SELECT action, actor_id, member_id FROM audit_log WHERE target = ? ORDER BY id",
        (f"meeting:{meeting_id}",),
    )
    assert [tuple(row) for row in logged] == [
        ("meeting.start", world.mod.id, None),
        ("meeting.end", world.mod.id, None),
        ("attendance.add", world.mod.id, carol.id),
        ("attendance.remove", world.mod.id, world.bob.id),
    ]
    # The reason is kept with the audit entry (spaces tidied), and only where one was given.
    reasons = await world.query(
        "SELECT after FROM audit_log WHERE action LIKE 'attendance.%' ORDER BY id"
    )
    assert [json.loads(r["after"]).get("reason") for r in reasons] == [
        "Signed the paper list",
        None,
    ]
    with pytest.raises(ClientRefused, match="1-300 characters"):  # Discord's own limit
        await world.mod.run(
            "/attendance remove", member=carol, meeting=meeting_id, reason="x" * 301
        )
    assert len(await world.query("SELECT * FROM audit_log WHERE action LIKE 'attendance.%'")) == 2
    report = await world.mod.run("/attendance meeting", meeting=meeting_id)
    assert_private(report, "Chapter one", "2 present", "Corrections")
    assert f"{world.alice.mention} — checked in" in report.text
    assert f"{carol.mention} — added by a moderator" in report.text
    assert f"{world.mod.mention} added {carol.mention}" in report.text
    assert f"{world.mod.mention} removed {world.bob.mention}" in report.text
    assert world.bob.mention + " —" not in report.text

    member = await world.mod.run("/attendance member", member=world.bob)
    assert_private(member, "0 of 1 meeting (0%)")
    member = await world.mod.run("/attendance member", member=world.alice)
    assert_private(member, "1 of 1 meeting (100%)")
    world.guild.remove_member(carol)  # a member who left keeps their history
    member = await world.mod.run("/attendance member", member=carol.user)
    assert_private(member, f"Attendance of {carol.mention}", "1 of 1 meeting (100%)")
    summary = await world.mod.run("/attendance summary")
    assert_private(summary, "· 1 meeting\n", f"{world.alice.mention} — 1/1 (100%)")
    assert f"{carol.mention} — 1/1 (100%)" in summary.text
    assert "Chapter one" in summary.text and "2/2 (100%)" in summary.text

    export = await world.mod.run("/attendance export")
    assert export.ephemeral and "2 attendance rows" in export.content
    [csv_file] = export.attachments
    assert csv_file.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(csv_file.data.decode())))
    assert sorted((int(r["member_id"]), r["source"], r["meeting_title"]) for r in rows) == sorted(
        [(world.alice.id, "button", "Chapter one"), (carol.id, "moderator", "Chapter one")]
    )
    assert all(int(r["meeting_id"]) == meeting_id for r in rows)
    long_ago: dict[str, Any] = {"from": "2001-01-01", "to": "2001-01-31"}
    empty = await world.mod.run("/attendance export", **long_ago)
    assert "0 attendance rows" in empty.content
    assert len(empty.attachments[0].data.decode().splitlines()) == 1  # the header only

    # Without an id, a report is about the running meeting, else the one that ended last (not
    # the one started last); autocomplete offers meetings by title and date.
    side = world.guild.add_text_channel("side-room")
    await world.mod.run("/meeting start", title="Side talk", text=side)
    side_id = int((await meetings(world))[-1]["id"])
    later_id, _ = await start_meeting(world, "Chapter two")
    await world.mod.run("/meeting end", meeting=later_id)
    running = await world.mod.run("/attendance meeting")
    assert_private(running, f"#{side_id} Side talk", "running now")
    await asyncio.sleep(1.1)  # times are stored to the second: end it a second later
    await world.mod.run("/meeting end", meeting=side_id)
    last = await world.mod.run("/attendance meeting")
    assert_private(last, f"#{side_id} Side talk", "ended")
    offered = await world.mod.autocomplete("/attendance meeting", "meeting", "side")
    [row] = await world.query("SELECT started_at FROM meetings WHERE id = ?", (side_id,))
    day = datetime.fromtimestamp(row["started_at"], UTC).strftime("%Y-%m-%d")
    assert offered == [{"name": f"#{side_id} Side talk · {day}", "value": side_id}]
    everything = await world.mod.autocomplete("/attendance add", "meeting", "")
    assert [c["value"] for c in everything] == [later_id, side_id, meeting_id]
    assert await world.mod.autocomplete("/meeting end", "meeting", "") == []


async def test_a_member_exports_and_forgets_their_data(world: World) -> None:
    meeting_id, post = await start_meeting(world, "Chapter two")
    await world.alice.click(post, HERE)
    await world.bob.click(post, HERE)
    await world.mod.run("/meeting end")
    await world.mod.run("/attendance remove", member=world.bob, meeting=meeting_id)

    export = await world.alice.run("/me export")
    assert export.ephemeral
    [attachment] = export.attachments
    assert attachment.filename.endswith(".json")
    data = json.loads(attachment.data)
    assert data["user_id"] == world.alice.id
    rows = data["data"]["meeting_attendance"]
    assert [(r["kind"], r["meeting_id"], r["source"]) for r in rows] == [
        ("attendance", meeting_id, "button")
    ]
    assert data["data"]["meeting_corrections"] == []
    assert str(world.bob.id) not in attachment.data.decode()  # nobody else's rows

    # Cancelling deletes nothing; confirming deletes every row about the member and nobody else's.
    asked = await world.alice.run("/me forget")
    assert_private(asked, "cannot be undone")
    assert asked.message.button_labels == ["Delete my data", "Cancel"]
    with pytest.raises(ClientRefused):  # nobody else can even see the ephemeral question
        await world.bob.click(asked, "Delete my data")
    kept = await world.alice.click(asked, "Cancel")
    assert "Nothing was deleted" in kept.message.content
    assert world.alice.id in await attendance(world, meeting_id)

    asked = await world.alice.run("/me forget")
    done = await world.alice.click(asked, "Delete my data")
    assert "rows about you were deleted" in done.message.content
    assert done.message.buttons == []
    assert await attendance(world, meeting_id) == {}
    for table in ("meeting_attendance", "meeting_voice_intervals", "meeting_attendance_audit"):
        assert (
            await world.query(f"SELECT * FROM {table} WHERE member_id = ?", (world.alice.id,)) == []
        )
    # Bob's correction is about bob, made by the moderator: alice forgetting herself keeps it.
    assert len(await world.query("SELECT * FROM meeting_attendance_audit")) == 1
    again = await world.alice.run("/me export")
    assert json.loads(again.attachments[0].data)["data"]["meeting_attendance"] == []


@pytest.mark.serial  # a burst against Discord's 3 s deadline: alone on the machine
async def test_500_members_checking_in_at_once_store_exactly_500_rows(world: World) -> None:
    crowd = add_members(world.guild, 500)
    meeting_id, post = await start_meeting(world, "Full house")
    # Everyone clicks at once; every fifth person clicks twice, both clicks in the same crowd.
    clickers = [member for index, member in enumerate(crowd) for _ in range(2 - (index % 5 > 0))]
    burst = await click_burst(world.discord, clickers, post)
    assert len(burst.results) == 600
    assert all(r.ephemeral for r in burst.answered)
    assert sorted(burst.members_answered_with(CHECKED_IN)) == sorted(m.id for m in crowd)
    assert sorted(burst.members_answered_with(ALREADY)) == sorted(m.id for m in crowd[::5])
    rows = await attendance(world, meeting_id)
    assert sorted(rows) == sorted(m.id for m in crowd)
    assert set(rows.values()) == {"button"}
    # A second wave of the same people changes nothing.
    again = await click_burst(world.discord, crowd[:100], post)
    assert len(again.answered_with(ALREADY)) == 100
    assert len(await attendance(world, meeting_id)) == 500
    # The report of 500 attendees is paged, 15 to a page.
    report = await world.mod.run("/attendance meeting", meeting=meeting_id)
    assert_private(report, "500 present", "Page 1 of 34")
    assert report.message.button_labels == ["Previous", "Next"]
    await world.mod.click(report, "Next")
    await report.wait_for_edit()
    assert "Page 2 of 34" in report.message.content
    assert len([line for line in report.message.content.splitlines() if "checked in" in line]) == 15


@pytest.mark.serial  # a burst against Discord's 3 s deadline: alone on the machine
async def test_kill_during_a_burst_keeps_every_acknowledged_check_in(world: World) -> None:
    crowd = add_members(world.guild, 500)
    meeting_id, post = await start_meeting(world, "Crash")
    # Clicks keep arriving over a second; the bot is killed once 150 of them were answered.
    burst = Burst(world.discord)
    clicking = asyncio.create_task(burst.click(crowd, post, spread=1.0))
    await world.discord.wait_for(lambda: len(burst.answered) >= 150, what="150 answers")
    await world.bot.kill()
    clicking.cancel()
    with contextlib.suppress(asyncio.CancelledError, EmulatorError):  # no bot to click at
        await clicking
    acknowledged = burst.members_answered_with(CHECKED_IN)
    unanswered = burst.unanswered
    assert acknowledged and unanswered, "the kill should land in the middle of the burst"
    world.expect_unanswered.update(r.interaction.id for r in unanswered)

    await world.start_bot()
    rows = await attendance(world, meeting_id)
    assert set(acknowledged) <= set(rows), "an acknowledged check-in was lost"
    # Those who saw "This interaction failed" click again; everyone ends with exactly one row.
    again = [m for m in crowd if m.id not in acknowledged]
    retry = await click_burst(world.discord, again, post)
    assert len(retry.answered_with(CHECKED_IN)) + len(retry.answered_with(ALREADY)) == len(again)
    assert sorted(await attendance(world, meeting_id)) == sorted(m.id for m in crowd)


async def open_and_closed_voice(world: World, meeting_id: int) -> tuple[set[int], set[int]]:
    """Members with an open stretch in the meeting's voice channel, and those with a closed one."""
    rows = await world.query(
        "SELECT member_id, ended_at FROM meeting_voice_intervals WHERE meeting_id = ?",
        (meeting_id,),
    )
    return (
        {r["member_id"] for r in rows if r["ended_at"] is None},
        {r["member_id"] for r in rows if r["ended_at"] is not None},
    )


async def wait_for_voice(
    world: World, meeting_id: int, expected: tuple[set[int], set[int]], what: str
) -> None:
    """Until the meeting's open and closed voice stretches are ``expected``."""

    async def reached() -> bool:
        return await open_and_closed_voice(world, meeting_id) == expected

    await until(reached, what=what)


async def test_voice_presence_counts_and_survives_a_restart(world: World) -> None:
    room = world.guild.channel("Reading Room")
    carol, dave, eve = (world.guild.add_member(name) for name in ("carol", "dave", "eve"))
    one = await world.mod.run("/settings meeting-voice", minutes=1)
    assert_private(one, "1 minute in a meeting's voice channel now counts as attending")
    await world.alice.join_voice(room)  # there before the meeting: counted from its start
    await world.mod.run("/meeting start", title="Voice", voice=room)
    post = await world.discord.wait_for_message(world.guild.default_channel, contains=HERE)
    assert f"Being in {room.mention} for 1 minute counts as attending" in post.content
    # The meeting is judged by the setting when it ends.
    five = await world.mod.run("/settings meeting-voice", minutes=5)
    assert_private(five, "5 minutes in a meeting's voice channel now count as attending")
    kept = await world.mod.run("/settings audit-retention", days=1)
    assert_private(kept, "keeps each change for 1 day")
    changed = await world.query(
        "SELECT actor_id, before, after FROM audit_log WHERE action = 'setting.change' ORDER BY id"
    )
    assert [(r["actor_id"], json.loads(r["before"]), json.loads(r["after"])) for r in changed] == [
        (world.mod.id, {"meeting_voice_minutes": 10}, {"meeting_voice_minutes": 1}),
        (world.mod.id, {"meeting_voice_minutes": 1}, {"meeting_voice_minutes": 5}),
        (world.mod.id, {"audit_retention_days": 365}, {"audit_retention_days": 1}),
    ]
    meeting_id = int((await meetings(world))[-1]["id"])
    await world.bob.join_voice(room, self_deaf=True)  # cannot hear: never counts
    await carol.join_voice(room)
    await eve.join_voice(room)
    joined = ({world.alice.id, carol.id, eve.id}, set[int]())
    await wait_for_voice(world, meeting_id, joined, "voice stretches")
    await carol.set_voice_flags(self_deaf=True)  # stops counting
    deafened = ({world.alice.id, eve.id}, {carol.id})
    await wait_for_voice(world, meeting_id, deafened, "carol's stretch closed")

    # The bot goes down for a restart; the meeting had been running for six quiet minutes.
    # Meanwhile eve leaves and dave comes in; alice stays.
    await world.bot.stop()
    await shift_meeting_back(world, meeting_id, 6 * 60)
    await eve.leave_voice()
    await dave.join_voice(room)
    lines = len(world.bot.output)
    await world.start_bot()
    line = await world.bot.wait_for_log(f"meeting {meeting_id} reconciled", after=lines)
    assert "1 kept, 1 closed, 1 opened" in line
    assert await open_and_closed_voice(world, meeting_id) == (
        {world.alice.id, dave.id},
        {carol.id, eve.id},
    )
    # A planned stop recorded when the bot stopped watching: eve is credited up to it.
    [stretch] = await world.query(
        "SELECT started_at, ended_at FROM meeting_voice_intervals WHERE member_id = ?",
        (eve.id,),
    )
    assert stretch["ended_at"] - stretch["started_at"] >= 6 * 60
    # Moving to another voice channel stops the count.
    lounge = world.guild.add_voice_channel("Lounge")
    await dave.join_voice(lounge)
    moved = ({world.alice.id}, {carol.id, eve.id, dave.id})
    await wait_for_voice(world, meeting_id, moved, "dave's stretch closed")
    report = await world.mod.run("/attendance meeting", meeting=meeting_id)
    assert "In voice, not yet counted" in report.text
    assert f"{world.alice.mention} — 6 min" in report.text
    assert world.bob.mention not in report.text

    # Dave's stretch before he moved is made half a minute long (sub-second stretches store 0).
    await world.execute(
        "UPDATE meeting_voice_intervals SET started_at = ended_at - 30 WHERE member_id = ?",
        (dave.id,),
    )
    # Alice (six minutes and on) and eve (six minutes before she left) reach the five minutes;
    # dave (seconds before he moved), carol (deafened after seconds) and bob (deafened) do not.
    ended = await world.mod.run("/meeting end")
    assert_private(ended, "ended: 2 present (2 by voice)")
    assert await attendance(world, meeting_id) == {world.alice.id: "voice", eve.id: "voice"}
    assert (await open_and_closed_voice(world, meeting_id))[0] == set()
    # Ended, everyone is counted or not; seconds show as seconds, not as "0 min".
    final = await world.mod.run("/attendance meeting", meeting=meeting_id)
    assert "not yet counted" not in final.text and "**In voice, not counted**" in final.text
    assert f"{dave.mention} — 30 s" in final.text
    assert "— 0 min" not in final.text


async def test_scheduled_events_open_and_close_meetings(world: World) -> None:
    room = world.guild.channel("Reading Room")
    soon = world.discord.now() + timedelta(hours=1)

    # Off by default: an event starting opens nothing.
    ignored = world.guild.create_scheduled_event("Not tracked", soon, channel=room)
    await world.discord.start_scheduled_event(ignored)
    here = await world.alice.run("/here")
    assert_private(here, "No meeting is running")
    await world.discord.end_scheduled_event(ignored)
    assert await meetings(world) == []

    await set_setting(world, world.guild.id, "meeting_from_events", "true")
    event = world.guild.create_scheduled_event("Weekly reading", soon, channel=room)
    await world.discord.start_scheduled_event(event)
    post = await world.discord.wait_for_message(room, contains="Weekly reading")
    assert post.button_labels == [HERE] and post.allowed_mentions == NO_MENTIONS
    [meeting] = await meetings(world)
    assert (meeting["event_id"], meeting["voice_channel_id"]) == (event.id, room.id)
    assert meeting["ended_at"] is None
    assert_private(await world.alice.click(post, HERE), CHECKED_IN)
    await world.discord.end_scheduled_event(event)
    await world.discord.wait_for(
        lambda: bool(post.buttons[0].get("disabled")), what="the meeting to close"
    )
    assert (await meetings(world))[0]["ended_at"] is not None
    assert await attendance(world, meeting["id"]) == {world.alice.id: "button"}

    # An event that goes active while the bot is down opens its meeting when the bot is back.
    missed = world.guild.create_scheduled_event("Missed start", soon, channel=room)
    await world.bot.stop()
    await world.discord.start_scheduled_event(missed)
    await world.start_bot()
    missed_post = await world.discord.wait_for_message(room, contains="Missed start", after=post)
    opened = (await meetings(world))[-1]
    assert (opened["event_id"], opened["ended_at"]) == (missed.id, None)
    assert_private(await world.bob.click(missed_post, HERE), CHECKED_IN)
    # A moderator ends it while the event runs on: a restart does not open it again.
    await world.mod.run("/meeting end")
    lines = len(world.bot.output)
    await world.restart_bot()
    await world.bot.wait_for_log("meetings reconciled after connecting", after=lines)
    assert len(await meetings(world)) == 2
    assert (await meetings(world))[-1]["ended_at"] is not None
    await world.discord.end_scheduled_event(missed)

    # An event that completes while the bot is down (killed) closes its meeting on restart.
    crash = world.guild.create_scheduled_event("Crash", soon, channel=room)
    await world.discord.start_scheduled_event(crash)
    await world.discord.wait_for_message(room, contains="Crash", after=missed_post)
    await world.bot.kill()
    await world.discord.end_scheduled_event(crash)
    await world.start_bot()

    async def last_meeting_ended() -> bool:
        return (await meetings(world))[-1]["ended_at"] is not None

    await until(last_meeting_ended, what="the meeting to close")
    assert [m["event_id"] for m in await meetings(world)] == [event.id, missed.id, crash.id]
