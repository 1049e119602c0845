"""Prompt schedules and their runs: every SQL statement for them.

The exactly-once rule lives here. :func:`claim_run` inserts the run (``UNIQUE (schedule_id,
due_at)``) and advances the schedule's ``next_run_at`` and rotating ``state`` in one transaction,
and only if the schedule still expects that firing; a second claimer, a restarted process or an
edit made meanwhile therefore finds nothing to claim. A claimed run keeps its rendered payload and
nonce until :func:`mark_posted` records the message id, so a restart finishes it, never redoes it.
Scheduler times are unix seconds (UTC) in the database and aware datetimes outside it.

With several processes (issue 8) each reads only its own shards' schedules (``shards``), and a
claimed run records its ``owner`` process: another process takes it over (:func:`take_pending_runs`)
only once the owner's heartbeat is stale, so a run being posted is never posted twice.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.errors import BotError
from bot.i18n import _
from bot.privacy import MEMBER_DATA, MemberData
from bot.scheduling.content import Content, PostOptions, PostPayload
from bot.scheduling.recurrence import Recurrence
from bot.sharding import Shards
from bot.storage.audit import Audit
from bot.storage.changes import changed
from bot.storage.database import Connection, Database, Row
from bot.storage.group_reading import write_plan_sections
from bot.storage.processes import STALE_BEATS, live_condition

Status = Literal["active", "paused", "finished"]
RunStatus = Literal["claimed", "posted", "failed", "skipped"]

_SCHEDULE_COLUMNS = (
    "id, guild_id, channel_id, creator_id, content, rule, thread_name, thread_archive_minutes, "
    "ping_role_id, state, status, paused_reason, next_run_at, created_at, updated_at"
)
_RUN_COLUMNS = (
    "id, schedule_id, guild_id, channel_id, due_at, claimed_at, status, manual, late, payload, "
    "nonce, attempts, retry_at, message_id, thread_id, posted_at, error"
)


def _on(shards: Shards | None, column: str = "guild_id") -> tuple[str, list[int]]:
    """The SQL condition keeping a process to its shards' servers (none: every server)."""
    return ("1 = 1", []) if shards is None else shards.sql(column)


class UnknownSchedule(BotError):
    def __init__(self, schedule_id: int) -> None:
        super().__init__(
            _("There is no prompt #{id} on this server. `/prompt list` shows them.").format(
                id=schedule_id
            )
        )
        self.schedule_id = schedule_id


class ScheduleStateError(BotError):
    """An action that does not fit the schedule's state (resuming an active one, ...)."""


def _ts(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: prompts store UTC moments only")
    return int(moment.timestamp())


def _dt(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    guild_id: int
    channel_id: int
    creator_id: int | None
    content: Content
    recurrence: Recurrence
    options: PostOptions
    state: dict[str, Any]
    status: Status
    paused_reason: str | None
    next_run_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewSchedule:
    guild_id: int
    channel_id: int
    creator_id: int
    content: Content
    recurrence: Recurrence
    options: PostOptions = field(default_factory=PostOptions)


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    schedule_id: int
    guild_id: int
    channel_id: int
    due_at: datetime
    claimed_at: datetime
    status: RunStatus
    manual: bool
    late: bool
    payload: PostPayload
    nonce: str
    attempts: int
    retry_at: datetime | None
    message_id: int | None
    thread_id: int | None
    posted_at: datetime | None
    error: str | None


def _schedule(row: Row) -> Schedule:
    next_run = _dt(row["next_run_at"])
    return Schedule(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        creator_id=row["creator_id"],
        content=Content.from_json(row["content"]),
        recurrence=Recurrence.from_json(row["rule"]),
        options=PostOptions(
            thread_name=row["thread_name"],
            thread_archive_minutes=row["thread_archive_minutes"],
            ping_role_id=row["ping_role_id"],
        ),
        state=json.loads(row["state"]),
        status=row["status"],
        paused_reason=row["paused_reason"],
        next_run_at=next_run,
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def _run(row: Row) -> Run:
    due = _dt(row["due_at"])
    claimed = _dt(row["claimed_at"])
    assert due is not None and claimed is not None
    return Run(
        id=row["id"],
        schedule_id=row["schedule_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        due_at=due,
        claimed_at=claimed,
        status=row["status"],
        manual=bool(row["manual"]),
        late=bool(row["late"]),
        payload=PostPayload.from_json(row["payload"]),
        nonce=row["nonce"],
        attempts=row["attempts"],
        retry_at=_dt(row["retry_at"]),
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        posted_at=_dt(row["posted_at"]),
        error=row["error"],
    )


def snapshot(schedule: Schedule | None) -> dict[str, Any] | None:
    """A schedule as the audit log records it before and after a change."""
    if schedule is None:
        return None
    return {
        "channel_id": schedule.channel_id,
        "content": json.loads(schedule.content.to_json()),
        "rule": json.loads(schedule.recurrence.to_json()),
        "thread_name": schedule.options.thread_name,
        "thread_archive_minutes": schedule.options.thread_archive_minutes,
        "ping_role_id": schedule.options.ping_role_id,
        "status": schedule.status,
        "paused_reason": schedule.paused_reason,
        "next_run_at": None if schedule.next_run_at is None else _iso(schedule.next_run_at),
    }


async def _audited(
    conn: Connection,
    audit: Audit | None,
    before: Schedule | None,
    after: Schedule | None,
    now: datetime,
) -> None:
    """A moderator's change: recorded in the audit log and signalled to every scheduler."""
    await changed(conn)
    if audit is not None:
        guild_id = (after or before).guild_id  # type: ignore[union-attr]
        target = audit if audit.target else audit.about(f"prompt:{(after or before).id}")  # type: ignore[union-attr]
        await target.write(conn, guild_id, before=snapshot(before), after=snapshot(after), at=now)


async def _fetch_schedule(conn: Connection, guild_id: int, schedule_id: int) -> Schedule:
    async with conn.execute(
        f"SELECT {_SCHEDULE_COLUMNS} FROM prompt_schedules WHERE id = ? AND guild_id = ?",
        (schedule_id, guild_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise UnknownSchedule(schedule_id)
    return _schedule(row)


# --- Schedules --------------------------------------------------------------------------------


async def create_schedule(
    db: Database, new: NewSchedule, now: datetime, *, audit: Audit | None = None
) -> Schedule:
    """Store a schedule, due at its first firing after ``now``."""
    first = new.recurrence.next_after(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO prompt_schedules (guild_id, channel_id, creator_id, content, rule, "
            "thread_name, thread_archive_minutes, ping_role_id, state, status, next_run_at, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?) "
            "RETURNING id",
            (
                new.guild_id,
                new.channel_id,
                new.creator_id,
                new.content.to_json(),
                new.recurrence.to_json(),
                new.options.thread_name,
                new.options.thread_archive_minutes,
                new.options.ping_role_id,
                "active" if first is not None else "finished",
                None if first is None else _ts(first),
                _iso(now),
                _iso(now),
            ),
        )
        row = await cursor.fetchone()
        assert row is not None
        created = await _fetch_schedule(conn, new.guild_id, int(row["id"]))
        await _audited(conn, audit, None, created, now)
        return created


async def get_schedule(db: Database, guild_id: int, schedule_id: int) -> Schedule:
    row = await db.fetchone(
        f"SELECT {_SCHEDULE_COLUMNS} FROM prompt_schedules WHERE id = ? AND guild_id = ?",
        (schedule_id, guild_id),
    )
    if row is None:
        raise UnknownSchedule(schedule_id)
    return _schedule(row)


async def list_schedules(
    db: Database, guild_id: int, *, offset: int = 0, limit: int = 10
) -> list[Schedule]:
    rows = await db.fetchall(
        f"SELECT {_SCHEDULE_COLUMNS} FROM prompt_schedules WHERE guild_id = ? "
        "ORDER BY id LIMIT ? OFFSET ?",
        (guild_id, limit, offset),
    )
    return [_schedule(row) for row in rows]


async def count_schedules(db: Database, guild_id: int) -> int:
    row = await db.fetchone(
        "SELECT COUNT(*) AS n FROM prompt_schedules WHERE guild_id = ?", (guild_id,)
    )
    return 0 if row is None else int(row["n"])


async def schedule_ids(db: Database, guild_id: int, prefix: str = "", limit: int = 25) -> list[int]:
    """Ids for autocomplete, newest first."""
    rows = await db.fetchall(
        "SELECT id FROM prompt_schedules WHERE guild_id = ? AND CAST(id AS TEXT) LIKE ? "
        "ORDER BY id DESC LIMIT ?",
        (guild_id, f"{prefix}%", limit),
    )
    return [int(row["id"]) for row in rows]


async def update_schedule(
    db: Database,
    guild_id: int,
    schedule_id: int,
    now: datetime,
    *,
    channel_id: int | None = None,
    content: Content | None = None,
    recurrence: Recurrence | None = None,
    options: PostOptions | None = None,
    audit: Audit | None = None,
) -> Schedule:
    """Change a schedule; a new rule re-plans the next run from ``now``.

    Its content position is kept unless what is posted changes (see
    :meth:`Content.keeps_position_of`): a channel, thread, ping, time or question edit leaves a
    reading plan on the section it reached.
    """
    async with db.transaction() as conn:
        current = await _fetch_schedule(conn, guild_id, schedule_id)
        rule = recurrence or current.recurrence
        opts = options or current.options
        keeps = content is None or content.keeps_position_of(current.content)
        state = current.state if keeps else {}
        next_run = current.next_run_at
        status = current.status
        if recurrence is not None:
            next_run = rule.next_after(now)
            if status == "finished" and next_run is not None:
                status = "active"
        await conn.execute(
            "UPDATE prompt_schedules SET channel_id = ?, content = ?, rule = ?, thread_name = ?, "
            "thread_archive_minutes = ?, ping_role_id = ?, state = ?, status = ?, "
            "next_run_at = ?, updated_at = ? WHERE id = ?",
            (
                channel_id or current.channel_id,
                (content or current.content).to_json(),
                rule.to_json(),
                opts.thread_name,
                opts.thread_archive_minutes,
                opts.ping_role_id,
                json.dumps(state),
                status,
                None if next_run is None else _ts(next_run),
                _iso(now),
                schedule_id,
            ),
        )
        updated = await _fetch_schedule(conn, guild_id, schedule_id)
        await _audited(conn, audit, current, updated, now)
        return updated


async def pause_schedule(
    db: Database,
    guild_id: int,
    schedule_id: int,
    reason: str,
    now: datetime,
    *,
    audit: Audit | None = None,
) -> Schedule:
    async with db.transaction() as conn:
        current = await _fetch_schedule(conn, guild_id, schedule_id)
        if current.status != "active":
            raise ScheduleStateError(
                (
                    _("Prompt #{id} is finished, not running.")
                    if current.status == "finished"
                    else _("Prompt #{id} is paused, not running.")
                ).format(id=schedule_id)
            )
        await conn.execute(
            "UPDATE prompt_schedules SET status = 'paused', paused_reason = ?, updated_at = ? "
            "WHERE id = ?",
            (reason, _iso(now), schedule_id),
        )
        paused = await _fetch_schedule(conn, guild_id, schedule_id)
        await _audited(conn, audit, current, paused, now)
        return paused


async def resume_schedule(
    db: Database, guild_id: int, schedule_id: int, now: datetime, *, audit: Audit | None = None
) -> Schedule:
    """Run again from the next firing after ``now``: runs missed while paused are not posted."""
    async with db.transaction() as conn:
        current = await _fetch_schedule(conn, guild_id, schedule_id)
        if current.status == "active":
            raise ScheduleStateError(_("Prompt #{id} is already running.").format(id=schedule_id))
        next_run = current.recurrence.next_after(now)
        if next_run is None:
            raise ScheduleStateError(
                _("Prompt #{id} has no future runs: `/prompt edit` it with a new schedule.").format(
                    id=schedule_id
                )
            )
        await conn.execute(
            "UPDATE prompt_schedules SET status = 'active', paused_reason = NULL, "
            "next_run_at = ?, updated_at = ? WHERE id = ?",
            (_ts(next_run), _iso(now), schedule_id),
        )
        resumed = await _fetch_schedule(conn, guild_id, schedule_id)
        await _audited(conn, audit, current, resumed, now)
        return resumed


async def skip_next(
    db: Database, guild_id: int, schedule_id: int, now: datetime, *, audit: Audit | None = None
) -> tuple[datetime, Schedule]:
    """Skip the next firing (recorded as a skipped run so nothing can claim it later)."""
    async with db.transaction() as conn:
        current = await _fetch_schedule(conn, guild_id, schedule_id)
        if current.status != "active" or current.next_run_at is None:
            raise ScheduleStateError(
                _("Prompt #{id} has no next run to skip.").format(id=schedule_id)
            )
        skipped = current.next_run_at
        following = current.recurrence.next_after(skipped)
        await _insert_run(
            conn,
            current,
            skipped,
            now,
            "skipped",
            PostPayload(content=""),
            error="skipped by a moderator",
        )
        await conn.execute(
            "UPDATE prompt_schedules SET next_run_at = ?, status = ?, updated_at = ? WHERE id = ?",
            (
                None if following is None else _ts(following),
                "active" if following is not None else "finished",
                _iso(now),
                schedule_id,
            ),
        )
        after = await _fetch_schedule(conn, guild_id, schedule_id)
        await _audited(conn, audit, current, after, now)
        return skipped, after


async def remove_schedule(
    db: Database,
    guild_id: int,
    schedule_id: int,
    *,
    audit: Audit | None = None,
    now: datetime | None = None,
) -> None:
    async with db.transaction() as conn:
        current = await _fetch_schedule(conn, guild_id, schedule_id)
        await conn.execute("DELETE FROM prompt_runs WHERE schedule_id = ?", (schedule_id,))
        await conn.execute("DELETE FROM prompt_schedules WHERE id = ?", (schedule_id,))
        await _audited(conn, audit, current, None, now or datetime.now(UTC))


# --- The scheduler's side ---------------------------------------------------------------------


async def next_wake_at(
    db: Database,
    shards: Shards | None = None,
    *,
    owner: str | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """The earliest moment the scheduler has anything to do: a due schedule or a run to retry.

    Claimed runs without a retry time are either being posted right now (their task wakes the
    scheduler when done) or were left by a previous process (picked up by the first tick). With
    an ``owner``, runs another live process holds count from the moment its heartbeat would
    turn stale: if it dies, this process finishes them then.
    """
    where, params = _on(shards)
    query = (
        "SELECT MIN(t) AS t FROM ("
        f" SELECT MIN(next_run_at) AS t FROM prompt_schedules WHERE status = 'active' AND {where}"
        " UNION ALL"
        " SELECT MIN(retry_at) AS t FROM prompt_runs"
        f" WHERE status = 'claimed' AND retry_at IS NOT NULL AND {where}"
    )
    args: list[Any] = [*params, *params]
    if owner is not None and now is not None:
        mine = _on(shards, "r.guild_id")[0]
        # Integer division keeps the column an integer of seconds on both backends.
        query += (
            " UNION ALL"
            f" SELECT MIN((p.beat_at + {STALE_BEATS} * p.interval_ms) / 1000 + 1) AS t"
            " FROM prompt_runs r JOIN bot_processes p ON p.instance = r.owner"
            f" WHERE r.status = 'claimed' AND r.owner <> ? AND {mine}"
        )
        args += [owner, *params]
    # The alias: PostgreSQL before 16 requires one on a subquery in FROM.
    row = await db.fetchone(query + ") AS due", args)
    return None if row is None else _dt(row["t"])


async def due_schedules(
    db: Database, now: datetime, limit: int = 500, shards: Shards | None = None
) -> list[Schedule]:
    where, params = _on(shards)
    rows = await db.fetchall(
        f"SELECT {_SCHEDULE_COLUMNS} FROM prompt_schedules "
        f"WHERE status = 'active' AND next_run_at <= ? AND {where} "
        "ORDER BY next_run_at, id LIMIT ?",
        (_ts(now), *params, limit),
    )
    return [_schedule(row) for row in rows]


async def _insert_run(
    conn: Connection,
    schedule: Schedule,
    due_at: datetime,
    now: datetime,
    status: RunStatus,
    payload: PostPayload,
    *,
    manual: bool = False,
    late: bool = False,
    error: str | None = None,
    owner: str | None = None,
) -> int | None:
    cursor = await conn.execute(
        "INSERT INTO prompt_runs (schedule_id, guild_id, channel_id, due_at, claimed_at, status, "
        "manual, late, payload, nonce, error, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?) "
        "ON CONFLICT (schedule_id, due_at) DO NOTHING RETURNING id",
        (
            schedule.id,
            schedule.guild_id,
            schedule.channel_id,
            _ts(due_at),
            _ts(now),
            status,
            int(manual),
            int(late),
            payload.to_json(),
            error,
            owner,
        ),
    )
    inserted = await cursor.fetchone()
    if inserted is None:
        return None
    run_id = int(inserted["id"])
    # Discord keeps nonces to 25 characters; the run id is unique for ever, so it is the nonce.
    await conn.execute(
        "UPDATE prompt_runs SET nonce = ? WHERE id = ?", (f"prompt-{run_id}", run_id)
    )
    return run_id


async def _fetch_run(conn: Connection, run_id: int) -> Run:
    async with conn.execute(
        f"SELECT {_RUN_COLUMNS} FROM prompt_runs WHERE id = ?", (run_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return _run(row)


async def claim_run(
    db: Database,
    schedule: Schedule,
    *,
    due_at: datetime,
    payload: PostPayload | None,
    state: dict[str, Any],
    next_run_at: datetime | None,
    now: datetime,
    late: bool = False,
    expected: datetime | None = None,
    owner: str | None = None,
    plan_sections: Collection[tuple[str, str]] | None = None,
) -> Run | None:
    """Claim the firing at ``due_at`` and advance the schedule, atomically.

    ``expected`` is the ``next_run_at`` the caller read (default ``due_at``); it differs when
    older missed firings are passed over for the latest one.

    Returns None, changing nothing, when the schedule no longer expects that firing (claimed
    already, edited, paused or removed meanwhile). ``payload`` None means the content has run
    out (a finished reading plan): the schedule is marked finished and no run is stored. If a
    run already holds that instant (a run-now in the same second), the firing counts as done.

    Two processes may try at once (a rolling restart runs both): the schedule row is locked
    first (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite), so the second
    finds it taken or already advanced and returns None.

    ``plan_sections``: a section plan's posted sections with this post, stored with the claim
    (:func:`bot.storage.group_reading.write_plan_sections`).
    """
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT status, next_run_at FROM prompt_schedules WHERE id = ? FOR UPDATE SKIP LOCKED",
            (schedule.id,),
        ) as cursor:
            row = await cursor.fetchone()
        wanted = _ts(due_at if expected is None else expected)
        if row is None or row["status"] != "active" or row["next_run_at"] != wanted:
            return None
        if payload is None:
            await conn.execute(
                "UPDATE prompt_schedules SET status = 'finished', next_run_at = NULL, "
                "updated_at = ? WHERE id = ?",
                (_iso(now), schedule.id),
            )
            return None
        run_id = await _insert_run(
            conn, schedule, due_at, now, "claimed", payload, late=late, owner=owner
        )
        finished = next_run_at is None
        await conn.execute(
            "UPDATE prompt_schedules SET next_run_at = ?, state = ?, status = ?, updated_at = ? "
            "WHERE id = ? AND next_run_at = ?",
            (
                None if finished or next_run_at is None else _ts(next_run_at),
                json.dumps(state if run_id is not None else schedule.state),
                "finished" if finished else "active",
                _iso(now),
                schedule.id,
                wanted,
            ),
        )
        if run_id is None:
            return None
        if plan_sections is not None:
            await write_plan_sections(conn, schedule.id, schedule.guild_id, plan_sections)
        return await _fetch_run(conn, run_id)


async def finish_plan(
    db: Database, schedule: Schedule, *, expected: datetime, now: datetime
) -> bool:
    """Mark a schedule whose content ran out (a finished reading plan) finished.

    True only for the caller whose update did it, so moderators are told once even when two
    processes reach the end of the plan together; False when it was finished, edited, paused or
    claimed meanwhile (``expected`` is the ``next_run_at`` the caller read).
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE prompt_schedules SET status = 'finished', next_run_at = NULL, updated_at = ? "
            "WHERE id = ? AND status = 'active' AND next_run_at = ?",
            (_iso(now), schedule.id, _ts(expected)),
        )
        return cursor.rowcount == 1


async def skip_missed(
    db: Database,
    schedule: Schedule,
    *,
    due_at: datetime,
    next_run_at: datetime | None,
    now: datetime,
) -> bool:
    """Advance past missed firings without posting (the content position stays where it was)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE prompt_schedules SET next_run_at = ?, status = ?, updated_at = ? "
            "WHERE id = ? AND status = 'active' AND next_run_at = ?",
            (
                None if next_run_at is None else _ts(next_run_at),
                "active" if next_run_at is not None else "finished",
                _iso(now),
                schedule.id,
                _ts(due_at),
            ),
        )
        return cursor.rowcount == 1


async def claim_manual_run(
    db: Database,
    schedule: Schedule,
    *,
    payload: PostPayload,
    state: dict[str, Any],
    now: datetime,
    owner: str | None = None,
    audit: Audit | None = None,
    plan_sections: Collection[tuple[str, str]] | None = None,
) -> Run:
    """A run-now firing: posts the next content without moving the regular timetable.

    Without an ``owner`` (claimed by a process that does not post, the web app), the run is
    left for a bot process's scheduler, which the change signal wakes.
    """
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE prompt_schedules SET state = ?, updated_at = ? WHERE id = ?",
            (json.dumps(state), _iso(now), schedule.id),
        )
        due = now
        run_id = await _insert_run(
            conn, schedule, due, now, "claimed", payload, manual=True, owner=owner
        )
        if run_id is None:
            raise ScheduleStateError(
                _("Prompt #{id} was just run: wait a second and try again.").format(id=schedule.id)
            )
        if plan_sections is not None:
            await write_plan_sections(conn, schedule.id, schedule.guild_id, plan_sections)
        await _audited(conn, audit, schedule, schedule, now)
        return await _fetch_run(conn, run_id)


async def pending_runs(db: Database, now: datetime, shards: Shards | None = None) -> list[Run]:
    """Claimed runs not yet posted whose retry time (if any) has come."""
    where, params = _on(shards)
    rows = await db.fetchall(
        f"SELECT {_RUN_COLUMNS} FROM prompt_runs WHERE status = 'claimed' "
        f"AND COALESCE(retry_at, claimed_at) <= ? AND {where} ORDER BY due_at, id",
        (_ts(now), *params),
    )
    return [_run(row) for row in rows]


async def take_pending_runs(
    db: Database, now: datetime, owner: str, shards: Shards | None = None
) -> list[Run]:
    """Claimed runs due (again) on these shards that are this process's to post, made its own.

    That is its own runs, and runs whose owner is gone (stopped, or its heartbeat is stale after a
    crash): those are taken over in the same statement that selects them, so two processes
    finishing a dead one's work split it instead of both posting it (``SKIP LOCKED`` on
    PostgreSQL; SQLite lets one writer in at a time).
    """
    where, params = _on(shards, "r.guild_id")
    now_ms = int(now.timestamp() * 1000)
    async with (
        db.transaction() as conn,
        conn.execute(
            f"UPDATE prompt_runs SET owner = ? WHERE id IN (SELECT r.id FROM prompt_runs r "
            "WHERE r.status = 'claimed' AND COALESCE(r.retry_at, r.claimed_at) <= ? "
            f"AND {where} "
            f"AND (r.owner IS NULL OR r.owner = ? OR NOT {live_condition('r.owner')}) "
            f"FOR UPDATE SKIP LOCKED) RETURNING {_RUN_COLUMNS}",
            (owner, _ts(now), *params, owner, now_ms),
        ) as cursor,
    ):
        rows = await cursor.fetchall()
    return sorted((_run(row) for row in rows), key=lambda run: (run.due_at, run.id))


async def run_owner(db: Database, run_id: int) -> str | None:
    row = await db.fetchone("SELECT owner FROM prompt_runs WHERE id = ?", (run_id,))
    return None if row is None else row["owner"]


async def scheduler_lag(db: Database, now: datetime, shards: Shards | None = None) -> timedelta:
    """How late the scheduler is on these shards: since the oldest firing due and not yet
    posted (zero when nothing is waiting). Health reports it; a stuck scheduler shows here."""
    where, params = _on(shards)
    row = await db.fetchone(
        "SELECT MIN(t) AS t FROM ("
        " SELECT MIN(next_run_at) AS t FROM prompt_schedules"
        f" WHERE status = 'active' AND next_run_at <= ? AND {where}"
        " UNION ALL"
        " SELECT MIN(COALESCE(retry_at, due_at)) AS t FROM prompt_runs"
        f" WHERE status = 'claimed' AND COALESCE(retry_at, due_at) <= ? AND {where}) AS waiting",
        (_ts(now), *params, _ts(now), *params),
    )
    oldest = None if row is None else _dt(row["t"])
    return timedelta(0) if oldest is None else max(timedelta(0), now - oldest)


async def get_run(db: Database, run_id: int) -> Run:
    row = await db.fetchone(f"SELECT {_RUN_COLUMNS} FROM prompt_runs WHERE id = ?", (run_id,))
    if row is None:
        raise LookupError(run_id)
    return _run(row)


async def runs_for_schedule(db: Database, schedule_id: int) -> list[Run]:
    rows = await db.fetchall(
        f"SELECT {_RUN_COLUMNS} FROM prompt_runs WHERE schedule_id = ? ORDER BY due_at, id",
        (schedule_id,),
    )
    return [_run(row) for row in rows]


async def recorded_message_ids(db: Database, message_ids: Sequence[int]) -> set[int]:
    """Which of these messages some run already recorded as its post.

    A resumed run adopts a matching message from the channel only if no other run owns it (two
    schedules posting the same question to one channel, a run-now in the same minute).
    """
    if not message_ids:
        return set()
    marks = ", ".join("?" for _ in message_ids)
    rows = await db.fetchall(
        f"SELECT message_id FROM prompt_runs WHERE message_id IN ({marks})", list(message_ids)
    )
    return {int(row["message_id"]) for row in rows}


async def mark_posted(
    db: Database, run_id: int, *, message_id: int, thread_id: int | None, now: datetime
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE prompt_runs SET status = 'posted', message_id = ?, thread_id = ?, "
            "posted_at = ?, attempts = attempts + 1, retry_at = NULL, error = NULL WHERE id = ?",
            (message_id, thread_id, _ts(now), run_id),
        )


async def mark_failed(
    db: Database,
    run_id: int,
    *,
    error: str,
    now: datetime,
    pause_reason: str | None = None,
    status: RunStatus = "failed",
) -> None:
    """Give up on a run; with ``pause_reason`` also pause its schedule (permission lost...)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE prompt_runs SET status = ?, error = ?, attempts = attempts + 1, "
            "retry_at = NULL WHERE id = ?",
            (status, error[:500], run_id),
        )
        if pause_reason is not None:
            await conn.execute(
                "UPDATE prompt_schedules SET status = 'paused', paused_reason = ?, updated_at = ? "
                "WHERE id = (SELECT schedule_id FROM prompt_runs WHERE id = ?) "
                "AND status = 'active'",
                (pause_reason, _iso(now), run_id),
            )


async def retry_later(db: Database, run_id: int, *, error: str, retry_at: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE prompt_runs SET attempts = attempts + 1, retry_at = ?, error = ? WHERE id = ?",
            (_ts(retry_at), error[:500], run_id),
        )


async def last_runs(db: Database, schedule_ids: list[int]) -> dict[int, Run]:
    """The latest run of each schedule (for ``/prompt list``)."""
    if not schedule_ids:
        return {}
    marks = ", ".join("?" for _ in schedule_ids)
    rows = await db.fetchall(
        f"SELECT {_RUN_COLUMNS} FROM prompt_runs WHERE id IN (SELECT MAX(id) FROM prompt_runs "
        f"WHERE schedule_id IN ({marks}) GROUP BY schedule_id)",
        schedule_ids,
    )
    return {row["schedule_id"]: _run(row) for row in rows}


# --- Member data ------------------------------------------------------------------------------


async def _export(db: Database, user_id: int) -> list[dict[str, Any]]:
    rows = await db.fetchall(
        "SELECT id, guild_id, channel_id, status, created_at FROM prompt_schedules "
        "WHERE creator_id = ? ORDER BY id",
        (user_id,),
    )
    return [dict(row) for row in rows]


async def _forget(conn: Connection, user_id: int) -> int:
    # The server's schedules outlive their creator; only the link to the person goes.
    cursor = await conn.execute(
        "UPDATE prompt_schedules SET creator_id = NULL WHERE creator_id = ?", (user_id,)
    )
    return cursor.rowcount


MEMBER_DATA.append(MemberData("prompt_schedules", ("prompt_schedules",), _export, _forget))
