"""The attendance reports, read from storage and rendered, for every surface alike.

A report is named by a short key (``m<meeting id>``, ``u<member id>``, ``s<from>.<to>`` with ``-``
for an open side) so a page button can rebuild it after a restart from its custom id alone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.meetings.attendance import date_range
from bot.meetings.render import meeting_report, member_report, summary_report
from bot.storage import meetings as store
from bot.storage.database import Database


async def report_pages(
    db: Database, guild_id: int, key: str, *, zone: ZoneInfo, now: datetime
) -> list[str]:
    """The pages of the report ``key`` names, on this server only."""
    kind, rest = key[0], key[1:]
    if kind == "m":
        meeting = await store.get_meeting(db, guild_id, int(rest))
        return meeting_report(
            meeting,
            await store.attendance_of(db, meeting.id),
            await store.audit_of(db, meeting.id),
            await store.voice_time(db, meeting.id, now=now),
        )
    if kind == "u":
        member_id = int(rest)
        return member_report(member_id, await store.member_history(db, guild_id, member_id))
    lo_text, hi_text = (None if part == "-" else part for part in rest.split("."))
    start, end = date_range(lo_text, hi_text, zone)
    held = await store.meetings_between(db, guild_id, start, end)
    result = await store.summary(db, guild_id, start, end)
    return summary_report(result, {m.id: m for m in held}, start, end)


def summary_key(start: str | None, end: str | None) -> str:
    # Validated by date_range before use; kept as typed (YYYY-MM-DD) so the button can rebuild it.
    return f"s{(start or '-').strip()}.{(end or '-').strip()}"
