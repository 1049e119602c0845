"""What the meeting commands show, as plain text pages, so formatting is tested without Discord.

Members appear as ``<@id>`` mentions: Discord shows the current name (or "unknown user" for someone
who left) and, since every message is sent with mentions disabled, nobody is pinged. Titles are
typed by people and are escaped so they cannot break the formatting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Final

from bot import i18n
from bot.i18n import N_, _, ngettext
from bot.meetings.attendance import Summary
from bot.meetings.model import Attendance, AuditEntry, CheckIn, Meeting, Source
from bot.plural import count_text
from bot.text import escape_markdown, truncate

LINES_PER_PAGE: Final = 15
PAGE_LIMIT: Final = 1900
"""Characters per page, under Discord's 2000 for a message's content."""

SOURCE_LABEL: Final = {  # how each surface names how an attendance came to be (through ``_``)
    Source.BUTTON: N_("checked in"),
    Source.VOICE: N_("voice"),
    Source.MODERATOR: N_("added by a moderator"),
}


def ts(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp: each reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def title(meeting: Meeting) -> str:
    return f"#{meeting.id} {escape_markdown(truncate(meeting.title, 100))}"


def choice_name(meeting: Meeting, zone: tzinfo) -> str:
    """How autocomplete offers a meeting: its number, title and local date (and if running).

    Autocomplete shows plain text, so the title is not escaped, only shortened to fit.
    """
    # ISO dates: short, sortable and read the same in every language within the 100 characters.
    day = meeting.started_at.astimezone(zone).strftime("%Y-%m-%d")
    tail = f" · {day}" + (_(" · running") if meeting.running else "")
    return (
        f"#{meeting.id} {truncate(meeting.title, 100 - len(tail) - len(str(meeting.id)) - 2)}{tail}"
    )


def pages(header: str, lines: Sequence[str], per_page: int = LINES_PER_PAGE) -> list[str]:
    """Split lines into pages that each repeat the header and fit in one message."""
    if not lines:
        return [header]
    result: list[str] = []
    for start in range(0, len(lines), per_page):
        chunk = lines[start : start + per_page]
        result.append(truncate("\n".join([header, *chunk]), PAGE_LIMIT))
    return result


def page_footer(page: int, total: int) -> str:
    if total <= 1:
        return ""
    return "\n-# " + _("Page {page} of {pages}").format(page=page + 1, pages=total)


def meeting_message(meeting: Meeting, *, threshold_minutes: int) -> str:
    """The public message carrying the "I'm here" button."""
    lines = [
        _("**Meeting {meeting}** started {when}.").format(
            meeting=title(meeting), when=ts(meeting.started_at, "R")
        )
    ]
    if meeting.voice_channel_id is not None:
        lines.append(
            ngettext(
                "Being in {channel} for {n} minute counts as attending (not while deafened).",
                "Being in {channel} for {n} minutes counts as attending (not while deafened).",
                threshold_minutes,
            ).format(channel=f"<#{meeting.voice_channel_id}>", n=i18n.number(threshold_minutes))
        )
    if meeting.ended_at is not None:
        lines.append(
            _("Ended {when}. Thank you for coming!").format(when=ts(meeting.ended_at, "R"))
        )
    else:
        lines.append(_("Press **I'm here** (or use `/here`) to record your attendance."))
    return "\n".join(lines)


def check_in_answer(outcome: CheckIn, meeting: Meeting) -> str:
    if outcome is CheckIn.RECORDED:
        return _("You're checked in to meeting {meeting}. Welcome!").format(meeting=title(meeting))
    if outcome is CheckIn.ALREADY:
        return _("You were already checked in to meeting {meeting}; nothing changed.").format(
            meeting=title(meeting)
        )
    return _("Meeting {meeting} has ended, so check-ins are closed.").format(meeting=title(meeting))


def meeting_report(
    meeting: Meeting,
    attendance: Sequence[Attendance],
    audit: Sequence[AuditEntry],
    voice: Mapping[int, timedelta],
) -> list[str]:
    """``/attendance meeting``: who came and how, voice time so far, and every correction."""
    state = (
        _("ended {when}").format(when=ts(meeting.ended_at))
        if meeting.ended_at is not None
        else _("**running now**")
    )
    header = (
        _("**Meeting {meeting}** · started {when} · {state}").format(
            meeting=title(meeting), when=ts(meeting.started_at), state=state
        )
        + "\n"
        + count_text(len(attendance), "**{n} present**", "**{n} present**")
    )
    lines = [
        f"• <@{a.member_id}> — {_(SOURCE_LABEL[a.source])} {ts(a.recorded_at, 'R')}"
        for a in attendance
    ]
    present = {a.member_id for a in attendance}
    pending = sorted((m, t) for m, t in voice.items() if m not in present and t > timedelta())
    if pending:
        # Voice attendance is settled when a meeting ends: whoever is not present by then was
        # in voice too briefly (or removed by a moderator), not waiting to be counted.
        ended = meeting.ended_at is not None
        lines.append(
            _("**In voice, not counted**") if ended else _("**In voice, not yet counted**")
        )
        lines += [f"• <@{m}> — {voice_duration(t)}" for m, t in pending]
    if audit:
        lines.append(_("**Corrections**"))
        lines += [
            "• "
            + (
                _("{when} {moderator} added {member}")
                if a.action == "add"
                else _("{when} {moderator} removed {member}")
            ).format(
                when=ts(a.at, "f"), moderator=_moderator(a.moderator_id), member=f"<@{a.member_id}>"
            )
            for a in audit
        ]
    return pages(header, lines)


def voice_duration(stretch: timedelta) -> str:
    """Time in voice: minutes, or seconds for a stretch under a minute (never "0 min")."""
    seconds = int(stretch.total_seconds())
    if seconds >= 60:
        return _("{n} min").format(n=i18n.number(seconds // 60))
    return _("{n} s").format(n=i18n.number(seconds)) if seconds else _("under 1 s")


def _moderator(moderator_id: int | None) -> str:
    return _("a moderator") if moderator_id is None else f"<@{moderator_id}>"


def member_report(
    member_id: int, history: Sequence[tuple[Meeting, Attendance | None]]
) -> list[str]:
    """``/attendance member``: every meeting, newest first, with a mark, and the overall rate."""
    held = [pair for pair in history if pair[0].ended_at is not None]
    came = sum(1 for _, a in held if a is not None)
    if held:
        header = ngettext(
            "**Attendance of {member}**: {came} of {n} meeting ({rate})",
            "**Attendance of {member}**: {came} of {n} meetings ({rate})",
            len(held),
        ).format(
            member=f"<@{member_id}>",
            came=i18n.number(came),
            n=i18n.number(len(held)),
            rate=i18n.percent(came / len(held)),
        )
    else:
        header = _("**Attendance of {member}**: no meetings yet").format(member=f"<@{member_id}>")
    lines = [
        f"{'✅' if a is not None else '▫️'} {title(m)} · {ts(m.started_at, 'D')}"
        + (_(" · running") if m.ended_at is None else "")
        for m, a in history
    ]
    return pages(header, lines)


def summary_report(
    result: Summary,
    meetings: Mapping[int, Meeting],
    start: datetime | None,
    end: datetime | None,
) -> list[str]:
    """``/attendance summary``: rates per member, then per meeting."""
    since = ts(start, "D") if start else _("the first meeting")
    until = ts(end - timedelta(seconds=1), "D") if end else _("now")
    header = ngettext(
        "**Attendance from {since} to {until}** · {n} meeting",
        "**Attendance from {since} to {until}** · {n} meetings",
        len(result.meetings),
    ).format(since=since, until=until, n=i18n.number(len(result.meetings)))
    lines = [_("**Members**")] if result.members else [_("No attendance recorded in this range.")]
    lines += [
        f"• <@{r.member_id}> — {r.attended}/{r.held} ({i18n.percent(r.rate)})"
        for r in result.members
    ]
    if result.meetings:
        lines.append(_("**Meetings**"))
        lines += [
            f"• {title(meetings[r.meeting_id])} · {ts(meetings[r.meeting_id].started_at, 'D')} — "
            f"{r.attendees}/{r.members} ({i18n.percent(r.rate)})"
            for r in result.meetings
            if r.meeting_id in meetings
        ]
    return pages(header, lines)
