"""The real bot on each database: the same flows on SQLite and on PostgreSQL (``DATABASE_URL``).

A representative path through every feature's storage, run on both backends: a prompt made due a
few seconds ahead posts once and Mark as read records it; reading, streaks and a seeded
leaderboard; a meeting with a crowd checking in at once and a moderator's correction; export and
forget of one member; a kill -9 and restart keeping every acknowledged write. The database is read
and written through ``world.query`` / ``world.execute``, which use the storage layer on either
backend. (The feature suites in the other files run on both backends too; this file is the short
path through all of them.)
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import date, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import World
from tests.e2e.meetings_driver import CHECKED_IN, HERE, add_members, click_burst
from tests.e2e.waiting import until
from tests.emulator import InteractionResult, Member
from tests.emulator.interactions import run_command

pytestmark = pytest.mark.backends("sqlite", "postgresql")

SECTION = "technocommunist:the-class-of-the-new-century"


async def prompt(member: Member, sub: str, **options: Any) -> InteractionResult:
    # ``channel`` is an option of /prompt add, so options go to the emulator as a mapping.
    return await run_command(
        member._emu, member, f"/prompt {sub}", options, channel=None, timeout=10.0, wait=True,
        locale="en-US",
    )  # fmt: skip


async def test_a_due_prompt_posts_once_and_mark_as_read_records_it(world: World) -> None:
    general = world.guild.channel("general")
    added = await prompt(
        world.mod, "add", channel=general, content="reading", repeat="daily", time="18:00",
        document="anti-ai", question="Who owns the machines?",
    )  # fmt: skip
    found = re.search(r"Prompt #(\d+) added", added.text)
    assert found, added.text
    schedule_id = int(found[1])

    due = int(time.time()) + 2
    changed = await world.execute(
        "UPDATE prompt_schedules SET next_run_at = ? WHERE id = ?", (due, schedule_id)
    )
    assert changed == 1
    woken = await prompt(world.mod, "edit", prompt=schedule_id)  # wakes the scheduler
    assert f"Prompt #{schedule_id} updated" in woken.text
    post = await world.discord.wait_for_message(general, contains="Reading", timeout=10)
    assert post.created_at - due < 1.5

    async def runs() -> list[tuple[Any, ...]]:
        rows = await world.query(
            "SELECT status, due_at, message_id FROM prompt_runs WHERE schedule_id = ?",
            (schedule_id,),
        )
        return [tuple(r) for r in rows]

    async def recorded() -> bool:
        return await runs() == [("posted", due, post.id)]

    await until(recorded, timeout=5, what="the run recorded as posted")
    assert await runs() == [("posted", due, post.id)]

    marked = await world.alice.click(post, "Mark as read")
    assert marked.ephemeral and "as read" in marked.text
    again = await world.alice.click(post, "Mark as read")
    assert "already marked" in again.text
    log = await world.query("SELECT user_id, ref, source FROM reading_log")
    assert [tuple(r) for r in log] == [(world.alice.id, "anti-ai:opening", "prompt")]

    # A restart finds the run done: nothing is posted again.
    await world.restart_bot()
    await asyncio.sleep(1.0)
    assert len([m for m in general.visible_messages() if m.author.bot]) == 1
    assert await runs() == [("posted", due, post.id)]


async def test_reading_streaks_and_a_seeded_leaderboard(world: World) -> None:
    alice, bob = world.alice, world.bob
    reply = await alice.run("/read section", section=SECTION)
    assert reply.ephemeral and "as read" in reply.content, reply.content
    [row] = await world.query("SELECT read_on FROM reading_log WHERE user_id = ?", (alice.id,))
    today = date.fromisoformat(row["read_on"])

    # Readers seeded straight into the log (the triggers mark their cached figures stale).
    readers = {9_000_000_000_000_000_000 + n: n for n in range(2, 14)}
    for user_id, length in readers.items():
        for back in range(length):
            day = (today - timedelta(days=back)).isoformat()
            await world.execute(
                "INSERT INTO reading_log (guild_id, user_id, document, section, ref, read_on, "
                "created_at, source) VALUES (?, ?, 'anti-ai', 'opening', 'anti-ai:opening', ?, ?, "
                "'command')",
                (world.guild.id, user_id, day, f"{day}T12:00:00+00:00"),
            )
    board = await alice.run("/leaderboard")
    lines = str(board.embed["description"]).split("\n")
    assert lines[0] == f"**1.** <@{max(readers)}> — 13 days"
    assert len(lines) == 10
    you = {f["name"]: f["value"] for f in board.embed.get("fields", [])}
    assert you["You"] == "place 13 — 1 day"
    nxt = await alice.click(board, "Next")
    assert str(nxt.message.embed["description"]).split("\n")[-1] == f"**13.** <@{alice.id}> — 1 day"

    streak = await alice.run("/streak")
    assert streak.embed is not None
    [stats] = await world.query(
        "SELECT current, longest, sections FROM member_stats WHERE guild_id = ? AND user_id = ?",
        (world.guild.id, alice.id),
    )
    assert tuple(stats) == (1, 1, 1)
    progress = await alice.run("/progress", document="technocommunist")
    assert "1 of" in progress.content or "1/" in json.dumps(progress.embed), progress.content

    # A member who opts out leaves the board but keeps their place in their own view.
    await bob.run("/read section", section=SECTION)
    hidden = await bob.run("/me privacy", hidden=True)
    assert "left out of leaderboards" in hidden.content
    seen = await alice.run("/leaderboard")
    assert f"<@{bob.id}>" not in str(seen.embed["description"])


async def test_meeting_crowd_corrections_export_forget_and_kill(world: World) -> None:
    general = world.guild.default_channel
    started = await world.mod.run("/meeting start", title="Week one")
    assert started.ephemeral and "started" in started.content
    post = await world.discord.wait_for_message(general, contains="Week one")
    [meeting] = await world.query("SELECT id, ended_at FROM meetings")
    assert meeting["ended_at"] is None

    crowd = add_members(world.guild, 200)
    burst = await click_burst(world.discord, [*crowd, *crowd[:20], world.alice], post)
    assert len(burst.answered_with(CHECKED_IN)) == 201
    attendance = await world.query(
        "SELECT COUNT(*) AS n FROM meeting_attendance WHERE meeting_id = ?", (meeting["id"],)
    )
    assert attendance[0]["n"] == 201

    # Killed mid-meeting: every acknowledged check-in is there after the restart.
    await world.bot.kill()
    await world.start_bot()
    late = await world.bob.click(post, HERE)
    assert late.ephemeral and CHECKED_IN in late.content
    ended = await world.mod.run("/meeting end")
    assert "ended: 202 present" in ended.content, ended.content
    added = await world.mod.run("/attendance remove", member=world.bob, meeting=meeting["id"])
    assert added.ephemeral, added.content
    audit = await world.query(
        "SELECT member_id, moderator_id, action FROM meeting_attendance_audit"
    )
    assert [tuple(r) for r in audit] == [(world.bob.id, world.mod.id, "remove")]

    export = await world.alice.run("/me export")
    data = json.loads(export.attachments[0].data)
    assert [r["meeting_id"] for r in data["data"]["meeting_attendance"]] == [meeting["id"]]
    asked = await world.alice.run("/me forget")
    done = await world.alice.click(asked, "Delete my data")
    assert "rows about you were deleted" in done.message.content
    left = await world.query(
        "SELECT COUNT(*) AS n FROM meeting_attendance WHERE member_id = ?", (world.alice.id,)
    )
    assert left[0]["n"] == 0
    total = await world.query("SELECT COUNT(*) AS n FROM meeting_attendance")
    assert total[0]["n"] == 200
