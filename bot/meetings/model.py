"""Plain records of meetings and attendance, shared by storage, rules and the Discord layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Source(StrEnum):
    """How an attendance row came to be; kept so a moderator can tell a click from a correction."""

    BUTTON = "button"
    VOICE = "voice"
    MODERATOR = "moderator"


class CheckIn(StrEnum):
    """The outcome of an "I'm here" click, so the reply can say exactly what happened."""

    RECORDED = "recorded"
    ALREADY = "already"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Meeting:
    id: int
    guild_id: int
    title: str
    started_at: datetime
    ended_at: datetime | None
    text_channel_id: int | None
    voice_channel_id: int | None
    started_by_id: int | None
    event_id: int | None = None
    message_channel_id: int | None = None
    message_id: int | None = None

    @property
    def running(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class Attendance:
    meeting_id: int
    member_id: int
    source: Source
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One moderator correction: who changed whose attendance, which way, and when."""

    id: int
    meeting_id: int
    member_id: int
    moderator_id: int | None
    action: str  # "add" or "remove"
    at: datetime


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One line of the attendance CSV."""

    meeting_id: int
    title: str
    started_at: datetime
    ended_at: datetime | None
    member_id: int
    source: Source
    recorded_at: datetime
