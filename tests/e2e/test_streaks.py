"""Reading log, streaks, progress, heatmap, leaderboards and reminders, as members use them.

Long histories are seeded straight into the bot's own tables (``reading_log``, ``meetings``): the
triggers of migration 0005 mark the cached figures stale exactly as the bot's own writes do. The bot
reads the real clock, so "today" is taken from what the bot itself recorded, a test whose figures
change with the day first waits, near midnight, until its whole run falls on one day (see
:func:`on_one_day`), and a reminder is made due a second ahead while the bot is stopped. Every test
runs on SQLite and on PostgreSQL, through ``world.query`` / ``world.execute``.
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.storage.database import Row
from bot.streaks.heatmap import LEVELS, TODAY_OUTLINE, WEEKS, cell_origin, image_size
from bot.streaks.rules import week_start
from tests.e2e.conftest import World
from tests.e2e.waiting import until
from tests.emulator import Member

pytestmark = pytest.mark.backends("sqlite", "postgresql")

CLASS_SECTION = "technocommunist:the-class-of-the-new-century"
TOKYO = ZoneInfo("Asia/Tokyo")
PARIS = ZoneInfo("Europe/Paris")
SECTIONS = (
    "anti-ai:opening",
    "anti-ai:introduction",
    "technocommunist:opening",
    "technocommunist:preface",
)


# --- the day, as the bot's real clock sees it ----------------------------------------------------

SERVER_ZONE = ZoneInfo("UTC")
"""The server's zone (none is set): the day of every member without a zone of their own."""
ONE_TEST = 120.0
"""Seconds that comfortably cover any one test here, bot restarts included."""


def seconds_to_wait(now: datetime, zone: ZoneInfo, back: float, ahead: float) -> float:
    """How long until ``back`` seconds before and ``ahead`` seconds after "now" share one day in
    ``zone``: 0 unless a midnight lies in between, else until that midnight is ``back`` old."""
    first = (now - timedelta(seconds=back)).astimezone(zone).date()
    last = (now + timedelta(seconds=ahead)).astimezone(zone).date()
    if first == last:
        return 0.0
    day = first + timedelta(days=1)
    midnight = datetime.combine(day, dt_time(0), tzinfo=zone)
    return max(0.0, (midnight - now).total_seconds() + back) + 0.01


async def on_one_day(zone: ZoneInfo = SERVER_ZONE, *, back: float = 0.0) -> None:
    """Wait, if need be, until the next :data:`ONE_TEST` seconds (and the last ``back``) fall on
    one calendar day in ``zone``.

    The bot dates readings, streaks and "this week" by its real clock: a test that reads twice
    expecting "already marked", or seeds "today" and then asks for a streak, would see a new day
    if a midnight passed in between. Near midnight this sleeps (at most ``back`` plus
    :data:`ONE_TEST` seconds); otherwise it returns at once.
    """
    # One wait suffices: ``back`` plus ONE_TEST is far less than a day, so no second midnight.
    await asyncio.sleep(seconds_to_wait(datetime.now(UTC), zone, back, ONE_TEST))


# --- the bot's database (either backend), as an operator would inspect it -----------------------


async def readings(world: World, member: Member | int) -> list[Row]:
    user_id = member if isinstance(member, int) else member.id
    return await world.query(
        "SELECT * FROM reading_log WHERE user_id = ? ORDER BY read_on, id", (user_id,)
    )


async def seed_readings(
    world: World, user_id: int, days: Sequence[date], ref: str = SECTIONS[0]
) -> None:
    """Readings as the bot records them (one per day and passage), at noon UTC of each day, in
    one multi-row INSERT (one connection and transaction however many days)."""
    document, section = ref.split(":")
    params: list[Any] = []
    for day in days:
        created = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        params += [world.guild.id, user_id, document, section, ref, day.isoformat()]
        params += [created.isoformat(timespec="seconds"), "command"]
    values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(days))
    await world.execute(
        "INSERT INTO reading_log (guild_id, user_id, document, section, ref, read_on, "
        f"created_at, source) VALUES {values}",
        params,
    )


def run_of(last: date, length: int) -> list[date]:
    return [last - timedelta(days=i) for i in range(length)]


async def settings_of(world: World, member: Member) -> Row | None:
    rows = await world.query("SELECT * FROM member_settings WHERE user_id = ?", (member.id,))
    return rows[0] if rows else None


def field_values(embed: dict[str, Any]) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed.get("fields", [])}


def footer(embed: dict[str, Any]) -> str:
    return str((embed.get("footer") or {}).get("text", ""))


async def read_today(world: World, member: Member, section: str = CLASS_SECTION) -> date:
    """Mark a section read through the bot; the member's day as the bot recorded it."""
    reply = await member.run("/read section", section=section)
    assert reply.ephemeral and "as read" in reply.content, reply.content
    return date.fromisoformat((await readings(world, member))[-1]["read_on"])


# --- recording reading -------------------------------------------------------------------------


async def test_read_section_counts_once_a_day_and_undo_removes_it(world: World) -> None:
    alice = world.alice
    await on_one_day()  # "already marked" and "still one streak day" hold within one day
    everything = await alice.autocomplete("/read section", "section", "")
    assert len(everything) == 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in everything)
    choices = await alice.autocomplete("/read section", "section", "class of the new")
    assert choices[0] == {
        "name": "COMMUNIST MANIFESTO OF THE TWENTY-FIRST CENTURY › "
        "II. THE CLASS OF THE NEW CENTURY",
        "value": CLASS_SECTION,
    }

    before = datetime.now(SERVER_ZONE)
    first = await alice.run("/read section", section=choices[0]["value"])
    after = datetime.now(SERVER_ZONE)
    assert first.ephemeral
    assert (
        first.content
        == "Marked “II. THE CLASS OF THE NEW CENTURY” as read. Your streak: **1 day**."
    )
    again = await alice.run("/read section", section=CLASS_SECTION)
    assert again.ephemeral and "already marked" in again.content and "**1 day**" in again.content
    rows = await readings(world, alice)
    assert [(r["document"], r["section"], r["ref"], r["source"]) for r in rows] == [
        ("technocommunist", "the-class-of-the-new-century", CLASS_SECTION, "command")
    ]
    # The server's zone (UTC by default) decides the day of a member without a zone of their own.
    assert rows[0]["read_on"] in {before.date().isoformat(), after.date().isoformat()}

    # Another section the same day is a second reading, but still one streak day.
    second = await alice.run("/read section", section="anti-ai:introduction")
    assert "Your streak: **1 day**" in second.content
    assert len(await readings(world, alice)) == 2

    # A section that does not exist: a clear private answer, with suggestions, and nothing stored.
    unknown = await alice.run("/read section", section="The Kingdom of Freedom")
    assert unknown.ephemeral
    assert unknown.content.startswith("There is no section “The Kingdom of Freedom”.")
    typo = await alice.run("/read section", section="introduction")
    assert typo.ephemeral and "`anti-ai:introduction`" in typo.content
    assert len(await readings(world, alice)) == 2

    undone = await alice.run("/read undo")
    assert undone.ephemeral and "`anti-ai:introduction`" in undone.content
    assert [r["ref"] for r in await readings(world, alice)] == [CLASS_SECTION]
    await alice.run("/read undo")
    assert await readings(world, alice) == []

    # Undo with nothing to undo: said clearly, privately, and nothing else changes.
    await seed_readings(world, world.bob.id, [after.date()])
    log = [tuple(row) for row in await world.query("SELECT * FROM reading_log ORDER BY id")]
    nothing = await alice.run("/read undo")
    assert nothing.ephemeral
    assert nothing.content == "There is no reading of yours on this server to undo."
    unchanged = [tuple(row) for row in await world.query("SELECT * FROM reading_log ORDER BY id")]
    assert len(unchanged) == 1 and unchanged == log


async def test_progress_shows_a_bar_per_text(world: World) -> None:
    alice = world.alice
    empty = await alice.run("/progress")
    assert empty.ephemeral
    assert empty.embed["description"].count("0%") == 2

    for section in ("anti-ai:opening", "anti-ai:introduction", CLASS_SECTION):
        await alice.run("/read section", section=section)
    # A passage of a section read with the button counts for its section too (seeded here).
    await seed_readings(
        world, alice.id, [datetime.now(UTC).date() - timedelta(days=3)], "anti-ai:opening"
    )

    reply = await alice.run("/progress")
    assert reply.ephemeral and reply.embed["title"] == "Your reading progress"
    blocks = reply.embed["description"].split("\n\n")
    assert blocks == [
        "**Manifesto of the Anti-AI Movement**\n`▰▰▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱` 2/16 sections (12%)",
        "**COMMUNIST MANIFESTO OF THE TWENTY-FIRST CENTURY**\n"
        "`▰▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱▱` 1/12 sections (8%)",
    ]

    one = await alice.run("/progress", document="technocommunist")
    assert one.embed["description"].count("sections") == 1
    assert "1/12 sections" in one.embed["description"]

    bad = await alice.run("/progress", document="the capital")
    assert bad.ephemeral and not bad.embeds and bad.content


# --- /streak -----------------------------------------------------------------------------------


async def test_streak_embed_with_heatmap_over_a_seeded_history(world: World) -> None:
    alice = world.alice
    await on_one_day()  # /streak must see the same "today" as the reading it follows
    today = await read_today(world, alice)
    # Four days before today (current streak 5), a gap, and an older run of seven (the longest);
    # the day before yesterday has three readings, the heatmap's third level.
    await seed_readings(world, alice.id, run_of(today - timedelta(days=1), 4))
    await seed_readings(world, alice.id, [today - timedelta(days=2)], SECTIONS[1])
    await seed_readings(world, alice.id, [today - timedelta(days=2)], SECTIONS[2])
    await seed_readings(world, alice.id, run_of(today - timedelta(days=20), 7))
    last = datetime.fromisoformat((await readings(world, alice))[-1]["created_at"])

    reply = await alice.run("/streak")
    assert not reply.ephemeral  # your own streak is yours to show
    embed = reply.embed
    assert embed["title"] == "Alice's reading streak"
    assert field_values(embed) == {
        "Current": "5 days",
        "Longest": "7 days",
        "Last reading": f"<t:{int(last.timestamp())}:R>",
    }
    assert footer(embed) == "Last 26 weeks in UTC: 12 days, 14 readings"
    assert embed["image"]["url"] == "attachment://heatmap.png"
    (attachment,) = reply.attachments
    assert attachment.filename == "heatmap.png"
    assert attachment.data.startswith(b"\x89PNG\r\n\x1a\n")
    png = Image.open(io.BytesIO(attachment.data))
    assert png.format == "PNG" and png.size == image_size()
    png.verify()  # every chunk and its checksum
    image = Image.open(io.BytesIO(attachment.data)).convert("RGB")

    start = week_start(today) - timedelta(weeks=WEEKS - 1)

    def colour(day: date, corner: bool = False) -> tuple[int, int, int]:
        offset = (day - start).days
        x, y = cell_origin(offset // 7, offset % 7)
        pixel = image.getpixel((x, y) if corner else (x + 5, y + 5))
        assert isinstance(pixel, tuple)
        return (pixel[0], pixel[1], pixel[2])

    assert colour(today) == LEVELS[1] and colour(today, corner=True) == TODAY_OUTLINE
    assert colour(today - timedelta(days=2)) == LEVELS[3]
    assert colour(today - timedelta(days=1)) == LEVELS[1]
    assert colour(today - timedelta(days=10)) == LEVELS[0]
    assert colour(today - timedelta(days=23)) == LEVELS[1]


async def test_streak_of_a_member_who_opted_out_shows_only_what_is_public(world: World) -> None:
    alice, bob = world.alice, world.bob
    await read_today(world, bob)
    hidden = await bob.run("/me privacy", hidden=True)
    assert hidden.ephemeral and "left out of leaderboards" in hidden.content
    assert (await settings_of(world, bob))["private"] == 1  # type: ignore[index]

    asked = await alice.run("/streak", member=bob)
    assert asked.ephemeral
    assert asked.content == "Bob keeps their streak private."
    assert not asked.embeds and not asked.attachments
    assert "1 day" not in asked.text

    # Bob still sees his own, privately, as his progress; a member who did not opt out can be
    # looked at (privately).
    own = await bob.run("/streak")
    assert own.ephemeral and field_values(own.embed)["Current"] == "1 day" and own.attachments
    assert (await bob.run("/progress")).ephemeral
    await read_today(world, alice)
    other = await bob.run("/streak", member=alice)
    assert other.ephemeral and other.embed["title"] == "Alice's reading streak"
    assert field_values(other.embed)["Current"] == "1 day" and other.attachments

    # Back in public view.
    shown = await bob.run("/me privacy", hidden=False)
    assert "appear on leaderboards" in shown.content
    assert not (await bob.run("/streak")).ephemeral
    again = await alice.run("/streak", member=bob)
    assert field_values(again.embed)["Current"] == "1 day"


# --- /leaderboard ------------------------------------------------------------------------------


def board_lines(embed: dict[str, Any]) -> list[str]:
    return str(embed.get("description", "")).split("\n")


async def test_leaderboards_page_and_leave_out_members_who_opted_out(world: World) -> None:
    alice, bob, mod = world.alice, world.bob, world.mod
    await on_one_day()  # "this week" and "this month" are those of the seeded readings
    today = await read_today(world, alice)  # alice: a streak of 1
    # Twenty-three seeded readers with streaks 2..24, and bob on top with 30 who then opts out.
    others = [9_000 + n for n in range(2, 25)]
    for n, user_id in zip(range(2, 25), others, strict=True):
        await seed_readings(world, user_id, run_of(today, n))
    await seed_readings(world, bob.id, run_of(today, 30))
    await seed_readings(world, bob.id, [today], SECTIONS[3])  # and the most sections
    await bob.run("/me privacy", hidden=True)

    first = await alice.run("/leaderboard")
    assert not first.ephemeral
    embed = first.embed
    assert embed["title"] == "Longest current streaks — all time"
    lines = board_lines(embed)
    assert len(lines) == 10
    assert lines[0] == f"**1.** <@{others[-1]}> — 24 days"
    assert lines[9] == f"**10.** <@{others[-10]}> — 15 days"
    assert f"<@{bob.id}>" not in embed["description"]
    assert field_values(embed)["You"] == "place 24 — 1 day"
    assert footer(embed).startswith("Page 1 of 3")
    assert first.message.find_component("Previous")["disabled"] is True
    assert first.message.find_component("Next").get("disabled") in (None, False)
    # Mentions name people without pinging them.
    assert first.interaction.original is not None
    create = next(r for r in first.requests if r.json and "data" in r.json)
    assert create.json["data"]["allowed_mentions"] == {"parse": []}

    # The asker turns pages in place; the last page ends with her.
    second = await alice.click(first, "Next")
    assert second.response_type == 7
    assert footer(second.message.embed).startswith("Page 2 of 3")
    assert board_lines(second.message.embed)[0] == f"**11.** <@{others[-11]}> — 14 days"
    third = await alice.click(second.message, "Next")
    last_page = board_lines(third.message.embed)
    assert last_page[-1] == f"**24.** <@{alice.id}> — 1 day"
    assert third.message.find_component("Next")["disabled"] is True
    back = await alice.click(third.message, "Previous")
    assert footer(back.message.embed).startswith("Page 2 of 3")

    # Someone else pressing gets their own copy privately; alice's message stays on page 2.
    mods = await mod.click(first.message, "Previous")
    assert mods.ephemeral and footer(mods.embed).startswith("Page 1 of 3")
    assert "You" not in field_values(mods.embed)  # mod has no streak
    assert footer(first.message.embed).startswith("Page 2 of 3")

    # Bob opted out: absent from every page, but he sees his own place.
    bobs = await bob.run("/leaderboard")
    assert f"<@{bob.id}>" not in bobs.embed["description"]
    assert field_values(bobs.embed)["You"] == "place 1 — 30 days"

    # Sections read: one each this week, this month and ever, so everyone shown shares the first
    # place; bob's two would top every board were he not hidden.
    for period, title in (("week", "this week"), ("month", "this month"), ("all", "all time")):
        board = await alice.run("/leaderboard", kind="sections", period=period)
        assert board.embed["title"] == f"Sections read — {title}"
        assert footer(board.embed).startswith("Page 1 of 3")  # 23 seeded members and alice
        lines = board_lines(board.embed)
        assert len(lines) == 10 and all(line.startswith("**1.** ") for line in lines), lines
        assert all(line.endswith(" — 1 section") for line in lines), lines
        assert field_values(board.embed)["You"] == "place 1 — 1 section"
    bobs_sections = await bob.run("/leaderboard", kind="sections", period="week")
    assert field_values(bobs_sections.embed)["You"] == "place 1 — 2 sections"

    # A streak board for a period lists the streaks of those who read in it.
    streak_week = await alice.run("/leaderboard", kind="streak", period="week")
    assert board_lines(streak_week.embed)[0] == f"**1.** <@{others[-1]}> — 24 days"


async def test_attendance_leaderboard_leaves_out_private_members(world: World) -> None:
    alice, bob = world.alice, world.bob
    await on_one_day(back=120)  # both meetings in this week
    now = int(time.time())
    for offset, present in ((120, [bob]), (60, [bob, alice])):
        started = now - offset
        await world.execute(
            "INSERT INTO meetings (guild_id, title, started_at, ended_at) VALUES (?, ?, ?, ?)",
            (world.guild.id, "Reading", started, started + 30),
        )
        for member in present:
            await world.execute(
                "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
                "VALUES ((SELECT id FROM meetings WHERE guild_id = ? AND started_at = ?), ?, "
                "'button', ?)",
                (world.guild.id, started, member.id, started),
            )
    board = await alice.run("/leaderboard", kind="attendance", period="week")
    assert board.embed["title"] == "Meeting attendance — this week"
    assert board_lines(board.embed) == [
        f"**1.** <@{bob.id}> — 100% (2/2)",
        f"**2.** <@{alice.id}> — 50% (1/2)",
    ]
    await bob.run("/me privacy", hidden=True)
    hidden = await alice.run("/leaderboard", kind="attendance", period="all")
    assert board_lines(hidden.embed) == [f"**1.** <@{alice.id}> — 50% (1/2)"]
    own = await bob.run("/leaderboard", kind="attendance", period="all")
    assert field_values(own.embed)["You"] == "place 1 — 100%"


# --- /me timezone ------------------------------------------------------------------------------


async def test_timezone_autocomplete_unknown_zone_and_the_day_it_decides(world: World) -> None:
    alice = world.alice
    suggestions = await alice.autocomplete("/me timezone", "zone", "berl")
    assert suggestions[0] == {"name": "Europe/Berlin", "value": "Europe/Berlin"}
    assert len(suggestions) <= 25
    common = await alice.autocomplete("/me timezone", "zone", "")
    assert {"name": "UTC", "value": "UTC"} in common

    unknown = await alice.run("/me timezone", zone="Mars/Olympus_Mons")
    assert unknown.ephemeral
    assert unknown.content.startswith("“Mars/Olympus_Mons” is not a time zone I know.")
    assert await settings_of(world, alice) is None

    tokyo = await alice.run("/me timezone", zone="asia/tokyo")
    assert tokyo.ephemeral and "**Asia/Tokyo**" in tokyo.content
    assert (await settings_of(world, alice))["timezone"] == "Asia/Tokyo"  # type: ignore[index]
    again = await alice.run("/me timezone", zone="Europe/Nowhere")
    assert again.ephemeral and "not a time zone" in again.content
    assert (await settings_of(world, alice))["timezone"] == "Asia/Tokyo"  # type: ignore[index]

    # Readings count for the member's own calendar day, and /streak says which zone it uses.
    before = datetime.now(TOKYO)
    day = await read_today(world, alice)
    assert day in {before.date(), datetime.now(TOKYO).date()}
    streak = await alice.run("/streak")
    assert footer(streak.embed).startswith("Last 26 weeks in Asia/Tokyo:")

    reset = await alice.run("/me timezone")
    assert "server's time zone" in reset.content
    assert (await settings_of(world, alice))["timezone"] is None  # type: ignore[index]


# --- /me reminder ------------------------------------------------------------------------------


async def make_due(world: World, *members: Member) -> int:
    """Stop the bot, make the members' reminders due a second from now, start it again."""
    await world.bot.stop()
    due = int(time.time()) + 1
    for member in members:
        changed = await world.execute(
            "UPDATE member_settings SET reminder_next_at = ? WHERE user_id = ?", (due, member.id)
        )
        assert changed == 1, member
    await world.start_bot()
    return due


async def reminder_next(world: World, member: Member) -> datetime | None:
    """The member's next reminder, in Tokyo time (where bob lives in these tests)."""
    row = await settings_of(world, member)
    at = None if row is None else row["reminder_next_at"]
    return None if at is None else datetime.fromtimestamp(at, TOKYO)


async def test_reminders_are_sent_when_due_and_a_refused_dm_turns_them_off(world: World) -> None:
    alice, bob, mod = world.alice, world.bob, world.mod
    await on_one_day()  # mod's reading still counts as today's when the reminders fall due
    bad = await bob.run("/me reminder", time="25:00")
    assert bad.ephemeral and "is not a time of day" in bad.content
    assert await settings_of(world, bob) is None

    answer = await bob.run("/me reminder", time="20:30")
    assert answer.ephemeral and answer.content.startswith("I will DM you at 20:30")
    row = await settings_of(world, bob)
    assert row is not None and row["reminder_minute"] == 20 * 60 + 30
    next_at = datetime.fromtimestamp(row["reminder_next_at"], UTC)
    assert next_at > datetime.now(UTC) - timedelta(seconds=5)
    assert next_at - datetime.now(UTC) <= timedelta(days=1)
    assert (next_at.hour, next_at.minute) == (20, 30)  # the server's zone, UTC
    assert f"<t:{row['reminder_next_at']}:f>" in answer.content

    # The time is a local time: moving to Tokyo moves the pending reminder to 20:30 there.
    await bob.run("/me timezone", zone="Asia/Tokyo")
    tokyo = await reminder_next(world, bob)
    assert tokyo is not None and (tokyo.hour, tokyo.minute) == (20, 30)
    assert tokyo > datetime.now(UTC) - timedelta(seconds=5)

    await alice.run("/me reminder", time="07:00")
    alice.block_dms()
    await mod.run("/me reminder", time="7h15")
    await read_today(world, mod)  # mod has read today: no DM needed

    due = await make_due(world, alice, bob, mod)
    await world.discord.wait_for(
        lambda: world.discord.dm_channel(bob.user) is not None, what="a DM channel with bob"
    )
    dm = world.discord.dm_channel(bob.user)
    assert dm is not None
    message = await world.discord.wait_for_message(dm, contains="not read today")
    assert message.allowed_mentions == {"parse": []}
    await world.bot.wait_for_log("reminder turned off")

    # Bob's next reminder is his next 20:30; mod's moved on without a DM.

    async def bob_moved_on() -> bool:
        return await reminder_next(world, bob) != datetime.fromtimestamp(due, TOKYO)

    await until(bob_moved_on, what="bob's reminder to move to its next time")
    bob_next = await reminder_next(world, bob)
    assert bob_next is not None and (bob_next.hour, bob_next.minute) == (20, 30)
    assert bob_next > datetime.now(UTC)
    mod_row = await settings_of(world, mod)
    assert mod_row is not None and mod_row["reminder_next_at"] > time.time()
    mods_dm = world.discord.dm_channel(mod.user)
    assert mods_dm is None or not mods_dm.visible_messages()

    # Alice's DM was refused: her reminder is off, and her next command says so, once.
    alice_row = await settings_of(world, alice)
    assert alice_row is not None
    assert alice_row["reminder_minute"] is None and alice_row["reminder_next_at"] is None
    reply = await alice.run("/progress")
    (notice,) = await reply.wait_for_followups(1)
    assert notice.ephemeral and "reminder is off" in notice.content
    assert "/me reminder" in notice.content
    assert (await settings_of(world, alice))["reminder_failed"] == 0  # type: ignore[index]
    later = await alice.run("/progress")
    await asyncio.sleep(0.3)
    assert later.followups == []

    off = await mod.run("/me reminder", time="off")
    assert off.ephemeral and off.content == "Your reading reminder is off."
    assert await reminder_next(world, mod) is None

    # The reminders went out as DMs only, one to bob, nothing in the server's channels.
    posts = world.discord.calls("POST /channels/{channel_id}/messages")
    assert {int(call.params["channel_id"]) for call in posts if call.ok} == {dm.id}
    assert len(dm.visible_messages()) == 1


# --- /me export and /me forget -----------------------------------------------------------------


async def test_export_includes_streak_data_and_forget_removes_it(world: World) -> None:
    alice = world.alice
    await on_one_day(PARIS)  # the streak of 3 (then 2) ends on alice's today
    await alice.run("/me timezone", zone="Europe/Paris")
    today = await read_today(world, alice)
    await seed_readings(world, alice.id, run_of(today - timedelta(days=1), 2))
    await alice.run("/streak")
    await alice.run("/me reminder", time="21:00")
    await read_today(world, world.bob)

    exported = await alice.run("/me export")
    assert exported.ephemeral
    (attachment,) = exported.attachments
    data = json.loads(attachment.data)["data"]
    assert [row["read_on"] for row in data["reading_log"]] == [
        d.isoformat() for d in sorted(run_of(today, 3))
    ]
    (settings,) = data["member_settings"]
    assert settings["timezone"] == "Europe/Paris" and settings["reminder_minute"] == 21 * 60
    (stats,) = data["streaks"]
    assert (stats["current"], stats["longest"], stats["sections"]) == (3, 3, 2)
    assert all(row.get("user_id", alice.id) == alice.id for area in data.values() for row in area)

    # Undoing a reading shows in the next export, not a stale figure.
    await alice.run("/read undo")
    after_undo = json.loads((await alice.run("/me export")).attachments[0].data)["data"]
    assert len(after_undo["reading_log"]) == 2
    assert [row["current"] for row in after_undo["streaks"]] == [2]

    ask = await alice.run("/me forget")
    done = await alice.click(ask, "Delete my data")
    assert "rows about you were deleted" in done.message.content
    for table in ("reading_log", "member_settings", "member_stats"):
        [count] = await world.query(
            f"SELECT COUNT(*) AS n FROM {table} WHERE user_id = ?", (alice.id,)
        )
        assert count["n"] == 0, table
    assert len(await readings(world, world.bob)) == 1  # nobody else's data
    empty = json.loads((await alice.run("/me export")).attachments[0].data)["data"]
    assert all(rows == [] for rows in empty.values())


# --- Mark as read on /quote --------------------------------------------------------------------


async def test_mark_as_read_button_on_a_quote(world: World) -> None:
    alice, bob = world.alice, world.bob
    await on_one_day()  # a second press on a new day would be a new reading
    quote = await alice.run("/quote", reference="anti-ai immediate 1")
    assert "Mark as read" in quote.message.button_labels

    pressed = await bob.click(quote, "Mark as read")
    assert pressed.ephemeral and pressed.response_type == 4
    assert "as read" in pressed.content and "**1 day**" in pressed.content
    twice = await bob.click(quote, "Mark as read")
    assert "already marked" in twice.content
    (row,) = await readings(world, bob)
    assert (row["document"], row["section"], row["ref"], row["source"]) == (
        "anti-ai",
        "immediate-demands",
        "anti-ai:immediate-demands:1",
        "quote",
    )
    assert await readings(world, alice) == []  # the button counts for whoever presses it
    progress = await bob.run("/progress", document="anti-ai")
    assert "1/16 sections" in progress.embed["description"]
