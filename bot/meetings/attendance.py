"""Attendance rates and date ranges: the arithmetic behind ``/attendance summary`` and ``export``.

Rates are computed over the meetings held in the range. A member's rate is meetings attended over
meetings held; a meeting's rate is its attendees over the members who attended anything in the
range (the group's active membership, which is all the bot can know without tracking joins).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import _
from bot.meetings.errors import BadDateRange, BadMeetingSetup
from bot.text import visible_text

TITLE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class MemberRate:
    member_id: int
    attended: int
    held: int

    @property
    def rate(self) -> float:
        return self.attended / self.held if self.held else 0.0


@dataclass(frozen=True, slots=True)
class MeetingRate:
    meeting_id: int
    attendees: int
    members: int

    @property
    def rate(self) -> float:
        return self.attendees / self.members if self.members else 0.0


@dataclass(frozen=True, slots=True)
class Summary:
    members: list[MemberRate]
    meetings: list[MeetingRate]


def summarise(meeting_ids: Sequence[int], attendance: Iterable[tuple[int, int]]) -> Summary:
    """Rates from the meetings held and ``(meeting_id, member_id)`` pairs.

    Pairs for meetings outside ``meeting_ids`` are ignored, and a duplicated pair counts once, so a
    caller cannot inflate a rate by passing rows twice. Members are ordered by rate, then by how
    many meetings they attended, then by id, so pages are stable.
    """
    held = list(dict.fromkeys(meeting_ids))
    wanted = set(held)
    per_meeting: dict[int, set[int]] = {m: set() for m in held}
    per_member: dict[int, set[int]] = {}
    for meeting_id, member_id in attendance:
        if meeting_id not in wanted:
            continue
        per_meeting[meeting_id].add(member_id)
        per_member.setdefault(member_id, set()).add(meeting_id)
    members = [MemberRate(m, len(ms), len(held)) for m, ms in per_member.items()]
    members.sort(key=lambda r: (-r.rate, -r.attended, r.member_id))
    active = len(per_member)
    meetings = [MeetingRate(m, len(per_meeting[m]), active) for m in held]
    return Summary(members=members, meetings=meetings)


def _parse_day(text: str, refusal: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadDateRange(refusal.format(text=text)) from None


def date_range(
    start: str | None, end: str | None, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """UTC bounds ``[from, to)`` for dates typed in the server's timezone; ``to`` is inclusive.

    An omitted bound is open. An end before the start is refused rather than silently swapped, since
    it is usually a typo the person wants to notice.
    """
    lo = (
        _parse_day(
            start,
            _("“{text}” is not a start date: write it as YYYY-MM-DD, for example 2024-09-01."),
        )
        if start
        else None
    )
    hi = (
        _parse_day(
            end, _("“{text}” is not an end date: write it as YYYY-MM-DD, for example 2024-09-30.")
        )
        if end
        else None
    )
    if lo is not None and hi is not None and hi < lo:
        raise BadDateRange(
            _(
                "The end date {end} is before the start date {start}: swap them or pick a "
                "later end."
            ).format(end=hi.isoformat(), start=lo.isoformat())
        )
    lo_utc = datetime.combine(lo, time(), tz).astimezone(ZoneInfo("UTC")) if lo else None
    hi_utc = (
        datetime.combine(hi + timedelta(days=1), time(), tz).astimezone(ZoneInfo("UTC"))
        if hi
        else None
    )
    return lo_utc, hi_utc


def meeting_title(text: str | None, default: str) -> str:
    """The title a meeting is shown with: as typed (trimmed), or ``default`` when none is given.

    A title of only spaces or invisible characters would show an empty-looking meeting on every
    report, so it is refused rather than stored.
    """
    if text is None:
        return default
    title = visible_text(text)
    if not title:
        raise BadMeetingSetup(
            "The title shows nothing: it is only spaces or invisible characters. "
            "Write a title, or leave it out to name the meeting by its date."
        )
    if len(title) > TITLE_LIMIT:
        raise BadMeetingSetup(
            _("The title is too long: keep it under {limit} characters.").format(limit=TITLE_LIMIT)
        )
    return title


def rate_over_time(attended: Sequence[bool]) -> list[float]:
    """A member's attendance rate after each meeting held, oldest first: the chart's line.

    The same rate ``/attendance member`` gives (meetings attended over meetings held), taken
    after each meeting in turn, so the last point is the rate the report shows.
    """
    rates: list[float] = []
    came = 0
    for held, present in enumerate(attended, start=1):
        came += present
        rates.append(came / held)
    return rates
