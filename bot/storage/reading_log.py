"""The reading log: passages members marked as read, the ground truth streaks are counted from.

``read_on`` is the member's *local* date, decided by the caller (who knows the member's or the
server's time zone), so a reading at 00:30 in Berlin counts for the day the member lives in.
Marking the same passage twice on one day is one reading (``UNIQUE (guild_id, user_id, ref,
read_on)``), so a double click or a retried interaction cannot inflate a streak.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from bot.privacy import MEMBER_DATA, MemberData
from bot.storage.database import Connection, Database, Row

ReadingSource = Literal["prompt", "quote", "command"]

_COLUMNS = "id, guild_id, user_id, document, section, ref, read_on, created_at, source"


@dataclass(frozen=True, slots=True)
class Reading:
    id: int
    guild_id: int
    user_id: int
    document: str
    section: str
    ref: str
    read_on: date
    created_at: datetime
    source: ReadingSource


def _reading(row: Row) -> Reading:
    return Reading(
        id=row["id"],
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        document=row["document"],
        section=row["section"],
        ref=row["ref"],
        read_on=date.fromisoformat(row["read_on"]),
        created_at=datetime.fromisoformat(row["created_at"]),
        source=row["source"],
    )


async def record_reading(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    document: str,
    section: str,
    ref: str,
    read_on: date,
    source: ReadingSource,
    now: datetime,
) -> bool:
    """Store a reading; False when this passage was already marked on that day (nothing changes)."""
    if now.tzinfo is None:
        raise ValueError("naive datetime: the reading log stores UTC moments only")
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO reading_log "
            "(guild_id, user_id, document, section, ref, read_on, created_at, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (guild_id, user_id, ref, read_on) DO NOTHING",
            (
                guild_id,
                user_id,
                document,
                section,
                ref,
                read_on.isoformat(),
                now.astimezone(UTC).isoformat(timespec="seconds"),
                source,
            ),
        )
        return cursor.rowcount == 1


async def undo_last_reading(db: Database, *, guild_id: int, user_id: int) -> Reading | None:
    """Remove the member's most recent reading in this server and return it (None if none)."""
    async with db.transaction() as conn:
        async with conn.execute(
            f"SELECT {_COLUMNS} FROM reading_log WHERE guild_id = ? AND user_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT 1",
            (guild_id, user_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        await conn.execute("DELETE FROM reading_log WHERE id = ?", (row["id"],))
        return _reading(row)


async def readings_for_member(
    db: Database,
    *,
    guild_id: int,
    user_id: int,
    since: date | None = None,
    until: date | None = None,
) -> list[Reading]:
    """A member's readings in a server, oldest first, optionally within local dates (inclusive)."""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM reading_log WHERE guild_id = ? AND user_id = ? "
        "AND read_on >= ? AND read_on <= ? ORDER BY read_on, created_at, id",
        (guild_id, user_id, (since or date.min).isoformat(), (until or date.max).isoformat()),
    )
    return [_reading(row) for row in rows]


async def reading_days(
    db: Database, *, guild_id: int, user_id: int, since: date | None = None
) -> list[date]:
    """The distinct local dates on which a member read anything, ascending."""
    rows = await db.fetchall(
        "SELECT DISTINCT read_on FROM reading_log WHERE guild_id = ? AND user_id = ? "
        "AND read_on >= ? ORDER BY read_on",
        (guild_id, user_id, (since or date.min).isoformat()),
    )
    return [date.fromisoformat(row["read_on"]) for row in rows]


async def _export(db: Database, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM reading_log WHERE user_id = ? ORDER BY guild_id, read_on, id",
        (user_id,),
    )
    return [dict(row) for row in rows]


async def _forget(conn: Connection, user_id: int) -> int:
    cursor = await conn.execute("DELETE FROM reading_log WHERE user_id = ?", (user_id,))
    return cursor.rowcount


# reading_firsts is derived from the log by its triggers: deleting the readings deletes it too.
MEMBER_DATA.append(MemberData("reading_log", ("reading_log", "reading_firsts"), _export, _forget))
