"""Meetings and attendance: the rules, free of Discord and SQL.

``intervals`` is voice-presence arithmetic, ``attendance`` rates and date ranges, ``export`` the CSV
stream; storage lives in :mod:`bot.storage.meetings` and the commands in ``cogs.meetings``.
"""

from bot.meetings.errors import (
    AttendanceUnchanged,
    BadDateRange,
    BadMeetingSetup,
    MeetingAlreadyRunning,
    MeetingError,
    MeetingNotRunning,
    NoRunningMeeting,
    UnknownMeeting,
)
from bot.meetings.model import Attendance, AuditEntry, CheckIn, ExportRow, Meeting, Source

__all__ = [
    "Attendance",
    "AttendanceUnchanged",
    "AuditEntry",
    "BadDateRange",
    "BadMeetingSetup",
    "CheckIn",
    "ExportRow",
    "Meeting",
    "MeetingAlreadyRunning",
    "MeetingError",
    "MeetingNotRunning",
    "NoRunningMeeting",
    "Source",
    "UnknownMeeting",
]
