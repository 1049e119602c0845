"""Scheduled prompts through the emulator and the real bot process (issue 5).

The bot reads real time, so runs are made due a couple of seconds ahead by writing
``next_run_at`` in its database and waking the scheduler with an edit (the same wake-up every
change uses), or by changing the database while the bot is stopped. Discord's side (nonce
windows) is moved with the emulator's clock.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.actions import Actor
from bot.actions import prompts as actions
from bot.library.model import Document
from bot.scheduling.content import PostPayload
from bot.storage import Database
from bot.storage.database import Row
from tests.e2e.conftest import World
from tests.e2e.waiting import until
from tests.emulator import (
    Channel,
    ClientRefused,
    Emulator,
    Fault,
    Guild,
    InteractionResult,
    Member,
    Message,
    Overwrite,
    Permission,
    RecordedRequest,
)
from tests.emulator.interactions import run_command

pytestmark = pytest.mark.backends("sqlite", "postgresql")

POST_ROUTE = "POST /channels/{channel_id}/messages"
STAMP = re.compile(r"<t:(\d+):f>")


# --- helpers ------------------------------------------------------------------------------------


async def command(member: Member, text: str, **options: Any) -> InteractionResult:
    """``member`` runs ``text`` in #general. ``/prompt add`` and ``/settings log-channel`` have an
    option called ``channel``, which ``Member.run`` keeps for where the command is typed, so the
    options go to the emulator as a mapping."""
    return await run_command(
        member._emu, member, text, options, channel=None, timeout=10.0, wait=True, locale="en-US"
    )


async def prompt(member: Member, sub: str, **options: Any) -> InteractionResult:
    return await command(member, f"/prompt {sub}", **options)


async def schedule_row(world: World, schedule_id: int) -> Row:
    found = await world.query("SELECT * FROM prompt_schedules WHERE id = ?", (schedule_id,))
    assert found, f"no schedule #{schedule_id}"
    return found[0]


async def count_schedules(world: World) -> int:
    [row] = await world.query("SELECT COUNT(*) AS n FROM prompt_schedules")
    return int(row["n"])


def added_id(reply: InteractionResult) -> int:
    found = re.search(r"Prompt #(\d+) added", reply.text)
    assert found, reply.text
    return int(found.group(1))


def next_runs(text: str) -> list[int]:
    line = next(line for line in text.splitlines() if line.startswith("Next runs:"))
    return [int(s) for s in STAMP.findall(line)]


def next_post_section(text: str) -> str:
    return text.split("**Next post**", 1)[1]


def wall_times(
    now: datetime, zone: str, at: tuple[int, int], weekday: int | None = None, count: int = 5
) -> list[int]:
    """The next ``count`` local wall times at ``at`` (on ``weekday``), computed day by day here so
    the bot's rrule arithmetic is checked against something independent."""
    tz = ZoneInfo(zone)
    day: date = now.astimezone(tz).date() - timedelta(days=1)
    found: list[int] = []
    while len(found) < count:
        if weekday is None or day.weekday() == weekday:
            moment = datetime(day.year, day.month, day.day, *at, tzinfo=tz)
            if moment > now:
                found.append(int(moment.timestamp()))
        day += timedelta(days=1)
    return found


async def make_due(world: World, schedule_id: int, at: float) -> None:
    """Set the schedule's next run to ``at`` (unix seconds) and wake the scheduler with an edit
    that changes nothing else, as any moderator's change wakes it."""
    await world.execute(
        "UPDATE prompt_schedules SET next_run_at = ? WHERE id = ?", (int(at), schedule_id)
    )
    reply = await prompt(world.mod, "edit", prompt=schedule_id)
    assert f"Prompt #{schedule_id} updated" in reply.text, reply.text


def bot_posts(channel: Channel) -> list[Message]:
    return [m for m in channel.visible_messages() if m.author.bot]


def prompt_posts(discord: Emulator, channel: Channel) -> list[RecordedRequest]:
    return [
        r
        for r in discord.calls(POST_ROUTE)
        if r.params.get("channel_id") == str(channel.id)
        and isinstance(r.json, dict)
        and str(r.json.get("nonce", "")).startswith("prompt-")
    ]


def is_prompt_post(record: RecordedRequest) -> bool:
    return isinstance(record.json, dict) and str(record.json.get("nonce", "")).startswith("prompt-")


def delete_channel(discord: Emulator, guild: Guild, channel: Channel) -> None:
    """An admin deletes a channel (the emulator has no API for it yet)."""
    discord.channels.pop(channel.id, None)
    guild.channels.pop(channel.id, None)
    discord.dispatch_guild_event(guild, "CHANNEL_DELETE", channel.payload())


async def settle(seconds: float) -> None:
    """Give the bot time in which it must *not* do something (a second post, a retry)."""
    await asyncio.sleep(seconds)


# --- adding, previewing, posting on time, Mark as read -------------------------------------------


async def test_add_previews_exact_post_then_posts_once_on_time_with_thread_and_ping(
    world: World,
) -> None:
    discord, guild, mod, alice = world.discord, world.guild, world.mod, world.alice
    general = guild.channel("general")
    readers = guild.add_role("Readers", mentionable=True)
    now = datetime.now(UTC)

    # A fixed question, daily at 18:00 in the server's zone (UTC by default).
    fixed = await prompt(
        mod,
        "add",
        channel=general,
        content="question",
        repeat="daily",
        time="18:00",
        question="What is *work* for?",
    )
    assert fixed.ephemeral
    assert next_runs(fixed.text) == wall_times(now, "UTC", (18, 0))
    assert "**Discussion question**\nWhat is \\*work\\* for?" in next_post_section(fixed.text)

    # A reading plan, Sundays 18:00 Berlin, a thread per post and a role ping. The discussion
    # question names @everyone and alice: neither may be pinged, only the role.
    question = f"Who agrees, @everyone? Ask <@{alice.id}>."
    plan = await prompt(
        mod,
        "add",
        channel=general,
        content="reading",
        repeat="weekly",
        days="sun",
        time="18:00",
        timezone="Europe/Berlin",
        document="anti-ai",
        question=question,
        thread="On {title}",
        archive=60,
        ping=readers,
    )
    assert plan.ephemeral
    plan_id = added_id(plan)
    assert next_runs(plan.text) == wall_times(now, "Europe/Berlin", (18, 0), weekday=6)
    assert f"Pings <@&{readers.id}>" in plan.text
    row = await schedule_row(world, plan_id)
    assert (row["channel_id"], row["creator_id"], row["ping_role_id"], row["status"]) == (
        general.id,
        mod.id,
        readers.id,
        "active",
    )
    assert (row["thread_name"], row["thread_archive_minutes"]) == ("On {title}", 60)
    assert await count_schedules(world) == 2
    assert bot_posts(general) == []

    # Due in two seconds (real time): it posts once, on time.
    due = int(time.time()) + 2
    await make_due(world, plan_id, due)
    post = await discord.wait_for_message(general, contains="Reading", timeout=10)
    lateness = post.created_at - due
    assert -0.05 <= lateness <= 1.5, f"posted {lateness:.3f}s after it was due"

    # Exactly what the preview showed.
    preview = next_post_section(plan.text)
    assert post.content and post.content in preview
    assert f"> **{post.embed['title']}**" in preview
    assert post.embed["title"] == "Opening"
    first_line = post.embed["description"].splitlines()[0]
    assert f"> {first_line}" in preview
    assert "Thread: **On Opening**" in preview
    # The role, and only the role, is pinged.
    sent = prompt_posts(discord, general)[0].json
    assert sent["allowed_mentions"]["parse"] == []
    assert [str(r) for r in sent["allowed_mentions"]["roles"]] == [str(readers.id)]
    assert set(sent["allowed_mentions"]) <= {"parse", "roles", "replied_user"}
    assert not sent["allowed_mentions"].get("replied_user")
    assert post.mention_roles == [readers.id]
    assert post.mentions == [] and not post.mention_everyone
    # Its thread, named from the post, with the chosen auto-archive time.
    await wait_for_run(world, plan_id, "posted")
    thread = post.thread
    assert thread is not None and thread.name == "On Opening"
    assert thread.auto_archive_duration == 60
    assert post.button_labels == ["Mark as read"]

    # Recorded once; the schedule moved on to the next Sunday and the next section.
    await settle(1.0)
    assert len(bot_posts(general)) == 1
    assert len(prompt_posts(discord, general)) == 1
    runs = await world.query("SELECT * FROM prompt_runs WHERE schedule_id = ?", (plan_id,))
    assert len(runs) == 1
    assert (runs[0]["status"], runs[0]["due_at"], runs[0]["message_id"], runs[0]["thread_id"]) == (
        "posted",
        due,
        post.id,
        thread.id,
    )
    row = await schedule_row(world, plan_id)
    assert row["next_run_at"] == wall_times(datetime.now(UTC), "Europe/Berlin", (18, 0), 6)[0]
    assert json.loads(row["state"])["next"] not in (None, "opening")

    # Mark as read records alice's reading, once a day.
    marked = await alice.click(post, "Mark as read")
    assert marked.ephemeral and "Marked `anti-ai:opening` as read" in marked.text
    again = await alice.click(post, "Mark as read")
    assert again.ephemeral and "already marked" in again.text
    log = await world.query("SELECT * FROM reading_log")
    assert len(log) == 1
    assert (
        log[0]["guild_id"],
        log[0]["user_id"],
        log[0]["document"],
        log[0]["section"],
        log[0]["ref"],
        log[0]["source"],
    ) == (guild.id, alice.id, "anti-ai", "opening", "anti-ai:opening", "prompt")

    # Rewording the plan's question, or changing its thread, ping or time, keeps its place: the
    # next post is still the section after Opening, in the preview and in the database.
    position = json.loads((await schedule_row(world, plan_id))["state"])
    changes: list[dict[str, Any]] = [
        {"question": "What changed since?"},
        {"thread": "Talk: {title}", "archive": 1440},
        {"no_ping": True},
        {"repeat": "weekly", "days": "sat", "time": "19:00"},
    ]
    for change in changes:
        edited = await prompt(mod, "edit", prompt=plan_id, **change)
        assert f"Prompt #{plan_id} updated" in edited.text, (change, edited.text)
        upcoming = next_post_section(edited.text)
        assert "> **" in upcoming and "> **Opening**" not in upcoming, (change, upcoming)
        assert json.loads((await schedule_row(world, plan_id))["state"]) == position, change
    assert "**Discussion:** What changed since?" in upcoming


# --- list, edit, pause, resume, skip-next, run-now, remove ---------------------------------------


async def test_list_pages_and_every_management_command(world: World) -> None:
    discord, guild, mod = world.discord, world.guild, world.mod
    general = guild.channel("general")
    ids = []
    for hour in range(9):
        reply = await prompt(
            mod,
            "add",
            channel=general,
            content="questions",
            repeat="daily",
            time=f"{hour + 8:02d}:00",
            question=f"Q{hour}a?|Q{hour}b?|Q{hour}c?",
        )
        ids.append(added_id(reply))
    assert await count_schedules(world) == 9

    # /prompt list: eight per page, Previous and Next.
    page = await prompt(mod, "list")
    assert page.ephemeral and "(page 1 of 2)" in page.text
    assert [int(i) for i in re.findall(r"`#(\d+)`", page.text)] == ids[:8]
    prev, nxt = page.message.buttons
    assert (prev["label"], bool(prev.get("disabled")), nxt["label"], bool(nxt.get("disabled"))) == (
        "Previous",
        True,
        "Next",
        False,
    )
    assert "<t:" in page.text and ":R>" in page.text
    second = await mod.click(page, "Next")
    assert "(page 2 of 2)" in second.message.content
    assert [int(i) for i in re.findall(r"`#(\d+)`", second.message.content)] == ids[8:]
    assert second.message.buttons[1].get("disabled") is True
    first = await mod.click(second, "Previous")
    assert "(page 1 of 2)" in first.message.content

    target = ids[0]
    # edit: a new time and zone, and a new question list.
    edited = await prompt(
        mod,
        "edit",
        prompt=target,
        repeat="daily",
        time="09:30",
        timezone="America/New_York",
        question="Why read?|Why meet?",
    )
    assert edited.ephemeral and f"Prompt #{target} updated" in edited.text
    assert "A rotating list of 2 questions" in edited.text
    assert next_runs(edited.text) == wall_times(datetime.now(UTC), "America/New_York", (9, 30))
    row = await schedule_row(world, target)
    assert json.loads(row["rule"])["timezone"] == "America/New_York"
    assert row["next_run_at"] == next_runs(edited.text)[0]
    assert json.loads(row["content"])["questions"] == ["Why read?", "Why meet?"]

    # pause, and pausing twice is refused with a sentence.
    paused = await prompt(mod, "pause", prompt=target)
    assert paused.ephemeral and f"Prompt #{target} is paused" in paused.text
    assert (await schedule_row(world, target))["status"] == "paused"
    twice = await prompt(mod, "pause", prompt=target)
    assert twice.ephemeral and "is paused, not running" in twice.text
    listed = await prompt(mod, "list")
    assert "**paused**: by " in listed.text

    # resume: active again, from the next run after now.
    resumed = await prompt(mod, "resume", prompt=target)
    assert resumed.ephemeral and "running again" in resumed.text
    row = await schedule_row(world, target)
    assert row["status"] == "active" and row["paused_reason"] is None
    assert f"<t:{row['next_run_at']}:f>" in resumed.text

    # skip-next: the next run is recorded as skipped and the one after is next.
    before = row["next_run_at"]
    skipped = await prompt(mod, "skip-next", prompt=target)
    assert skipped.ephemeral and f"<t:{before}:f>" in skipped.text
    after = (await schedule_row(world, target))["next_run_at"]
    assert after == wall_times(datetime.fromtimestamp(before, UTC), "America/New_York", (9, 30))[0]
    assert f"<t:{after}:f>" in skipped.text
    runs = await world.query(
        "SELECT status, due_at FROM prompt_runs WHERE schedule_id = ?", (target,)
    )
    assert [(r["status"], r["due_at"]) for r in runs] == [("skipped", before)]

    # run-now: posts the next question now; the timetable stays; the rotation moves on. Discord
    # answers the first try with a 429: the bot waits as told and posts once.
    limited = discord.faults.add(POST_ROUTE, status=429, retry_after=0.5, when=is_prompt_post)
    now_reply = await prompt(mod, "run-now", prompt=target)
    assert now_reply.ephemeral and "timetable is unchanged" in now_reply.text
    post = await discord.wait_for_message(general, contains="Why read?")
    assert post.content == "**Discussion question**\nWhy read?"
    assert limited.hits == 1 and discord.rate_limit_violations == []
    assert len(prompt_posts(discord, general)) == 2
    assert sent_mentions(discord, post) == {"parse": []}

    async def manual_runs() -> list[Row]:
        return await world.query("SELECT * FROM prompt_runs WHERE manual = 1")

    async def manual_posted() -> bool:
        return [r["status"] for r in await manual_runs()] == ["posted"]

    await until(manual_posted, timeout=5, what="the manual run to be recorded")
    manual = await manual_runs()
    assert len(manual) == 1 and manual[0]["message_id"] == post.id
    assert (await schedule_row(world, target))["next_run_at"] == after
    shown = await prompt(mod, "preview", prompt=target)
    assert "Why meet?" in next_post_section(shown.text)

    # remove asks first; only the confirmation removes.
    asked = await prompt(mod, "remove", prompt=target)
    assert asked.ephemeral and "cannot be undone" in asked.text
    assert asked.message.button_labels == [f"Remove prompt #{target}"]
    assert await count_schedules(world) == 9
    done = await mod.click(asked, f"Remove prompt #{target}")
    assert f"Prompt #{target} is removed" in done.message.content
    assert await count_schedules(world) == 8
    assert await world.query("SELECT * FROM prompt_runs WHERE schedule_id = ?", (target,)) == []
    gone = await prompt(mod, "preview", prompt=target)
    assert gone.ephemeral and f"There is no prompt #{target}" in gone.text
    await settle(0.5)
    assert len(bot_posts(general)) == 1

    # Every change is in the audit log, by whom, with before and after.
    logged = await world.query(
        "SELECT action, actor_id, before, after FROM audit_log WHERE target = ? ORDER BY id",
        (f"prompt:{target}",),
    )
    assert [(r["action"], r["actor_id"]) for r in logged] == [
        (action, mod.id)
        for action in (
            "prompt.create",
            "prompt.edit",
            "prompt.pause",
            "prompt.resume",
            "prompt.skip",
            "prompt.run",
            "prompt.remove",
        )
    ]
    assert json.loads(logged[1]["after"])["content"]["questions"] == ["Why read?", "Why meet?"]
    assert logged[-1]["after"] is None

    # Another process (the web app) runs a prompt now through the same action: it claims the
    # run in the database, and the bot, woken by the change signal, posts it, once, at once.
    other = ids[1]
    web = await Database.open(world.database_url or world.database, migrations=[])
    try:
        moderator = Actor(mod.id, guild.id, moderator=True, name="mod")

        async def can_post(channel_id: int, threads: bool) -> int:
            return channel_id

        def no_documents(slug: str) -> Document:
            raise AssertionError(slug)

        asked_at = time.monotonic()
        await actions.run_prompt_now(
            web,
            moderator,
            other,
            check_channel=can_post,
            runner=actions.queue_run(web, no_documents, now=datetime.now(UTC)),
        )
    finally:
        await web.close()
    from_web = await discord.wait_for_message(general, contains="Q1a?", timeout=5)
    assert time.monotonic() - asked_at < 5
    await settle(1.0)
    assert [m.id for m in bot_posts(general) if "Q1a?" in m.content] == [from_web.id]
    [run] = await run_rows(world, other)
    assert (run["status"], run["message_id"], run["manual"]) == ("posted", from_web.id, 1)


def sent_mentions(discord: Emulator, message: Message) -> Any:
    for record in discord.calls(POST_ROUTE):
        if isinstance(record.response, dict) and record.response.get("id") == str(message.id):
            assert isinstance(record.json, dict)
            return record.json.get("allowed_mentions")
    raise AssertionError(f"no POST created message {message.id}")


# --- who may use it ------------------------------------------------------------------------------


async def test_members_are_refused_and_nothing_changes(world: World) -> None:
    guild, mod, alice = world.guild, world.mod, world.alice
    general = guild.channel("general")
    # Discord hides /prompt from members (default permission Manage Server).
    for sub, options in (
        ("list", {}),
        (
            "add",
            {
                "channel": general,
                "content": "question",
                "repeat": "daily",
                "time": "18:00",
                "question": "Hi?",
            },
        ),
    ):
        with pytest.raises(ClientRefused, match="MANAGE_GUILD"):
            await prompt(alice, sub, **options)
    assert await count_schedules(world) == 0

    added = await prompt(
        mod,
        "add",
        channel=general,
        content="question",
        repeat="daily",
        time="18:00",
        question="Stays?",
    )
    schedule_id = added_id(added)
    asked = await prompt(mod, "remove", prompt=schedule_id)

    # The moderator loses the role while the confirmation is open: the code refuses the click.
    mod.remove_role(guild.role("Moderator"))
    refused = await mod.click(asked, f"Remove prompt #{schedule_id}")
    assert refused.ephemeral and "Only the moderator who asked" in refused.text
    with pytest.raises(ClientRefused):
        await prompt(mod, "pause", prompt=schedule_id)
    row = await schedule_row(world, schedule_id)
    assert row["status"] == "active" and await count_schedules(world) == 1


# --- bad input -----------------------------------------------------------------------------------


async def test_bad_input_gets_a_clear_ephemeral_answer_and_stores_nothing(world: World) -> None:
    guild, mod = world.guild, world.mod
    general = guild.channel("general")
    hidden = guild.add_text_channel(
        "secret",
        overwrites=[
            Overwrite(guild.everyone.id, 0, 0, int(Permission.VIEW_CHANNEL)),
            Overwrite(guild.role("Moderator").id, 0, int(Permission.VIEW_CHANNEL), 0),
        ],
    )
    mute = guild.add_text_channel(
        "announcements",
        overwrites=[
            Overwrite(guild.bot_role.id, 0, 0, int(Permission.SEND_MESSAGES)),
        ],
    )
    await settle(0.3)
    base = {
        "channel": general,
        "content": "question",
        "repeat": "daily",
        "time": "18:00",
        "question": "Fine?",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"repeat": "cron", "cron": "61 25 * * *"}, "is not a valid cron expression"),
        ({"timezone": "Mars/Olympus_Mons"}, "Mars/Olympus_Mons"),
        ({"repeat": "once", "date": "2020-01-01 10:00"}, "already past"),
        ({"time": "25:00"}, "25:00"),
        ({"content": "questions", "question": " |  | "}, "question list is empty"),
        ({"content": "reading", "question": None}, "needs a text"),
        ({"channel": hidden}, "I am missing View Channel"),
        ({"channel": mute}, "Send Messages"),
        # Text people will read must show something: no zero-width or blank-only text.
        ({"question": "\u200b \u2060"}, "The question shows nothing"),
        ({"content": "questions", "question": "\u200b|\u3164"}, "question list is empty"),
        ({"thread": "\u200b"}, "The thread name shows nothing"),
    ]
    for change, expected in cases:
        options = {k: v for k, v in {**base, **change}.items() if v is not None}
        reply = await prompt(mod, "add", **options)
        assert reply.ephemeral, (change, reply.text)
        assert expected in reply.text, (change, reply.text)
        assert "went wrong" not in reply.text
    # The list typed into the form: nothing but bullets.
    opened = await prompt(
        mod, "add", channel=general, content="questions", repeat="daily", time="18:00"
    )
    assert opened.modal is not None
    submitted = await mod.submit_modal(opened, {"Questions, one per line": "-\n*\n  \n1."})
    assert submitted.ephemeral and "question list is empty" in submitted.text
    assert await count_schedules(world) == 0
    assert await world.query("SELECT * FROM prompt_runs") == []


# --- exactly once across a crash ---------------------------------------------------------------


async def add_question(
    world: World, text: str, channel: Channel | None = None, **options: Any
) -> int:
    """A daily question at a time of day hours away, so only the test decides when it is due."""
    later = (datetime.now(UTC) + timedelta(hours=6)).strftime("%H:%M")
    reply = await prompt(
        world.mod,
        "add",
        channel=channel or world.guild.channel("general"),
        content="question",
        repeat="daily",
        time=later,
        question=text,
        **options,
    )
    return added_id(reply)


async def run_rows(world: World, schedule_id: int) -> list[Row]:
    return await world.query(
        "SELECT * FROM prompt_runs WHERE schedule_id = ? ORDER BY id", (schedule_id,)
    )


async def wait_for_run(world: World, schedule_id: int, status: str) -> Row:
    """The schedule's latest run, once its status is ``status``."""

    async def done() -> bool:
        found = await run_rows(world, schedule_id)
        return bool(found) and found[-1]["status"] == status

    await until(done, timeout=10, what=f"a {status} run of #{schedule_id}")
    return (await run_rows(world, schedule_id))[-1]


async def crash_while_posting(world: World, schedule_id: int, *, accepted: bool) -> Fault:
    """Make the schedule due, hold its post in Discord for a moment, and SIGKILL the bot while it
    waits: the run is claimed, and Discord then creates the message (``accepted``) or fails."""
    discord = world.discord
    held = discord.faults.add(
        POST_ROUTE, delay=1.0, status=None if accepted else 503, when=is_prompt_post
    )
    await make_due(world, schedule_id, time.time() + 1)
    await discord.wait_for(lambda: held.hits == 1, timeout=10, what="the post to reach Discord")
    assert [r["status"] for r in await run_rows(world, schedule_id)] == ["claimed"]
    await world.bot.kill()
    await discord.wait_for(
        lambda: held.requests[0].status is not None, timeout=10, what="Discord to finish"
    )
    return held


async def test_crash_before_discord_got_the_post_restart_posts_it_once(world: World) -> None:
    discord, general = world.discord, world.guild.channel("general")
    schedule_id = await add_question(world, "Posted after a crash?")
    await crash_while_posting(world, schedule_id, accepted=False)
    assert bot_posts(general) == []

    await world.start_bot()
    run = await wait_for_run(world, schedule_id, "posted")
    posts = bot_posts(general)
    assert [m.content for m in posts] == ["**Discussion question**\nPosted after a crash?"]
    assert run["message_id"] == posts[0].id
    assert "finishing prompt run" in world.bot.log_text()
    # The same nonce both times, so Discord itself would have refused a second message.
    nonces = {r.json["nonce"] for r in prompt_posts(discord, general)}
    assert nonces == {run["nonce"]}
    await settle(1.0)
    assert len(bot_posts(general)) == 1 and len(await run_rows(world, schedule_id)) == 1


async def test_crash_after_discord_accepted_the_post_never_posts_twice(world: World) -> None:
    discord, guild = world.discord, world.guild
    general = guild.channel("general")

    # Restarted within Discord's nonce window, without Read Message History: the nonce
    # alone keeps it to one message.
    guild.set_overwrite(general, guild.bot_role, deny=int(Permission.READ_MESSAGE_HISTORY))
    first = await add_question(world, "Nonce keeps it single?")
    await crash_while_posting(world, first, accepted=True)
    assert len(bot_posts(general)) == 1
    await world.start_bot()
    run = await wait_for_run(world, first, "posted")
    assert [m.id for m in bot_posts(general)] == [run["message_id"]]
    sent = [r for r in prompt_posts(discord, general) if r.json["nonce"] == run["nonce"]]
    assert len(sent) == 2 and sent[0].response["id"] == sent[1].response["id"]
    assert run["posted_at"] == int(bot_posts(general)[0].created_at)
    guild.set_overwrite(general, guild.bot_role)

    # Restarted after Discord has forgotten the nonce (minutes later) but within the grace
    # window: the bot finds its post in the channel instead of sending it again, and opens the
    # thread the crash prevented.
    second = await add_question(world, "Found in the channel?", thread="Talk: {title}")
    await crash_while_posting(world, second, accepted=True)
    accepted = bot_posts(general)[-1]
    assert "Found in the channel?" in accepted.content and accepted.thread is None
    discord.advance_time(minutes=discord.nonce_window / 60 + 1)
    await world.start_bot()
    run = await wait_for_run(world, second, "posted")
    assert run["message_id"] == accepted.id
    assert accepted.thread is not None and accepted.thread.name == "Talk: Found in the channel?"
    assert run["thread_id"] == accepted.thread.id
    # "Last posted" is when the message went out, not when the restart found it.
    assert run["posted_at"] == int(accepted.created_at)
    listed = await prompt(world.mod, "list")
    assert f"last posted <t:{int(accepted.created_at)}:R>" in listed.text, listed.text
    assert len([r for r in prompt_posts(discord, general) if r.json["nonce"] == run["nonce"]]) == 1
    assert "was already posted as message" in world.bot.log_text()
    await settle(1.0)
    assert [m.content.splitlines()[-1] for m in bot_posts(general)] == [
        "Nonce keeps it single?",
        "Found in the channel?",
    ]


# --- missed runs -------------------------------------------------------------------------------


async def test_missed_runs_inside_the_grace_window_post_late_once_older_are_skipped(
    world: World,
) -> None:
    discord, guild = world.discord, world.guild
    general = guild.channel("general")
    inside = await add_question(world, "Missed a little?")
    outside = await add_question(world, "Missed a lot?")
    stale = await add_question(world, "Claimed long ago?")
    await world.bot.stop()

    # A ten-minute grace window; one run missed by five minutes, one by twenty, and a run
    # claimed by a process that died twenty minutes ago without posting it.
    await world.execute(
        "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?)",
        (guild.id, "prompt_grace_minutes", "10"),
    )
    now = int(time.time())
    await world.execute(
        "UPDATE prompt_schedules SET next_run_at = ? WHERE id = ?", (now - 5 * 60, inside)
    )
    await world.execute(
        "UPDATE prompt_schedules SET next_run_at = ? WHERE id = ?", (now - 20 * 60, outside)
    )
    payload = PostPayload(content="**Discussion question**\nClaimed long ago?").to_json()
    await world.execute(
        "INSERT INTO prompt_runs (schedule_id, guild_id, channel_id, due_at, "
        "claimed_at, status, payload, nonce) VALUES (?, ?, ?, ?, ?, 'claimed', ?, ?)",
        (stale, guild.id, general.id, now - 20 * 60, now - 20 * 60, payload, "prompt-999"),
    )
    await world.start_bot()

    late = await discord.wait_for_message(general, contains="Missed a little?")
    assert late.content.startswith("**Discussion question**\nMissed a little?\n")
    assert f"Posted late: this was due <t:{now - 300}:f>" in late.content
    run = await wait_for_run(world, inside, "posted")
    assert (run["late"], run["due_at"], run["message_id"]) == (1, now - 300, late.id)
    await settle(1.0)
    assert [m.id for m in bot_posts(general)] == [late.id]
    assert await run_rows(world, outside) == []
    skipped_to = (await schedule_row(world, outside))["next_run_at"]
    at = dt_time.fromisoformat(json.loads((await schedule_row(world, outside))["rule"])["at"])
    assert skipped_to == wall_times(datetime.now(UTC), "UTC", (at.hour, at.minute))[0]
    assert [r["status"] for r in await run_rows(world, stale)] == ["skipped"]
    log = world.bot.log_text()
    assert "past the grace window" in log and "is now past the grace window: skipped" in log


# --- refused for good ---------------------------------------------------------------------------


async def test_lost_permission_or_deleted_channel_pauses_and_tells_moderators_once(
    world: World,
) -> None:
    discord, guild, mod = world.discord, world.guild, world.mod
    general = guild.channel("general")
    modlog = guild.add_text_channel("mod-log")
    await settle(0.2)
    await command(mod, "/settings log-channel", channel=modlog)

    # Send Messages taken away: the post is refused, the schedule pauses, the log channel hears.
    muted = await add_question(world, "Can I still post?")
    guild.set_overwrite(general, guild.bot_role, deny=int(Permission.SEND_MESSAGES))
    # run-now says at once what is wrong, and posts nothing.
    refused = await prompt(mod, "run-now", prompt=muted)
    assert refused.ephemeral and "I am missing Send Messages" in refused.text, refused.text
    assert prompt_posts(discord, general) == [] and await run_rows(world, muted) == []
    await make_due(world, muted, time.time() + 1)
    notice = await discord.wait_for_message(modlog, contains=f"Prompt #{muted} is paused")
    assert f"I cannot post in <#{general.id}>" in notice.content
    assert f"`/prompt resume {muted}`" in notice.content
    assert sent_mentions(discord, notice) == {"parse": []}
    await settle(1.0)
    row = await schedule_row(world, muted)
    assert row["status"] == "paused" and "cannot post" in row["paused_reason"]
    assert [r["status"] for r in await run_rows(world, muted)] == ["failed"]
    assert len(prompt_posts(discord, general)) == 1, "no retries after a 403"
    assert len(bot_posts(modlog)) == 1
    listed = await prompt(mod, "list")
    assert f"`#{muted}`" in listed.text and "**paused**: I cannot post" in listed.text

    # No log channel, and the channel is deleted: the creator is told by DM.
    await command(mod, "/settings log-channel")
    reading = guild.add_text_channel("reading")
    await settle(0.2)
    gone = await add_question(world, "Where did it go?", channel=reading)
    delete_channel(discord, guild, reading)
    refused = await prompt(mod, "run-now", prompt=gone)
    assert refused.ephemeral and "no longer exists" in refused.text, refused.text
    assert f"`/prompt edit prompt:{gone} channel:`" in refused.text
    assert (await schedule_row(world, gone))["status"] == "active"
    assert await run_rows(world, gone) == []
    await make_due(world, gone, time.time() + 1)

    def dm_notices() -> list[Message]:
        dm = discord.dm_channel(mod.user)
        return [] if dm is None else bot_posts(dm)

    await discord.wait_for(lambda: bool(dm_notices()), timeout=10, what="a DM to the creator")
    assert f"Prompt #{gone} is paused" in dm_notices()[0].content
    await settle(1.0)
    assert len(dm_notices()) == 1 and len(bot_posts(modlog)) == 1
    assert (await schedule_row(world, gone))["status"] == "paused"
    assert len(prompt_posts(discord, reading)) == 1
