"""Errors of meetings and attendance, each with the sentence the person should read."""

from __future__ import annotations

from bot.errors import BotError
from bot.i18n import _


class MeetingError(BotError):
    """Base of every meeting refusal; nothing was changed when one is raised."""


class UnknownMeeting(MeetingError):
    def __init__(self, meeting_id: int) -> None:
        super().__init__(
            _(
                "There is no meeting #{id} on this server. "
                "`/attendance summary` lists the meetings held."
            ).format(id=meeting_id)
        )
        self.meeting_id = meeting_id


class MeetingAlreadyRunning(MeetingError):
    def __init__(self, meeting_id: int, channel_id: int) -> None:
        super().__init__(
            _(
                "Meeting #{id} is already running in {channel}. "
                "End it with `/meeting end` before starting another there."
            ).format(id=meeting_id, channel=f"<#{channel_id}>")
        )
        self.meeting_id = meeting_id
        self.channel_id = channel_id


class NoRunningMeeting(MeetingError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or _("No meeting is running here. Start one with `/meeting start`.")
        )


class MeetingNotRunning(MeetingError):
    """The meeting exists but has already ended."""

    def __init__(self, meeting_id: int) -> None:
        super().__init__(_("Meeting #{id} has already ended.").format(id=meeting_id))
        self.meeting_id = meeting_id


class AttendanceUnchanged(MeetingError):
    """A moderator correction that would change nothing (already present, or already absent)."""


class BadDateRange(MeetingError):
    """A ``from``/``to`` pair that cannot be read or is the wrong way round."""


class BadMeetingSetup(MeetingError):
    """Channels that cannot host a meeting (for example the AFK channel as the meeting room)."""
