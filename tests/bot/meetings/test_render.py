"""Meeting texts: escaped titles, Discord timestamps, pages that fit in a message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.meetings.attendance import meeting_title, summarise
from bot.meetings.errors import BadMeetingSetup
from bot.meetings.model import Attendance, AuditEntry, CheckIn, Meeting, Source
from bot.meetings.render import (
    PAGE_LIMIT,
    check_in_answer,
    meeting_message,
    meeting_report,
    member_report,
    pages,
    summary_report,
)

T0 = datetime(2024, 9, 1, 18, tzinfo=UTC)


def meeting(i: int = 1, ended: bool = False, title: str = "Week *1*") -> Meeting:
    end = T0 + timedelta(hours=1) if ended else None
    return Meeting(i, 5, title, T0 + timedelta(days=7 * i), end, 10, 20, 99)


def test_titles_are_escaped_and_times_are_discord_timestamps() -> None:
    text = meeting_message(meeting(), threshold_minutes=10)
    assert "Week \\*1\\*" in text and f"<t:{int((T0 + timedelta(days=7)).timestamp())}:R>" in text
    assert "<#20>" in text and "10 minutes" in text


def test_check_in_answers_differ() -> None:
    answers = {check_in_answer(o, meeting()) for o in CheckIn}
    assert len(answers) == 3
    assert "nothing changed" in check_in_answer(CheckIn.ALREADY, meeting())
    assert "ended" in check_in_answer(CheckIn.ENDED, meeting())


def test_meeting_report_lists_people_voice_and_corrections() -> None:
    m = meeting(ended=True)
    attendance = [Attendance(1, 7, Source.BUTTON, T0), Attendance(1, 8, Source.MODERATOR, T0)]
    audit = [AuditEntry(1, 1, 8, None, "add", T0)]
    voice = {9: timedelta(minutes=4), 7: timedelta(minutes=30)}
    (page,) = meeting_report(m, attendance, audit, voice)
    assert "**2 present**" in page
    assert "<@7> — checked in" in page and "<@8> — added by a moderator" in page
    assert "<@9> — 4 min" in page and "<@7> — 30 min" not in page
    assert "a moderator added <@8>" in page


def test_an_ended_report_counts_everyone_and_short_stretches_show_seconds() -> None:
    voice = {
        9: timedelta(seconds=42),
        10: timedelta(minutes=1, seconds=5),
        11: timedelta(milliseconds=300),
    }
    running, ended = (meeting_report(meeting(ended=e), [], [], voice)[0] for e in (False, True))
    assert "In voice, not yet counted" in running
    assert "not yet counted" not in ended and "**In voice, not counted**" in ended
    assert "<@9> — 42 s" in ended and "<@10> — 1 min" in ended and "0 min" not in ended
    assert "<@11> — under 1 s" in ended


def test_counts_agree_with_their_number() -> None:
    assert "for 1 minute counts as attending" in meeting_message(meeting(), threshold_minutes=1)
    ((_, attended),) = [(meeting(2, True), Attendance(2, 7, Source.VOICE, T0))]
    assert ": 1 of 1 meeting (100%)" in member_report(7, [(meeting(2, True), attended)])[0]


def test_pages_repeat_the_header_and_fit() -> None:
    lines = [f"line {i} " + "x" * 300 for i in range(40)]
    result = pages("HEADER", lines)
    assert len(result) == 3
    assert all(p.startswith("HEADER") and len(p) <= PAGE_LIMIT for p in result)


def test_member_report_rate_counts_ended_meetings_only() -> None:
    history = [(meeting(3), None), (meeting(2, True), Attendance(2, 7, Source.VOICE, T0))]
    history.append((meeting(1, True), None))
    (page,) = member_report(7, history)
    assert "1 of 2 meetings (50%)" in page and "running" in page


def test_summary_report() -> None:
    meetings = {1: meeting(1, True), 2: meeting(2, True)}
    result = summarise([1, 2], [(1, 7), (2, 7), (2, 8)])
    (page,) = summary_report(result, meetings, None, None)
    assert "<@7> — 2/2 (100%)" in page and "<@8> — 1/2 (50%)" in page
    assert "— 1/2 (50%)" in page  # meeting 1: one of the two active members


def test_meeting_titles_must_show_something() -> None:
    assert meeting_title(None, "Meeting of 2026-05-04") == "Meeting of 2026-05-04"
    assert meeting_title("  Week 2\u200b ", "x") == "Week 2"
    for blank in ("   ", "\u200b", "\u3164\u3164"):
        with pytest.raises(BadMeetingSetup, match="shows nothing"):
            meeting_title(blank, "x")
