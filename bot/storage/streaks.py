"""Member settings, streak figures and leaderboards over the reading log (and attendance).

Streaks are always computed by :mod:`bot.streaks.rules` from the recorded days; ``member_stats``
only caches the result per server so a leaderboard of tens of thousands of members is one indexed
query. Triggers (migration 0005) mark a member's row stale whenever anyone writes the reading log
or attendance, and each row carries the instant its current streak would lapse, so stale and lapsed
rows are recomputed just before they are read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.privacy import MEMBER_DATA, MemberData
from bot.sharding import Shards
from bot.storage.database import Connection, Database
from bot.storage.guild_settings import get_settings
from bot.streaks.leaderboard import (
    PER_PAGE,
    Board,
    Entry,
    Kind,
    Period,
    competition_ranks,
    period_start,
)
from bot.streaks.rules import (
    Streak,
    StreakRules,
    compute_streak,
    local_day,
    start_of_day,
    streak_changes_on,
)
from bot.timezones import parse_timezone


@dataclass(frozen=True, slots=True)
class MemberSettings:
    user_id: int
    timezone: str | None = None
    private: bool = False
    reminder_minute: int | None = None
    reminder_guild_id: int | None = None
    reminder_next_at: int | None = None
    reminder_failed: bool = False
    locale: str | None = None
    """The Discord locale they last used the bot in: the language of their reminder DMs."""


def _now_text(now: datetime) -> str:
    return now.astimezone(UTC).isoformat(timespec="seconds")


async def get_member_settings(db: Database, user_id: int) -> MemberSettings:
    row = await db.fetchone("SELECT * FROM member_settings WHERE user_id = ?", (user_id,))
    if row is None:
        return MemberSettings(user_id)
    return MemberSettings(
        user_id=user_id,
        timezone=row["timezone"],
        private=bool(row["private"]),
        reminder_minute=row["reminder_minute"],
        reminder_guild_id=row["reminder_guild_id"],
        reminder_next_at=row["reminder_next_at"],
        reminder_failed=bool(row["reminder_failed"]),
        locale=row["locale"],
    )


async def _upsert(db: Database, user_id: int, now: datetime, **values: Any) -> None:
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    async with db.transaction() as conn:
        await conn.execute(
            f"INSERT INTO member_settings (user_id, {columns}, updated_at) VALUES (?, {marks}, ?) "
            f"ON CONFLICT (user_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
            (user_id, *values.values(), _now_text(now)),
        )
        if "timezone" in values:
            await conn.execute(
                "UPDATE member_stats SET valid_until = 0 WHERE user_id = ?", (user_id,)
            )


async def set_timezone(
    db: Database, user_id: int, name: str | None, *, now: datetime
) -> str | None:
    """Store a member's zone (validated: an unknown name raises and changes nothing); None resets.

    Recorded reading days are not touched: a day is fixed when it is recorded.
    """
    key = None if name is None else parse_timezone(name).key
    await _upsert(db, user_id, now, timezone=key)
    # A reminder set for 20:30 means 20:30 where the member now lives.
    await reminder_done(db, await get_member_settings(db, user_id), now)
    return key


async def set_private(db: Database, user_id: int, private: bool, *, now: datetime) -> None:
    await _upsert(db, user_id, now, private=int(private))


async def member_zone(db: Database, guild_id: int, user_id: int) -> ZoneInfo:
    """The member's own zone, or the server's until they set one."""
    settings = await get_member_settings(db, user_id)
    if settings.timezone:
        return ZoneInfo(settings.timezone)
    return await guild_zone(db, guild_id)


async def guild_zone(db: Database, guild_id: int) -> ZoneInfo:
    settings = await get_settings(db, guild_id)
    try:
        return parse_timezone(str(settings.get("timezone") or "UTC"))
    except Exception:
        return ZoneInfo("UTC")


async def member_today(db: Database, guild_id: int, user_id: int, now: datetime) -> date:
    """The member's calendar day now: what ``read_on`` should be for a reading recorded now."""
    return local_day(now, await member_zone(db, guild_id, user_id))


# --- Streak days ----------------------------------------------------------------------------------


async def attendance_days(db: Database, guild_id: int, user_id: int, zone: ZoneInfo) -> list[date]:
    """Local days of the meetings a member attended in this server (meeting start in their zone)."""
    rows = await db.fetchall(
        "SELECT m.started_at FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id "
        "WHERE a.member_id = ? AND m.guild_id = ?",
        (user_id, guild_id),
    )
    return [local_day(datetime.fromtimestamp(row[0], UTC), zone) for row in rows]


async def reading_counts(
    db: Database, guild_id: int, user_id: int, since: date | None = None
) -> dict[date, int]:
    """Readings per local day (for the heatmap), answered from the reading_log_member index."""
    rows = await db.fetchall(
        "SELECT read_on, COUNT(*) FROM reading_log WHERE guild_id = ? AND user_id = ? "
        "AND read_on >= ? GROUP BY read_on",
        (guild_id, user_id, (since or date.min).isoformat()),
    )
    return {date.fromisoformat(row[0]): int(row[1]) for row in rows}


async def streak_rules(db: Database, guild_id: int) -> tuple[StreakRules, bool]:
    """The server's streak rules, and whether attending a meeting counts as a streak day."""
    settings = await get_settings(db, guild_id)
    return StreakRules.from_settings(settings), bool(settings.get("streak_counts_attendance"))


async def streak_days(
    db: Database, guild_id: int, user_id: int, zone: ZoneInfo, counts_attendance: bool
) -> list[date]:
    days = list((await reading_counts(db, guild_id, user_id)).keys())
    if counts_attendance:
        days += await attendance_days(db, guild_id, user_id, zone)
    return days


@dataclass(frozen=True, slots=True)
class MemberStreak:
    streak: Streak
    today: date
    zone: ZoneInfo
    counts: dict[date, int]
    last_read_at: datetime | None


async def member_streak(
    db: Database, guild_id: int, user_id: int, now: datetime, *, refresh: bool = True
) -> MemberStreak:
    """Everything ``/streak`` shows, computed now from the log; the cached figures are refreshed
    unless ``refresh`` is False (a web page: a read must not cost a write per page load, and
    :func:`refresh_stats` keeps the leaderboard's figures current anyway)."""
    zone = await member_zone(db, guild_id, user_id)
    rules, counts_attendance = await streak_rules(db, guild_id)
    counts = await reading_counts(db, guild_id, user_id)
    days = list(counts)
    if counts_attendance:
        days += await attendance_days(db, guild_id, user_id, zone)
    today = local_day(now, zone)
    streak = compute_streak(days, today, rules)
    if refresh:
        await _store_stats(db, guild_id, user_id, days, zone, rules, now)
    row = await db.fetchone(
        "SELECT MAX(created_at) FROM reading_log WHERE guild_id = ? AND user_id = ?",
        (guild_id, user_id),
    )
    last = datetime.fromisoformat(row[0]) if row is not None and row[0] else None
    return MemberStreak(streak, today, zone, counts, last)


async def _store_stats(
    db: Database,
    guild_id: int,
    user_id: int,
    days: list[date],
    zone: ZoneInfo,
    rules: StreakRules,
    now: datetime,
) -> None:
    today = local_day(now, zone)
    streak = compute_streak(days, today, rules)
    change = streak_changes_on(days, today, rules)
    valid_until = None if change is None else int(start_of_day(change, zone).timestamp())
    guild_today = local_day(now, await guild_zone(db, guild_id))
    week_of = period_start("week", guild_today)
    month_of = period_start("month", guild_today)
    assert week_of is not None and month_of is not None
    counted = await db.fetchone(
        "SELECT COUNT(DISTINCT document || ':' || section), "
        "COUNT(DISTINCT CASE WHEN read_on >= ?3 THEN document || ':' || section END), "
        "COUNT(DISTINCT CASE WHEN read_on >= ?4 THEN document || ':' || section END) "
        "FROM reading_log WHERE guild_id = ?1 AND user_id = ?2",
        (guild_id, user_id, week_of.isoformat(), month_of.isoformat()),
    )
    all_time, this_week, this_month = (int(x) for x in counted) if counted else (0, 0, 0)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO member_stats (guild_id, user_id, current, longest, last_day, sections, "
            "week_of, sections_week, month_of, sections_month, valid_until) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE "
            "SET current = excluded.current, longest = excluded.longest, "
            "last_day = excluded.last_day, sections = excluded.sections, "
            "week_of = excluded.week_of, sections_week = excluded.sections_week, "
            "month_of = excluded.month_of, sections_month = excluded.sections_month, "
            "valid_until = excluded.valid_until",
            (
                guild_id,
                user_id,
                streak.current,
                streak.longest,
                streak.last_day.isoformat() if streak.last_day else None,
                all_time,
                week_of.isoformat(),
                this_week,
                month_of.isoformat(),
                this_month,
                valid_until,
            ),
        )


async def refresh_stats(db: Database, guild_id: int, now: datetime) -> int:
    """Recompute the server's stale or lapsed figures (all of them after a rules change)."""
    rules, counts_attendance = await streak_rules(db, guild_id)
    zone = await guild_zone(db, guild_id)
    fingerprint = json.dumps([rules.cadence, rules.freezes_per_week, counts_attendance, zone.key])
    seen = await db.fetchone("SELECT rules FROM streak_rules_seen WHERE guild_id = ?", (guild_id,))
    if seen is None or seen[0] != fingerprint:
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE member_stats SET valid_until = 0 WHERE guild_id = ?", (guild_id,)
            )
            await conn.execute(
                "INSERT INTO streak_rules_seen (guild_id, rules) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET rules = excluded.rules",
                (guild_id, fingerprint),
            )
    rows = await db.fetchall(
        "SELECT user_id FROM member_stats WHERE guild_id = ? AND valid_until IS NOT NULL "
        "AND valid_until <= ?",
        (guild_id, int(now.timestamp())),
    )
    for row in rows:
        user_id = int(row[0])
        member = await member_zone(db, guild_id, user_id)
        days = await streak_days(db, guild_id, user_id, member, counts_attendance)
        await _store_stats(db, guild_id, user_id, days, member, rules, now)
    return len(rows)


async def sections_read(
    db: Database, guild_id: int, user_id: int, document: str | None = None
) -> set[tuple[str, str]]:
    """``(document, section)`` pairs the member recorded reading in, in this server."""
    sql = "SELECT DISTINCT document, section FROM reading_log WHERE guild_id = ? AND user_id = ?"
    params: tuple[Any, ...] = (guild_id, user_id)
    if document is not None:
        sql += " AND document = ?"
        params += (document,)
    return {(row[0], row[1]) for row in await db.fetchall(sql, params)}


# --- Leaderboards ---------------------------------------------------------------------------------

_PUBLIC = "user_id NOT IN (SELECT user_id FROM member_settings WHERE private = 1)"


async def _ranked_values(
    db: Database,
    guild_id: int,
    kind: Kind,
    period: Period,
    since: date | None,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[str, tuple[Any, ...]]:
    """SQL yielding ``(user_id, value, detail)`` for every member on the board, unfiltered."""
    if kind == "streak":
        sql = (
            "SELECT user_id, current AS value, '' AS detail FROM member_stats "
            "WHERE guild_id = ? AND current > 0"
        )
        params: tuple[Any, ...] = (guild_id,)
        if since is not None:
            sql += " AND last_day >= ?"
            params += (since.isoformat(),)
        return sql, params
    if kind == "sections":
        if period == "all":
            return (
                "SELECT user_id, sections AS value, '' AS detail FROM member_stats "
                "WHERE guild_id = ? AND sections > 0",
                (guild_id,),
            )
        column, key = (
            ("sections_week", "week_of") if period == "week" else ("sections_month", "month_of")
        )
        return (
            f"SELECT user_id, {column} AS value, '' AS detail FROM member_stats "
            f"WHERE guild_id = ? AND {key} = ? AND {column} > 0",
            (guild_id, since.isoformat() if since else ""),
        )
    start = 0 if since is None else int(start_of_day(since, zone).timestamp())
    return (
        "SELECT a.member_id AS user_id, "
        "CAST(COUNT(*) AS DOUBLE PRECISION) / (SELECT COUNT(*) FROM meetings WHERE guild_id = ?1 "
        "  AND started_at >= ?2 AND started_at <= ?3) AS value, "
        "COUNT(*) || '/' || (SELECT COUNT(*) FROM meetings WHERE guild_id = ?1 "
        "  AND started_at >= ?2 AND started_at <= ?3) AS detail "
        "FROM meeting_attendance a JOIN meetings m ON m.id = a.meeting_id "
        "WHERE m.guild_id = ?1 AND m.started_at >= ?2 AND m.started_at <= ?3 "
        "GROUP BY a.member_id",
        (guild_id, start, int(now.timestamp())),
    )


async def leaderboard(
    db: Database,
    guild_id: int,
    kind: Kind,
    period: Period,
    *,
    now: datetime,
    viewer_id: int | None = None,
    page: int = 0,
    per_page: int = PER_PAGE,
) -> Board:
    """One page of a leaderboard; members who opted out are left out but still see their place."""
    if kind != "attendance":
        await refresh_stats(db, guild_id, now)
    zone = await guild_zone(db, guild_id)
    since = period_start(period, local_day(now, zone))
    inner, params = await _ranked_values(db, guild_id, kind, period, since, now, zone)
    # Subqueries in FROM are named: PostgreSQL before 16 requires it.
    public = f"SELECT * FROM ({inner}) AS board WHERE {_PUBLIC}"
    total_row = await db.fetchone(f"SELECT COUNT(*) FROM ({public}) AS shown", params)
    total = int(total_row[0]) if total_row else 0
    page = min(max(page, 0), max(0, -(-total // per_page) - 1))
    rows = await db.fetchall(
        f"{public} ORDER BY value DESC, user_id LIMIT ? OFFSET ?",
        (*params, per_page, page * per_page),
    )
    entries: list[Entry] = []
    if rows:
        above = (
            await db.fetchone(
                f"SELECT COUNT(*) FROM ({public}) AS shown WHERE value > ?",
                (*params, rows[0]["value"]),
            )
            if page > 0
            else None  # nobody ranks above the first entry of the first page
        )
        ranks = competition_ranks(
            [row["value"] for row in rows],
            offset=page * per_page,
            above_first=int(above[0]) if above else 0,
        )
        entries = [
            Entry(rank, int(row["user_id"]), float(row["value"]), str(row["detail"]))
            for rank, row in zip(ranks, rows, strict=True)
        ]
    own = None
    if viewer_id is not None:
        mine = await db.fetchone(
            f"SELECT * FROM ({inner}) AS board WHERE user_id = ?", (*params, viewer_id)
        )
        if mine is not None:
            better = await db.fetchone(
                f"SELECT COUNT(*) FROM ({public}) AS shown WHERE value > ? AND user_id != ?",
                (*params, mine["value"], viewer_id),
            )
            own = Entry(
                int(better[0]) + 1 if better else 1,
                viewer_id,
                float(mine["value"]),
                str(mine["detail"]),
            )
    return Board(kind, period, page, total, entries, own)


# --- Reminders ------------------------------------------------------------------------------------


def next_reminder_at(minute: int, zone: ZoneInfo, now: datetime) -> datetime:
    """The next instant strictly after ``now`` at local ``minute`` of the day (DST-safe)."""
    today = local_day(now, zone)
    for offset in range(3):
        day = today + timedelta(days=offset)
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
        # A wall time inside a DST gap does not exist: zoneinfo maps it past the jump, once.
        candidate = local.astimezone(UTC)
        if candidate > now:
            return candidate
    raise AssertionError("a local time recurs within three days")


async def set_reminder(
    db: Database,
    user_id: int,
    guild_id: int,
    minute: int | None,
    *,
    now: datetime,
    locale: str | None = None,
) -> datetime | None:
    """Turn the daily reminder on at local ``minute`` (or off with None); the next DM time.

    ``locale`` is the language the member asked in, which their reminders will speak.
    """
    if locale is not None:
        await remember_locale(db, user_id, locale, now=now)
    if minute is None:
        await _upsert(db, user_id, now, reminder_minute=None, reminder_next_at=None)
        return None
    zone = await member_zone(db, guild_id, user_id)
    at = next_reminder_at(minute, zone, now)
    await _upsert(
        db,
        user_id,
        now,
        reminder_minute=minute,
        reminder_guild_id=guild_id,
        reminder_next_at=int(at.timestamp()),
        reminder_failed=0,
    )
    return at


async def remember_locale(db: Database, user_id: int, locale: str, *, now: datetime) -> None:
    """Keep the member's latest Discord locale, for messages sent without an interaction."""
    await _upsert(db, user_id, now, locale=locale)


def _on(shards: Shards | None) -> tuple[str, list[int]]:
    """Reminders belong to the process serving the server they were set in."""
    return ("1 = 1", []) if shards is None else shards.sql("reminder_guild_id")


async def next_reminder_due(db: Database, shards: Shards | None = None) -> datetime | None:
    """When the earliest reminder is due (possibly in the past), or None when none is on."""
    where, params = _on(shards)
    row = await db.fetchone(
        "SELECT MIN(reminder_next_at) FROM member_settings WHERE reminder_next_at IS NOT NULL "
        f"AND {where}",
        params,
    )
    return datetime.fromtimestamp(row[0], UTC) if row is not None and row[0] is not None else None


async def due_reminders(
    db: Database, now: datetime, shards: Shards | None = None
) -> list[MemberSettings]:
    where, params = _on(shards)
    rows = await db.fetchall(
        "SELECT user_id FROM member_settings WHERE reminder_next_at IS NOT NULL "
        f"AND reminder_next_at <= ? AND {where} ORDER BY reminder_next_at LIMIT 500",
        (int(now.timestamp()), *params),
    )
    return [await get_member_settings(db, int(row[0])) for row in rows]


async def claim_reminders(
    db: Database, members: list[MemberSettings], now: datetime
) -> list[MemberSettings]:
    """Take due reminders before sending them: each moves on to its next local time, only if it
    is still due as read and still due at ``now``, all in one transaction. Returns those taken:
    another process (two overlap in a rolling restart) may have taken some, and a member never
    gets a reminder twice; a crash after the claim skips that day's DM instead.

    "Still due" matters as much as "as read": a member read after the other process had sent
    and moved them on carries tomorrow's time, which alone would match and be taken again."""
    plans: list[tuple[MemberSettings, int | None]] = []
    for member in members:
        if member.reminder_next_at is None:
            continue
        following: int | None = None
        if member.reminder_minute is not None and member.reminder_guild_id is not None:
            zone = await member_zone(db, member.reminder_guild_id, member.user_id)
            following = int(next_reminder_at(member.reminder_minute, zone, now).timestamp())
        plans.append((member, following))
    taken: list[MemberSettings] = []
    async with db.transaction() as conn:
        for member, following in plans:
            cursor = await conn.execute(
                "UPDATE member_settings SET reminder_next_at = ?, updated_at = ? "
                "WHERE user_id = ? AND reminder_next_at = ? AND reminder_next_at <= ?",
                (
                    following,
                    _now_text(now),
                    member.user_id,
                    member.reminder_next_at,
                    int(now.timestamp()),
                ),
            )
            if cursor.rowcount == 1:
                taken.append(member)
    return taken


async def read_today_anywhere(db: Database, user_id: int, guild_id: int, now: datetime) -> bool:
    today = await member_today(db, guild_id, user_id, now)
    row = await db.fetchone(
        "SELECT 1 FROM reading_log WHERE user_id = ? AND read_on = ? LIMIT 1",
        (user_id, today.isoformat()),
    )
    return row is not None


async def reminder_done(db: Database, member: MemberSettings, now: datetime) -> None:
    """Move a handled reminder to its next local time (after sending, or when not needed)."""
    if member.reminder_minute is None or member.reminder_guild_id is None:
        if member.reminder_next_at is not None:  # half set: never leave it due forever
            await _upsert(db, member.user_id, now, reminder_next_at=None)
        return
    zone = await member_zone(db, member.reminder_guild_id, member.user_id)
    at = next_reminder_at(member.reminder_minute, zone, now)
    await _upsert(db, member.user_id, now, reminder_next_at=int(at.timestamp()))


async def postpone_reminder(db: Database, user_id: int, at: datetime, *, now: datetime) -> None:
    """Try a reminder again at ``at`` (a DM failed for a passing reason)."""
    await _upsert(db, user_id, now, reminder_next_at=int(at.timestamp()))


async def reminder_failed(db: Database, user_id: int, *, now: datetime) -> None:
    """A DM could not be delivered: turn the reminder off and remember to say so."""
    await _upsert(db, user_id, now, reminder_minute=None, reminder_next_at=None, reminder_failed=1)


async def take_reminder_failure(db: Database, user_id: int, *, now: datetime) -> bool:
    """True once after a failed reminder DM (the flag is cleared), so the member is told once."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE member_settings SET reminder_failed = 0, updated_at = ? "
            "WHERE user_id = ? AND reminder_failed = 1",
            (_now_text(now), user_id),
        )
        return cursor.rowcount == 1


# --- Member data ----------------------------------------------------------------------------------


async def _export_settings(db: Database, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall("SELECT * FROM member_settings WHERE user_id = ?", (user_id,))
    return [dict(row) for row in rows]


async def _forget_settings(conn: Connection, user_id: int) -> int:
    cursor = await conn.execute("DELETE FROM member_settings WHERE user_id = ?", (user_id,))
    return cursor.rowcount


async def refresh_member_stats(db: Database, user_id: int, now: datetime) -> None:
    """Recompute a member's cached figures in every server, whatever their state."""
    guilds = await db.fetchall("SELECT guild_id FROM member_stats WHERE user_id = ?", (user_id,))
    for (guild_id,) in guilds:
        rules, counts_attendance = await streak_rules(db, guild_id)
        zone = await member_zone(db, guild_id, user_id)
        days = await streak_days(db, guild_id, user_id, zone, counts_attendance)
        await _store_stats(db, guild_id, user_id, days, zone, rules, now)


async def _export_stats(db: Database, user_id: int) -> list[dict[str, Any]]:
    # The cache may be stale (an undo, a lapsed day): the export says what the log says now. The
    # export signature has no clock, and an export is "as of now" by definition.
    await refresh_member_stats(db, user_id, datetime.now(UTC))
    rows = await db.fetchall(
        "SELECT guild_id, user_id, current, longest, last_day, sections FROM member_stats "
        "WHERE user_id = ? ORDER BY guild_id",
        (user_id,),
    )
    return [dict(row) for row in rows]


async def _forget_stats(conn: Connection, user_id: int) -> int:
    cursor = await conn.execute("DELETE FROM member_stats WHERE user_id = ?", (user_id,))
    return cursor.rowcount


MEMBER_DATA.append(
    MemberData("member_settings", ("member_settings",), _export_settings, _forget_settings)
)
MEMBER_DATA.append(MemberData("streaks", ("member_stats",), _export_stats, _forget_stats))
