"""Moderator actions (both databases): the permission rule, validation, the write and its audit
entry, and the change signal other processes watch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import Actor, NotAModerator
from bot.actions import meetings as meeting_actions
from bot.actions import prompts as actions
from bot.actions.settings import RULES, BadSetting, change_setting
from bot.config import GUILD_DEFAULTS
from bot.library.model import Document
from bot.scheduling.recurrence import ScheduleError
from bot.scheduling.timing import Timing
from bot.storage import audit, changes
from bot.storage import prompts as store
from bot.storage.database import Database
from bot.storage.guild_settings import get_setting

GUILD = 1
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
MOD = Actor(10, GUILD, moderator=True, name="Mod")
MEMBER = Actor(20, GUILD, moderator=False, name="Alice")
FORM = actions.PromptForm(
    channel_id=100, content="question", repeat="daily", timing=Timing(at="18:00"), text="Why?"
)


def no_documents(slug: str) -> Document:
    raise AssertionError(f"no document is read here ({slug})")


async def can_post(channel_id: int, threads: bool) -> int:
    return channel_id


async def entries(db: Database) -> list[audit.AuditEntry]:
    found, _ = await audit.list_entries(db, GUILD, page_size=100)
    return list(reversed(found))


async def create(db: Database, actor: Actor = MOD) -> store.Schedule:
    return await actions.create_prompt(
        db, actor, FORM, documents=no_documents, check_channel=can_post, now=NOW
    )


async def test_members_are_refused_by_every_action_and_nothing_changes(db: Database) -> None:
    schedule = await create(db)
    before = await changes.version(db)
    refused = [
        create(db, MEMBER),
        actions.pause_prompt(db, MEMBER, schedule.id, now=NOW),
        actions.remove_prompt(db, MEMBER, schedule.id, now=NOW),
        change_setting(db, MEMBER, "timezone", "Europe/Paris", now=NOW),
        meeting_actions.start_meeting(
            db,
            MEMBER,
            title="Week 1",
            default_title="",
            text_channel_id=5,
            voice_channel_id=None,
            afk_channel_id=None,
            now=NOW,
        ),
    ]
    for attempt in refused:
        with pytest.raises(NotAModerator):
            await attempt
    assert (await store.get_schedule(db, GUILD, schedule.id)).status == "active"
    assert await get_setting(db, GUILD, "timezone") == "UTC"
    assert [e.action for e in await entries(db)] == ["prompt.create"]
    assert await changes.version(db) == before


async def test_each_prompt_action_is_audited_with_before_and_after(db: Database) -> None:
    schedule = await create(db)
    target = f"prompt:{schedule.id}"
    edited = await actions.edit_prompt(
        db,
        MOD,
        schedule.id,
        actions.PromptChanges(text="Why not?", thread="On {title}"),
        documents=no_documents,
        check_channel=can_post,
        now=NOW,
    )
    assert edited.content.questions == ("Why not?",) and edited.options.thread_name
    paused = await actions.pause_prompt(db, MOD, schedule.id, now=NOW)
    assert paused.paused_reason == "paused by Mod"
    await actions.resume_prompt(db, MOD, schedule.id, now=NOW)
    await actions.skip_next_run(db, MOD, schedule.id, now=NOW)
    await actions.remove_prompt(db, MOD, schedule.id, now=NOW)
    log = await entries(db)
    assert [(e.action, e.target, e.actor_id) for e in log] == [
        (name, target, MOD.user_id)
        for name in (
            "prompt.create",
            "prompt.edit",
            "prompt.pause",
            "prompt.resume",
            "prompt.skip",
            "prompt.remove",
        )
    ]
    created, edit, pause = log[0], log[1], log[2]
    assert created.before is None and created.after["content"]["questions"] == ["Why?"]
    assert edit.before["content"]["questions"] == ["Why?"]
    assert edit.after["content"]["questions"] == ["Why not?"]
    assert (pause.before["status"], pause.after["status"]) == ("active", "paused")
    assert log[-1].after is None and log[-1].before["status"] == "active"


async def test_bad_input_is_refused_before_anything_is_stored(db: Database) -> None:
    async def refuse(channel_id: int, threads: bool) -> int:
        raise ScheduleError("I cannot post there.")

    with pytest.raises(ScheduleError, match="cannot post"):
        await actions.create_prompt(
            db, MOD, FORM, documents=no_documents, check_channel=refuse, now=NOW
        )
    bad_time = actions.PromptForm(100, "question", "daily", Timing(at="25:00"), text="Hi?")
    with pytest.raises(ScheduleError, match="25:00"):
        await actions.create_prompt(
            db, MOD, bad_time, documents=no_documents, check_channel=can_post, now=NOW
        )
    assert await store.count_schedules(db, GUILD) == 0 and await entries(db) == []


async def test_every_prompt_change_moves_the_change_counter(db: Database) -> None:
    start = await changes.version(db)
    schedule = await create(db)
    await actions.pause_prompt(db, MOD, schedule.id, now=NOW)
    assert await changes.version(db) == start + 2


async def test_settings_are_validated_for_every_key_and_audited(db: Database) -> None:
    assert set(RULES) == set(GUILD_DEFAULTS)
    assert await change_setting(db, MOD, "meeting_voice_minutes", "15", now=NOW) == 15
    for key, value in (
        ("meeting_voice_minutes", 0),
        ("audit_retention_days", "soon"),
        ("streak_cadence", "hourly"),
        ("meeting_from_events", "maybe"),
        ("nonsense", 1),
    ):
        with pytest.raises(BadSetting):
            await change_setting(db, MOD, key, value, now=NOW)
    [entry] = await entries(db)
    assert (entry.action, entry.target) == ("setting.change", "setting:meeting_voice_minutes")
    assert (entry.before, entry.after) == (
        {"meeting_voice_minutes": 10},
        {"meeting_voice_minutes": 15},
    )


async def test_meetings_and_corrections_are_audited_naming_the_member(db: Database) -> None:
    meeting = await meeting_actions.start_meeting(
        db,
        MOD,
        title="  Week 1 ",
        default_title="",
        text_channel_id=5,
        voice_channel_id=None,
        afk_channel_id=None,
        now=NOW,
    )
    assert meeting.title == "Week 1"
    await meeting_actions.correct_attendance(db, MOD, meeting.id, 30, present=True, now=NOW)
    await meeting_actions.end_meeting(db, MOD, GUILD, meeting.id, now=NOW + timedelta(hours=1))
    log = await entries(db)
    assert [e.action for e in log] == ["meeting.start", "attendance.add", "meeting.end"]
    assert log[1].member_id == 30 and log[1].after == {"member_id": 30, "present": True}
    assert log[2].before["ended_at"] is None and log[2].after["ended_at"] is not None
