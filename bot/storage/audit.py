"""The audit log: every change a moderator made, from Discord or the web, with its before and after.

An entry is written in the same transaction as the change it describes (storage functions take an
:class:`Audit` and call :meth:`Audit.write` on their connection), so the log never shows a change
that did not happen nor misses one that did. Entries are kept for the server's
``audit_retention_days`` and pruned by the heartbeat (:func:`prune`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from bot.config import GUILD_DEFAULTS
from bot.privacy import MEMBER_DATA, MemberData
from bot.storage.database import Connection, Database, Row

PAGE_SIZE: Final = 25


@dataclass(frozen=True, slots=True)
class Audit:
    """Who is making a change and what it is called; the storage function adds the states."""

    actor_id: int | None
    action: str
    """``area.verb``: ``prompt.create``, ``meeting.end``, ``attendance.add``, ``setting.change``."""
    target: str = ""
    """What was changed, ``kind:id`` (``prompt:12``, ``meeting:3``, ``setting:timezone``)."""
    member_id: int | None = None
    """The member the change is about (an attendance correction), for export and forget."""

    def about(self, target: str) -> Audit:
        """The same entry naming its target once it is known (a new prompt's id)."""
        return Audit(self.actor_id, self.action, target, self.member_id)

    async def write(
        self, conn: Connection, guild_id: int, *, before: Any, after: Any, at: datetime
    ) -> None:
        await conn.execute(
            "INSERT INTO audit_log (guild_id, actor_id, action, target, member_id, before, "
            "after, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                self.actor_id,
                self.action,
                self.target,
                self.member_id,
                None if before is None else json.dumps(before, sort_keys=True, default=str),
                None if after is None else json.dumps(after, sort_keys=True, default=str),
                int(at.timestamp()),
            ),
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    guild_id: int
    actor_id: int | None
    action: str
    target: str
    member_id: int | None
    before: Any
    after: Any
    at: datetime


def _entry(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        guild_id=row["guild_id"],
        actor_id=row["actor_id"],
        action=row["action"],
        target=row["target"],
        member_id=row["member_id"],
        before=None if row["before"] is None else json.loads(row["before"]),
        after=None if row["after"] is None else json.loads(row["after"]),
        at=datetime.fromtimestamp(row["at"], UTC),
    )


_COLUMNS: Final = "id, guild_id, actor_id, action, target, member_id, before, after, at"


async def list_entries(
    db: Database,
    guild_id: int,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    member_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> tuple[list[AuditEntry], int]:
    """One server's entries, newest first, filtered, one page of them; and how many match.

    ``action`` matches exactly (``prompt.edit``) or a whole area (``prompt``); ``actor_id`` is
    who made the change, ``member_id`` the member it was about; ``since`` is inclusive and
    ``until`` exclusive.
    """
    where = ["guild_id = ?"]
    params: list[Any] = [guild_id]
    if action:
        where.append("(action = ? OR action LIKE ?)")
        params += [action, f"{action}.%"]
    if actor_id is not None:
        where.append("actor_id = ?")
        params.append(actor_id)
    if member_id is not None:
        where.append("member_id = ?")
        params.append(member_id)
    if since is not None:
        where.append("at >= ?")
        params.append(int(since.timestamp()))
    if until is not None:
        where.append("at < ?")
        params.append(int(until.timestamp()))
    condition = " AND ".join(where)
    total = await db.fetchone(f"SELECT COUNT(*) AS n FROM audit_log WHERE {condition}", params)
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM audit_log WHERE {condition} ORDER BY at DESC, id DESC "
        "LIMIT ? OFFSET ?",
        [*params, page_size, max(page, 0) * page_size],
    )
    return [_entry(row) for row in rows], 0 if total is None else int(total["n"])


async def prune(db: Database, now: datetime) -> int:
    """Delete entries older than each server's ``audit_retention_days``; return how many."""
    default = int(GUILD_DEFAULTS["audit_retention_days"])  # type: ignore[call-overload]
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM audit_log WHERE at < ? - 86400 * COALESCE(("
            "SELECT CAST(s.value AS BIGINT) FROM guild_settings s "
            "WHERE s.guild_id = audit_log.guild_id AND s.key = 'audit_retention_days'), ?)",
            (int(now.timestamp()), default),
        )
        return cursor.rowcount


# --- Member data ------------------------------------------------------------------------------


async def _export(db: Database, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM audit_log WHERE actor_id = ? OR member_id = ? ORDER BY id",
        (user_id, user_id),
    )
    return [dict(zip(row.keys(), tuple(row), strict=True)) for row in rows]


async def _forget(conn: Connection, user_id: int) -> int:
    # A change about the member goes with them; a change they made stays, without their name.
    deleted = await conn.execute("DELETE FROM audit_log WHERE member_id = ?", (user_id,))
    unnamed = await conn.execute(
        "UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?", (user_id,)
    )
    return deleted.rowcount + unnamed.rowcount


MEMBER_DATA.append(MemberData("audit_log", ("audit_log",), _export, _forget))
