"""Bot processes sharing one database: their heartbeat rows and their turns to IDENTIFY.

Everything a process must know about the others goes through these rows, never through memory:
whether the owner of a claimed prompt run is still alive (:func:`live_condition`), what
``python -m bot status`` reports, and when a shard may connect to Discord's gateway without
breaking the per-bot IDENTIFY limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from bot.sharding import Shards
from bot.storage.database import Database, Row

STALE_BEATS: Final = 3
"""A process is presumed dead once this many heartbeats are missing."""

IDENTIFY_WINDOW_MS: Final = 5000
"""Discord allows one IDENTIFY per bucket per 5 seconds, for the whole bot."""
IDENTIFY_SPACING_MS: Final = IDENTIFY_WINDOW_MS + 500
"""Turns are spaced a little wider than the window: Discord times IDENTIFYs as they arrive, and
a process may send its own a moment after the turn it reserved (a busy event loop, the network)."""

_COLUMNS = (
    "instance, name, host, pid, shards, started_at, beat_at, interval_ms, ready, latencies, lag_ms"
)


@dataclass(frozen=True, slots=True)
class ProcessRow:
    instance: str
    name: str
    host: str
    pid: int
    shards: str
    started_at: int
    beat_at: int
    interval_ms: int
    ready: int
    latencies: dict[int, float | None]
    lag_ms: int | None

    def stale(self, now_ms: int) -> bool:
        return now_ms - self.beat_at > STALE_BEATS * self.interval_ms

    def shard_set(self) -> Shards | None:
        return Shards.parse_label(self.shards) if self.shards else None


@dataclass(frozen=True, slots=True)
class Beat:
    """What a process reports each heartbeat."""

    shards: Shards | None
    ready: int
    latencies: dict[int, float | None]
    lag_ms: int | None


def _row(row: Row) -> ProcessRow:
    return ProcessRow(
        instance=row["instance"],
        name=row["name"],
        host=row["host"],
        pid=int(row["pid"]),
        shards=row["shards"],
        started_at=int(row["started_at"]),
        beat_at=int(row["beat_at"]),
        interval_ms=int(row["interval_ms"]),
        ready=int(row["ready"]),
        latencies={int(k): v for k, v in json.loads(row["latencies"]).items()},
        lag_ms=None if row["lag_ms"] is None else int(row["lag_ms"]),
    )


def live_condition(owner: str) -> str:
    """SQL true when the process named by column ``owner`` has a fresh heartbeat.

    Takes one parameter, the current time in unix milliseconds.
    """
    return (
        f"EXISTS (SELECT 1 FROM bot_processes p WHERE p.instance = {owner} "
        f"AND p.beat_at >= CAST(? AS BIGINT) - {STALE_BEATS} * p.interval_ms)"
    )


async def register(
    db: Database,
    *,
    instance: str,
    name: str,
    host: str,
    pid: int,
    interval_ms: int,
    now_ms: int,
    shards: Shards | None,
) -> None:
    """Write this process's first row before it claims any work, so others see it alive."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO bot_processes (instance, name, host, pid, shards, started_at, beat_at, "
            "interval_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                instance,
                name,
                host,
                pid,
                "" if shards is None else shards.label(),
                now_ms,
                now_ms,
                interval_ms,
            ),
        )


async def beat(db: Database, instance: str, now_ms: int, report: Beat) -> bool:
    """Refresh this process's row; False if it was removed (a successor thought it dead)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE bot_processes SET beat_at = ?, shards = ?, ready = ?, latencies = ?, "
            "lag_ms = ? WHERE instance = ?",
            (
                now_ms,
                "" if report.shards is None else report.shards.label(),
                report.ready,
                json.dumps({str(k): v for k, v in sorted(report.latencies.items())}),
                report.lag_ms,
                instance,
            ),
        )
        return cursor.rowcount == 1


async def unregister(db: Database, instance: str) -> None:
    """A clean stop: the process's runs become free to others at once, and status forgets it."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM bot_processes WHERE instance = ?", (instance,))


async def forget_dead(
    db: Database,
    shards: Shards | None,
    now_ms: int,
    gone: Callable[[ProcessRow], bool] = lambda process: False,
) -> list[ProcessRow]:
    """Remove stale rows of processes this one replaces: same shard count and a shard in common,
    or another shard count (a layout that is gone); with ``shards`` None (this process runs every
    shard) all stale rows. ``gone`` marks rows known dead before they turn stale (a process
    on this host whose pid no longer exists). Returns what was removed.

    A process killed with ``kill -9`` leaves its row; its successor removes it, so ``status``
    reports a problem only while nothing serves those shards.
    """
    removed: list[ProcessRow] = []
    for process in await list_processes(db):
        if not process.stale(now_ms) and not gone(process):
            continue
        theirs = process.shard_set()
        if (
            shards is not None
            and theirs is not None
            and theirs.count == shards.count
            and not (set(theirs.ids) & set(shards.ids))
        ):
            continue
        async with db.transaction() as conn:
            # Compare-and-delete: a process that came back to life meanwhile keeps its row.
            cursor = await conn.execute(
                "DELETE FROM bot_processes WHERE instance = ? AND beat_at = ?",
                (process.instance, process.beat_at),
            )
            if cursor.rowcount == 1:
                removed.append(process)
    return removed


async def list_processes(db: Database) -> list[ProcessRow]:
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM bot_processes ORDER BY name, started_at")
    return [_row(row) for row in rows]


async def reserve_identify(db: Database, bucket: int, now_ms: int) -> int:
    """Reserve the bucket's next IDENTIFY turn; the milliseconds to wait before using it.

    Each call gets its own turn :data:`IDENTIFY_SPACING_MS` after the previous one, whichever
    process made it, so shards of several processes starting together queue instead of being
    refused.
    """
    # One statement, so the read and the write of the turn cannot interleave with another
    # process's (the row is locked by the upsert on PostgreSQL, the file on SQLite).
    async with (
        db.transaction() as conn,
        conn.execute(
            "INSERT INTO gateway_identify (bucket, next_at) VALUES (?, ?) "
            "ON CONFLICT (bucket) DO UPDATE SET next_at = CASE "
            "WHEN gateway_identify.next_at > CAST(? AS BIGINT) THEN gateway_identify.next_at + ? "
            "ELSE CAST(? AS BIGINT) END RETURNING next_at",
            (
                bucket,
                now_ms + IDENTIFY_SPACING_MS,
                now_ms,
                IDENTIFY_SPACING_MS,
                now_ms + IDENTIFY_SPACING_MS,
            ),
        ) as cursor,
    ):
        row = await cursor.fetchone()
    assert row is not None
    turn = int(row["next_at"]) - IDENTIFY_SPACING_MS
    return turn - now_ms


__all__ = [
    "IDENTIFY_SPACING_MS",
    "STALE_BEATS",
    "Beat",
    "ProcessRow",
    "beat",
    "forget_dead",
    "list_processes",
    "live_condition",
    "register",
    "reserve_identify",
    "unregister",
]
