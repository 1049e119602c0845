"""Meetings, attendance, moderator corrections and voice presence: every SQL statement for them.

Each write is one transaction, so a check-in is either wholly stored or not at all, and the caller
acknowledges it only after this module returns. Times are stored as unix seconds (UTC) and handed
out as aware datetimes. Member ids are plain snowflakes with no link to server membership, so a
member who leaves keeps their history; only ``/me forget`` removes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.i18n import _
from bot.meetings.attendance import Summary, summarise
from bot.meetings.errors import (
    AttendanceUnchanged,
    MeetingAlreadyRunning,
    MeetingNotRunning,
    NoRunningMeeting,
    UnknownMeeting,
)
from bot.meetings.intervals import Interval, Reconciliation, Step, is_present, reconcile, step
from bot.meetings.model import Attendance, AuditEntry, CheckIn, ExportRow, Meeting, Source
from bot.privacy import MEMBER_DATA, MemberData
from bot.storage.audit import Audit
from bot.storage.database import Connection, Database, Row

_MEETING_COLUMNS = (
    "id, guild_id, title, text_channel_id, voice_channel_id, started_by_id, started_at, ended_at, "
    "event_id, message_channel_id, message_id"
)
# The first parameter (?1), or started_at if that is later: a stretch never ends before it began.
# Spelt as CASE because SQLite's two-argument MAX is PostgreSQL's GREATEST, and neither has both.
_NOT_BEFORE_START = "CASE WHEN started_at > ?1 THEN started_at ELSE ?1 END"


def _ts(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: meetings store UTC moments only")
    return int(moment.timestamp())


def _dt(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _meeting(row: Row) -> Meeting:
    started = _dt(row["started_at"])
    assert started is not None
    return Meeting(
        id=row["id"],
        guild_id=row["guild_id"],
        title=row["title"],
        started_at=started,
        ended_at=_dt(row["ended_at"]),
        text_channel_id=row["text_channel_id"],
        voice_channel_id=row["voice_channel_id"],
        started_by_id=row["started_by_id"],
        event_id=row["event_id"],
        message_channel_id=row["message_channel_id"],
        message_id=row["message_id"],
    )


async def _meeting_in(conn: Connection, guild_id: int, meeting_id: int) -> Meeting:
    async with conn.execute(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE id = ? AND guild_id = ?",
        (meeting_id, guild_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise UnknownMeeting(meeting_id)
    return _meeting(row)


# --- Meetings ---------------------------------------------------------------------------------


async def start_meeting(
    db: Database,
    *,
    guild_id: int,
    title: str,
    at: datetime,
    text_channel_id: int | None,
    voice_channel_id: int | None,
    started_by_id: int | None,
    event_id: int | None = None,
    audit: Audit | None = None,
) -> Meeting:
    """Open a meeting; refuse if one is already running in either channel."""
    async with db.transaction() as conn:
        for column, channel_id in (
            ("text_channel_id", text_channel_id),
            ("voice_channel_id", voice_channel_id),
        ):
            if channel_id is None:
                continue
            async with conn.execute(
                f"SELECT id FROM meetings WHERE guild_id = ? AND {column} = ? AND ended_at IS NULL",
                (guild_id, channel_id),
            ) as cursor:
                clash = await cursor.fetchone()
            if clash is not None:
                raise MeetingAlreadyRunning(clash["id"], channel_id)
        cursor = await conn.execute(
            "INSERT INTO meetings (guild_id, title, text_channel_id, voice_channel_id, "
            "started_by_id, started_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (guild_id, title, text_channel_id, voice_channel_id, started_by_id, _ts(at), event_id),
        )
        row = await cursor.fetchone()
        assert row is not None
        started = await _meeting_in(conn, guild_id, int(row["id"]))
        if audit is not None:
            await audit.about(f"meeting:{started.id}").write(
                conn, guild_id, before=None, after=_meeting_state(started), at=at
            )
        return started


def _meeting_state(meeting: Meeting) -> dict[str, Any]:
    """A meeting as the audit log records it."""
    return {
        "title": meeting.title,
        "text_channel_id": meeting.text_channel_id,
        "voice_channel_id": meeting.voice_channel_id,
        "started_at": meeting.started_at.isoformat(),
        "ended_at": None if meeting.ended_at is None else meeting.ended_at.isoformat(),
    }


async def set_meeting_message(
    db: Database, meeting_id: int, channel_id: int, message_id: int
) -> None:
    """Remember the meeting's message so ending the meeting can update its button."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meetings SET message_channel_id = ?, message_id = ? WHERE id = ?",
            (channel_id, message_id, meeting_id),
        )


@dataclass(frozen=True, slots=True)
class EndedMeeting:
    meeting: Meeting
    voice_present: list[int]
    """Members who reached the voice threshold and were recorded as present by voice now."""


async def end_meeting(
    db: Database,
    guild_id: int,
    meeting_id: int,
    *,
    at: datetime,
    voice_threshold: timedelta,
    audit: Audit | None = None,
) -> EndedMeeting:
    """Close the meeting, its open voice stretches, and record voice attendance, atomically.

    An end time before the start (a clock step back) is clamped to the start so the row stays valid.
    """
    async with db.transaction() as conn:
        meeting = await _meeting_in(conn, guild_id, meeting_id)
        if not meeting.running:
            raise MeetingNotRunning(meeting_id)
        end = max(_ts(at), _ts(meeting.started_at))
        await conn.execute(
            f"UPDATE meeting_voice_intervals SET ended_at = {_NOT_BEFORE_START} "
            "WHERE meeting_id = ?2 AND ended_at IS NULL",
            (end, meeting_id),
        )
        per_member: dict[int, list[Interval]] = {}
        async with conn.execute(
            "SELECT member_id, started_at, ended_at FROM meeting_voice_intervals "
            "WHERE meeting_id = ?",
            (meeting_id,),
        ) as cursor:
            async for row in cursor:
                start, stop = _dt(row["started_at"]), _dt(row["ended_at"])
                assert start is not None and stop is not None
                per_member.setdefault(row["member_id"], []).append(Interval(start, stop))
        ended_at = _dt(end)
        assert ended_at is not None
        present = sorted(
            member
            for member, intervals in per_member.items()
            if is_present(intervals, meeting.started_at, ended_at, voice_threshold)
        )
        added: list[int] = []
        for member in present:
            cursor = await conn.execute(
                "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id, member_id) DO NOTHING",
                (meeting_id, member, Source.VOICE.value, end),
            )
            if cursor.rowcount == 1:
                added.append(member)
        await conn.execute("UPDATE meetings SET ended_at = ? WHERE id = ?", (end, meeting_id))
        final = await _meeting_in(conn, guild_id, meeting_id)
        if audit is not None:
            after = {**_meeting_state(final), "present_by_voice": added}
            await audit.about(f"meeting:{meeting_id}").write(
                conn, guild_id, before=_meeting_state(meeting), after=after, at=at
            )
        return EndedMeeting(final, added)


async def get_meeting(db: Database, guild_id: int, meeting_id: int) -> Meeting:
    row = await db.fetchone(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE id = ? AND guild_id = ?",
        (meeting_id, guild_id),
    )
    if row is None:
        raise UnknownMeeting(meeting_id)
    return _meeting(row)


async def running_meetings(db: Database, guild_id: int | None = None) -> list[Meeting]:
    """Running meetings of one server, or of every server (for reconciling after a restart)."""
    if guild_id is None:
        rows = await db.fetchall(
            f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE ended_at IS NULL ORDER BY id"
        )
    else:
        rows = await db.fetchall(
            f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE guild_id = ? AND ended_at IS NULL "
            "ORDER BY id",
            (guild_id,),
        )
    return [_meeting(row) for row in rows]


async def running_in_channel(db: Database, guild_id: int, channel_id: int) -> Meeting | None:
    """The running meeting whose text or voice channel this is, if any."""
    row = await db.fetchone(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE guild_id = ? AND ended_at IS NULL "
        "AND (text_channel_id = ? OR voice_channel_id = ?) ORDER BY id LIMIT 1",
        (guild_id, channel_id, channel_id),
    )
    return None if row is None else _meeting(row)


async def running_for_event(db: Database, guild_id: int, event_id: int) -> Meeting | None:
    row = await db.fetchone(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE guild_id = ? AND event_id = ? "
        "AND ended_at IS NULL",
        (guild_id, event_id),
    )
    return None if row is None else _meeting(row)


async def meeting_for_event_since(
    db: Database, guild_id: int, event_id: int, since: datetime
) -> Meeting | None:
    """The latest meeting opened for a Scheduled Event at or after ``since``, running or not."""
    row = await db.fetchone(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE guild_id = ? AND event_id = ? "
        "AND started_at >= ? ORDER BY started_at DESC, id DESC LIMIT 1",
        (guild_id, event_id, _ts(since)),
    )
    return None if row is None else _meeting(row)


async def meeting_here(db: Database, guild_id: int, channel_id: int | None) -> Meeting:
    """The running meeting a command typed in ``channel_id`` is about: the one of that channel,
    else the only one running; several running is refused with what to do instead."""
    if channel_id is not None:
        here = await running_in_channel(db, guild_id, channel_id)
        if here is not None:
            return here
    running = await running_meetings(db, guild_id)
    if len(running) == 1:
        return running[0]
    if not running:
        raise NoRunningMeeting()
    raise NoRunningMeeting(
        "Several meetings are running: use this in the meeting's channel, or give its id."
    )


async def meeting_to_report(db: Database, guild_id: int, channel_id: int | None) -> Meeting:
    """The meeting a report without an id is about: the running one, else the one ended last.

    Several running: the one of this channel, else the latest started. Which meeting started
    last says little once meetings overlap (a side meeting opened during the main one): the one
    a moderator has just ended is the one that ended last.
    """
    if channel_id is not None:
        here = await running_in_channel(db, guild_id, channel_id)
        if here is not None:
            return here
    row = await db.fetchone(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE guild_id = ? "
        "ORDER BY CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END, "
        "COALESCE(ended_at, started_at) DESC, id DESC LIMIT 1",
        (guild_id,),
    )
    if row is None:
        raise NoRunningMeeting(_("No meeting has been held yet: start one with `/meeting start`."))
    return _meeting(row)


async def find_meetings(
    db: Database, guild_id: int, typed: str = "", *, running: bool = False, limit: int = 25
) -> list[Meeting]:
    """Meetings whose id starts with, or whose title contains, what was typed; newest first.

    For autocomplete: moderators pick a meeting by its title and date rather than its number.
    """
    text = typed.strip().lstrip("#")
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await db.fetchall(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE guild_id = ? "
        f"{'AND ended_at IS NULL ' if running else ''}"
        "AND (CAST(id AS TEXT) LIKE ? OR LOWER(title) LIKE ? ESCAPE '\\') "
        "ORDER BY started_at DESC, id DESC LIMIT ?",
        (guild_id, f"{text}%", pattern, limit),
    )
    return [_meeting(row) for row in rows]


async def meetings_between(
    db: Database, guild_id: int, start: datetime | None, end: datetime | None
) -> list[Meeting]:
    """Meetings that started in ``[start, end)``, oldest first; ``None`` leaves a side open."""
    rows = await db.fetchall(
        f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE guild_id = ? "
        "AND (CAST(? AS BIGINT) IS NULL OR started_at >= ?) "
        "AND (CAST(? AS BIGINT) IS NULL OR started_at < ?) "
        "ORDER BY started_at, id",
        (guild_id, *_bounds(start, end)),
    )
    return [_meeting(row) for row in rows]


def _bounds(start: datetime | None, end: datetime | None) -> tuple[Any, ...]:
    lo = None if start is None else _ts(start)
    hi = None if end is None else _ts(end)
    return (lo, lo, hi, hi)


# --- Attendance -------------------------------------------------------------------------------


async def check_in(
    db: Database, guild_id: int, meeting_id: int, member_id: int, *, at: datetime
) -> CheckIn:
    """Record "I'm here". Returns only after the commit, so the caller may then acknowledge it."""
    async with db.transaction() as conn:
        meeting = await _meeting_in(conn, guild_id, meeting_id)
        if not meeting.running:
            return CheckIn.ENDED
        cursor = await conn.execute(
            "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id, member_id) DO NOTHING",
            (meeting_id, member_id, Source.BUTTON.value, _ts(at)),
        )
        return CheckIn.RECORDED if cursor.rowcount == 1 else CheckIn.ALREADY


@dataclass(slots=True)
class _Pending:
    guild_id: int
    meeting_id: int
    member_id: int
    at: datetime
    done: asyncio.Future[tuple[CheckIn, Meeting]]


class CheckInBatcher:
    """Group commit for check-ins: clicks that arrive together share one transaction.

    500 people pressing "I'm here" at once would otherwise queue 500 transactions behind the
    database lock, and the last would wait for all the others. Here each click joins the next
    batch; the batch commits, and only then is every click in it answered, so the rule "a click
    is acknowledged only after its commit" holds for each one. A failing click (an unknown
    meeting) fails alone; an error of the database fails the whole batch, and nothing in it is
    acknowledged.
    """

    def __init__(self, db: Database, max_batch: int = 500) -> None:
        self._db = db
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def check_in(
        self, guild_id: int, meeting_id: int, member_id: int, *, at: datetime
    ) -> CheckIn:
        outcome, _meeting = await self.check_in_to(guild_id, meeting_id, member_id, at=at)
        return outcome

    async def check_in_to(
        self, guild_id: int, meeting_id: int, member_id: int, *, at: datetime
    ) -> tuple[CheckIn, Meeting]:
        """:meth:`check_in`, with the meeting as the batch read it: the answer names the meeting
        without another query, which would queue behind the whole crowd again."""
        done: asyncio.Future[tuple[CheckIn, Meeting]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(guild_id, meeting_id, member_id, at, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await done

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = (
                self._pending[: self._max_batch],
                self._pending[self._max_batch :],
            )
            try:
                results = await self._commit(batch)
            except BaseException as error:
                for item in batch:
                    if not item.done.done():
                        item.done.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for item, result in zip(batch, results, strict=True):
                if item.done.done():
                    continue
                if isinstance(result, BaseException):
                    item.done.set_exception(result)
                else:
                    item.done.set_result(result)

    async def _commit(self, batch: list[_Pending]) -> list[tuple[CheckIn, Meeting] | Exception]:
        results: list[tuple[CheckIn, Meeting] | Exception] = []
        meetings: dict[tuple[int, int], Meeting | UnknownMeeting] = {}
        async with self._db.transaction() as conn:
            for item in batch:
                key = (item.guild_id, item.meeting_id)
                if key not in meetings:
                    try:
                        meetings[key] = await _meeting_in(conn, *key)
                    except UnknownMeeting as unknown:
                        meetings[key] = unknown
                meeting = meetings[key]
                if isinstance(meeting, UnknownMeeting):
                    results.append(meeting)
                    continue
                if not meeting.running:
                    results.append((CheckIn.ENDED, meeting))
                    continue
                cursor = await conn.execute(
                    "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id, member_id) DO NOTHING",
                    (meeting.id, item.member_id, Source.BUTTON.value, _ts(item.at)),
                )
                outcome = CheckIn.RECORDED if cursor.rowcount == 1 else CheckIn.ALREADY
                results.append((outcome, meeting))
        return results


async def correct_attendance(
    db: Database,
    guild_id: int,
    meeting_id: int,
    member_id: int,
    *,
    present: bool,
    moderator_id: int,
    at: datetime,
    audit: Audit | None = None,
    reason: str = "",
) -> None:
    """A moderator adds or removes a member's attendance; change and audit rows commit as one.

    The meeting's own corrections table (shown with its report) and the server's audit log
    (``audit``) both record it.

    A correction that would change nothing is refused, so the audit table only holds real changes.
    """
    async with db.transaction() as conn:
        meeting = await _meeting_in(conn, guild_id, meeting_id)
        if present:
            cursor = await conn.execute(
                "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (meeting_id, member_id) DO NOTHING",
                (meeting.id, member_id, Source.MODERATOR.value, _ts(at)),
            )
            if cursor.rowcount != 1:
                raise AttendanceUnchanged(
                    f"<@{member_id}> is already recorded as present at meeting #{meeting.id}."
                )
        else:
            cursor = await conn.execute(
                "DELETE FROM meeting_attendance WHERE meeting_id = ? AND member_id = ?",
                (meeting.id, member_id),
            )
            if cursor.rowcount != 1:
                raise AttendanceUnchanged(
                    f"<@{member_id}> is not recorded at meeting #{meeting.id}: nothing to remove."
                )
        await conn.execute(
            "INSERT INTO meeting_attendance_audit "
            "(meeting_id, member_id, moderator_id, action, at) VALUES (?, ?, ?, ?, ?)",
            (meeting.id, member_id, moderator_id, "add" if present else "remove", _ts(at)),
        )
        if audit is not None:
            await audit.about(f"meeting:{meeting.id}").write(
                conn,
                guild_id,
                before={"member_id": member_id, "present": not present},
                after={"member_id": member_id, "present": present}
                | ({"reason": reason} if reason else {}),
                at=at,
            )


def _attendance(row: Row) -> Attendance:
    recorded = _dt(row["recorded_at"])
    assert recorded is not None
    return Attendance(row["meeting_id"], row["member_id"], Source(row["source"]), recorded)


async def attendance_of(db: Database, meeting_id: int) -> list[Attendance]:
    rows = await db.fetchall(
        "SELECT meeting_id, member_id, source, recorded_at FROM meeting_attendance "
        "WHERE meeting_id = ? ORDER BY recorded_at, member_id",
        (meeting_id,),
    )
    return [_attendance(row) for row in rows]


async def count_attendance(db: Database, meeting_id: int) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM meeting_attendance WHERE meeting_id = ?", (meeting_id,)
    )
    return 0 if row is None else int(row["n"])


async def audit_of(db: Database, meeting_id: int) -> list[AuditEntry]:
    rows = await db.fetchall(
        "SELECT id, meeting_id, member_id, moderator_id, action, at "
        "FROM meeting_attendance_audit WHERE meeting_id = ? ORDER BY id",
        (meeting_id,),
    )
    return [
        AuditEntry(
            r["id"], r["meeting_id"], r["member_id"], r["moderator_id"], r["action"], _at(r["at"])
        )
        for r in rows
    ]


async def member_history(
    db: Database, guild_id: int, member_id: int
) -> list[tuple[Meeting, Attendance | None]]:
    """Every meeting of the server, newest first, with the member's attendance where they came."""
    rows = await db.fetchall(
        f"SELECT {', '.join('m.' + c.strip() for c in _MEETING_COLUMNS.split(','))}, "
        "a.member_id AS a_member, a.source AS a_source, a.recorded_at AS a_recorded "
        "FROM meetings m LEFT JOIN meeting_attendance a "
        "ON a.meeting_id = m.id AND a.member_id = ? "
        "WHERE m.guild_id = ? ORDER BY m.started_at DESC, m.id DESC",
        (member_id, guild_id),
    )
    history: list[tuple[Meeting, Attendance | None]] = []
    for row in rows:
        meeting = _meeting(row)
        attended = None
        if row["a_member"] is not None:
            recorded = _dt(row["a_recorded"])
            assert recorded is not None
            attended = Attendance(meeting.id, member_id, Source(row["a_source"]), recorded)
        history.append((meeting, attended))
    return history


async def summary(
    db: Database, guild_id: int, start: datetime | None, end: datetime | None
) -> Summary:
    """Rates per member and per meeting over meetings that started in the range."""
    meetings = await meetings_between(db, guild_id, start, end)
    rows = await db.fetchall(
        "SELECT a.meeting_id, a.member_id FROM meeting_attendance a "
        "JOIN meetings m ON m.id = a.meeting_id WHERE m.guild_id = ? "
        "AND (CAST(? AS BIGINT) IS NULL OR m.started_at >= ?) "
        "AND (CAST(? AS BIGINT) IS NULL OR m.started_at < ?)",
        (guild_id, *_bounds(start, end)),
    )
    return summarise([m.id for m in meetings], ((r[0], r[1]) for r in rows))


async def iter_export(
    db: Database,
    guild_id: int,
    start: datetime | None,
    end: datetime | None,
    *,
    batch: int = 2000,
) -> AsyncIterator[ExportRow]:
    """Attendance rows for the CSV, fetched a batch at a time by key.

    Keyset paging (``> last key``) rather than one long cursor keeps memory flat and releases the
    database between batches, so check-ins are not held up by a long export.
    """
    last = (-1, -1)
    while True:
        rows = await db.fetchall(
            "SELECT a.meeting_id, m.title, m.started_at, m.ended_at, a.member_id, a.source, "
            "a.recorded_at FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id "
            "WHERE m.guild_id = ? "
            "AND (CAST(? AS BIGINT) IS NULL OR m.started_at >= ?) "
            "AND (CAST(? AS BIGINT) IS NULL OR m.started_at < ?) "
            "AND (a.meeting_id > ? OR (a.meeting_id = ? AND a.member_id > ?)) "
            "ORDER BY a.meeting_id, a.member_id LIMIT ?",
            (guild_id, *_bounds(start, end), last[0], last[0], last[1], batch),
        )
        for row in rows:
            started, recorded = _dt(row["started_at"]), _dt(row["recorded_at"])
            assert started is not None and recorded is not None
            yield ExportRow(
                meeting_id=row["meeting_id"],
                title=row["title"],
                started_at=started,
                ended_at=_dt(row["ended_at"]),
                member_id=row["member_id"],
                source=Source(row["source"]),
                recorded_at=recorded,
            )
        if len(rows) < batch:
            return
        last = (rows[-1]["meeting_id"], rows[-1]["member_id"])


# --- The moderators' meetings page ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MeetingCount:
    """A meeting and how many were present: a row of the meetings page and a point of its chart."""

    meeting: Meeting
    present: int


_COUNTED = (
    f"SELECT {', '.join('m.' + c.strip() for c in _MEETING_COLUMNS.split(','))}, "
    "(SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = m.id) AS present "
    "FROM meetings m WHERE m.guild_id = ? "
)


async def meetings_page(
    db: Database, guild_id: int, *, page: int = 0, page_size: int = 10
) -> tuple[list[MeetingCount], int]:
    """One page of a server's meetings, newest first, with their head counts; and how many."""
    total = await db.fetchone("SELECT COUNT(*) AS n FROM meetings WHERE guild_id = ?", (guild_id,))
    rows = await db.fetchall(
        _COUNTED + "ORDER BY m.started_at DESC, m.id DESC LIMIT ? OFFSET ?",
        (guild_id, page_size, max(page, 0) * page_size),
    )
    counted = [MeetingCount(_meeting(row), int(row["present"])) for row in rows]
    return counted, 0 if total is None else int(total["n"])


async def recent_counts(db: Database, guild_id: int, *, limit: int = 52) -> list[MeetingCount]:
    """The last ``limit`` meetings, oldest first, with their head counts: the group's chart."""
    rows = await db.fetchall(
        _COUNTED + "ORDER BY m.started_at DESC, m.id DESC LIMIT ?", (guild_id, limit)
    )
    return [MeetingCount(_meeting(row), int(row["present"])) for row in reversed(rows)]


async def rosters(
    db: Database, meeting_ids: list[int], *, now: datetime
) -> dict[int, tuple[list[Attendance], dict[int, timedelta]]]:
    """Who attended each meeting and their counted voice time, for a page of meetings at once."""
    result: dict[int, tuple[list[Attendance], dict[int, timedelta]]] = {
        m: ([], {}) for m in meeting_ids
    }
    if not meeting_ids:
        return result
    marks = ", ".join("?" for _ in meeting_ids)
    rows = await db.fetchall(
        "SELECT meeting_id, member_id, source, recorded_at FROM meeting_attendance "
        f"WHERE meeting_id IN ({marks}) ORDER BY meeting_id, recorded_at, member_id",
        meeting_ids,
    )
    for row in rows:
        result[row["meeting_id"]][0].append(_attendance(row))
    voice = await db.fetchall(
        "SELECT meeting_id, member_id, "
        "SUM(COALESCE(ended_at, CASE WHEN ? > started_at THEN ? ELSE started_at END) - started_at)"
        f" AS seconds FROM meeting_voice_intervals WHERE meeting_id IN ({marks}) "
        "GROUP BY meeting_id, member_id",
        [_ts(now), _ts(now), *meeting_ids],
    )
    for row in voice:
        result[row["meeting_id"]][1][row["member_id"]] = timedelta(seconds=row["seconds"])
    return result


# --- Voice presence ---------------------------------------------------------------------------


async def record_voice(
    db: Database, meeting_id: int, member_id: int, *, counting: bool, at: datetime
) -> Step:
    """Apply one voice state change: open a stretch when the member starts counting, close it when
    they stop. Repeated events change nothing, so duplicated gateway events are harmless."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT id FROM meeting_voice_intervals "
            "WHERE meeting_id = ? AND member_id = ? AND ended_at IS NULL",
            (meeting_id, member_id),
        ) as cursor:
            open_row = await cursor.fetchone()
        action = step(open_row is not None, counting)
        if action is Step.OPEN:
            await conn.execute(
                "INSERT INTO meeting_voice_intervals (meeting_id, member_id, started_at) "
                "SELECT id, ?, ? FROM meetings WHERE id = ? AND ended_at IS NULL",
                (member_id, _ts(at), meeting_id),
            )
        elif action is Step.CLOSE:
            assert open_row is not None
            await conn.execute(
                f"UPDATE meeting_voice_intervals SET ended_at = {_NOT_BEFORE_START} WHERE id = ?2",
                (_ts(at), open_row["id"]),
            )
        return action


async def open_voice(db: Database, meeting_id: int) -> dict[int, datetime]:
    rows = await db.fetchall(
        "SELECT member_id, started_at FROM meeting_voice_intervals "
        "WHERE meeting_id = ? AND ended_at IS NULL",
        (meeting_id,),
    )
    return {row["member_id"]: _at(row["started_at"]) for row in rows}


async def reconcile_voice(
    db: Database,
    meeting_id: int,
    counting_now: Set[int],
    *,
    last_seen: datetime | None,
    now: datetime,
) -> Reconciliation:
    """After a restart, repair the meeting's stretches from who is counted in voice now.

    See :func:`bot.meetings.intervals.reconcile` for the rule; applied here in one transaction.
    """
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT member_id, started_at FROM meeting_voice_intervals "
            "WHERE meeting_id = ? AND ended_at IS NULL",
            (meeting_id,),
        ) as cursor:
            open_now = {row["member_id"]: _at(row["started_at"]) async for row in cursor}
        plan = reconcile(open_now, counting_now, last_seen, now)
        for member_id, end in plan.close.items():
            await conn.execute(
                f"UPDATE meeting_voice_intervals SET ended_at = {_NOT_BEFORE_START} "
                "WHERE meeting_id = ?2 AND member_id = ?3 AND ended_at IS NULL",
                (_ts(end), meeting_id, member_id),
            )
        for member_id in sorted(plan.open):
            await conn.execute(
                "INSERT INTO meeting_voice_intervals (meeting_id, member_id, started_at) "
                "VALUES (?, ?, ?)",
                (meeting_id, member_id, _ts(now)),
            )
        return plan


async def voice_time(db: Database, meeting_id: int, *, now: datetime) -> dict[int, timedelta]:
    """Counted voice time so far per member, open stretches counted up to ``now``."""
    rows = await db.fetchall(
        f"SELECT member_id, SUM(COALESCE(ended_at, {_NOT_BEFORE_START}) - started_at) AS seconds "
        "FROM meeting_voice_intervals WHERE meeting_id = ?2 GROUP BY member_id",
        (_ts(now), meeting_id),
    )
    return {row["member_id"]: timedelta(seconds=row["seconds"]) for row in rows}


# --- Member data (privacy) --------------------------------------------------------------------


def _plain(rows: list[Row]) -> list[dict[str, Any]]:
    return [dict(zip(row.keys(), tuple(row), strict=True)) for row in rows]


async def _export_attendance(db: Database, user_id: int) -> list[dict[str, Any]]:
    attendance = await db.fetchall(
        "SELECT 'attendance' AS kind, a.meeting_id, m.guild_id, m.title, a.source, a.recorded_at "
        "FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id "
        "WHERE a.member_id = ? ORDER BY a.meeting_id",
        (user_id,),
    )
    voice = await db.fetchall(
        "SELECT 'voice' AS kind, v.meeting_id, m.guild_id, v.started_at, v.ended_at "
        "FROM meeting_voice_intervals v JOIN meetings m ON m.id = v.meeting_id "
        "WHERE v.member_id = ? ORDER BY v.id",
        (user_id,),
    )
    return _plain(attendance) + _plain(voice)


async def _forget_attendance(conn: Connection, user_id: int) -> int:
    total = 0
    for table in ("meeting_attendance", "meeting_voice_intervals"):
        cursor = await conn.execute(f"DELETE FROM {table} WHERE member_id = ?", (user_id,))
        total += max(cursor.rowcount, 0)
    return total


async def _export_corrections(db: Database, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT u.id, u.meeting_id, m.guild_id, u.member_id, u.moderator_id, u.action, u.at "
        "FROM meeting_attendance_audit u JOIN meetings m ON m.id = u.meeting_id "
        "WHERE u.member_id = ? OR u.moderator_id = ? ORDER BY u.id",
        (user_id, user_id),
    )
    return _plain(rows)


async def _forget_corrections(conn: Connection, user_id: int) -> int:
    """Corrections about the member go; corrections they made as a moderator stay, unsigned."""
    deleted = await conn.execute(
        "DELETE FROM meeting_attendance_audit WHERE member_id = ?", (user_id,)
    )
    unsigned = await conn.execute(
        "UPDATE meeting_attendance_audit SET moderator_id = NULL WHERE moderator_id = ?", (user_id,)
    )
    return max(deleted.rowcount, 0) + max(unsigned.rowcount, 0)


async def _export_started(db: Database, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT id, guild_id, title, started_at, ended_at FROM meetings "
        "WHERE started_by_id = ? ORDER BY id",
        (user_id,),
    )
    return _plain(rows)


async def _forget_started(conn: Connection, user_id: int) -> int:
    """The meeting stays (others attended it); only the link to who started it goes."""
    cursor = await conn.execute(
        "UPDATE meetings SET started_by_id = NULL WHERE started_by_id = ?", (user_id,)
    )
    return max(cursor.rowcount, 0)


MEMBER_DATA.extend(
    [
        MemberData(
            "meeting_attendance",
            ("meeting_attendance", "meeting_voice_intervals"),
            _export_attendance,
            _forget_attendance,
        ),
        MemberData(
            "meeting_corrections",
            ("meeting_attendance_audit",),
            _export_corrections,
            _forget_corrections,
        ),
        MemberData("meetings_started", ("meetings",), _export_started, _forget_started),
    ]
)

__all__ = [
    "CheckInBatcher",
    "EndedMeeting",
    "MeetingCount",
    "attendance_of",
    "audit_of",
    "check_in",
    "correct_attendance",
    "count_attendance",
    "end_meeting",
    "get_meeting",
    "iter_export",
    "meeting_for_event_since",
    "meetings_between",
    "meetings_page",
    "member_history",
    "open_voice",
    "recent_counts",
    "reconcile_voice",
    "record_voice",
    "rosters",
    "running_for_event",
    "running_in_channel",
    "running_meetings",
    "set_meeting_message",
    "start_meeting",
    "summary",
    "voice_time",
]
