"""Moderator actions on meetings: start one, end one, correct who attended.

Crediting who is in voice at the start and posting the check-in message need Discord and stay
with the surface; everything decided and stored is here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import i18n
from bot.actions import Actor
from bot.i18n import _
from bot.meetings.attendance import meeting_title
from bot.meetings.errors import BadMeetingSetup
from bot.meetings.model import Meeting
from bot.storage import meetings as store
from bot.storage.database import Database
from bot.storage.guild_settings import get_setting


async def voice_threshold(db: Database, guild_id: int) -> timedelta:
    """Time in the meeting's voice channel that counts as attending, from the server's setting."""
    return timedelta(minutes=int(await get_setting(db, guild_id, "meeting_voice_minutes")))


def check_rooms(voice_channel_id: int | None, afk_channel_id: int | None) -> None:
    if afk_channel_id is not None and voice_channel_id == afk_channel_id:
        raise BadMeetingSetup(
            _(
                "The AFK channel cannot be the meeting room: time there never counts. "
                "Pick the voice channel you meet in."
            )
        )


async def start_meeting(
    db: Database,
    actor: Actor,
    *,
    title: str | None,
    default_title: str,
    text_channel_id: int | None,
    voice_channel_id: int | None,
    afk_channel_id: int | None,
    now: datetime,
) -> Meeting:
    audit = actor.audit("meeting.start")
    name = meeting_title(title, default_title)
    check_rooms(voice_channel_id, afk_channel_id)
    return await store.start_meeting(
        db,
        guild_id=actor.guild_id,
        title=name,
        at=now,
        text_channel_id=text_channel_id,
        voice_channel_id=voice_channel_id,
        started_by_id=actor.user_id,
        audit=audit,
    )


async def end_meeting(
    db: Database, actor: Actor | None, guild_id: int, meeting_id: int, *, now: datetime
) -> store.EndedMeeting:
    """End a meeting and settle voice attendance. ``actor`` None: a Scheduled Event ended it."""
    audit = actor.audit("meeting.end") if actor is not None else None
    return await store.end_meeting(
        db,
        guild_id,
        meeting_id,
        at=now,
        voice_threshold=await voice_threshold(db, guild_id),
        audit=audit,
    )


REASON_LIMIT = 300


async def correct_attendance(
    db: Database,
    actor: Actor,
    meeting_id: int,
    member_id: int,
    *,
    present: bool,
    now: datetime,
    reason: str = "",
) -> None:
    """Add or remove a member's attendance, kept with the meeting and in the audit log.

    ``reason`` (optional) is kept with the audit entry, so whoever reads the log later knows why.
    """
    audit = actor.audit("attendance.add" if present else "attendance.remove", member_id=member_id)
    reason = " ".join(reason.split())
    if len(reason) > REASON_LIMIT:
        raise BadMeetingSetup(
            _("The reason is {length} characters long; keep it to {limit}.").format(
                length=i18n.number(len(reason)), limit=REASON_LIMIT
            )
        )
    await store.correct_attendance(
        db,
        actor.guild_id,
        meeting_id,
        member_id,
        present=present,
        moderator_id=actor.user_id,
        at=now,
        audit=audit,
        reason=reason,
    )


__all__ = [
    "REASON_LIMIT",
    "check_rooms",
    "correct_attendance",
    "end_meeting",
    "start_meeting",
    "voice_threshold",
]
