"""Process health: the heartbeat each bot process writes, and the report ``status`` prints.

Why a row in the database rather than an HTTP endpoint: every process already shares the
database, a supervisor can ask one command about all of them, and the same rows tell the
scheduler whether the owner of a claimed run is still alive. The heartbeat must start before the
scheduler claims anything, and a process that stops cleanly removes its row, so its unfinished
runs are taken over at once instead of after the stale delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.ratelimit import share_fraction
from bot.sharding import Shards
from bot.storage import audit, processes
from bot.storage import prompts as prompt_store
from bot.storage.database import Database
from bot.storage.processes import STALE_BEATS, Beat, ProcessRow

PRUNE_EVERY: Final = timedelta(hours=1)
"""How often the heartbeat deletes audit entries past their server's retention (any process may:
deleting what is already gone changes nothing)."""

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class GatewaySample:
    """What the Discord layer knows about its shards right now."""

    shards: Shards | None
    """None until the shard count is known (Discord's recommendation is fetched at connect)."""
    ready: int
    latencies: dict[int, float | None]
    """Milliseconds per shard; None for a shard not connected (yet)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class ProcessHealth:
    """Writes this process's heartbeat row every ``interval`` seconds while the bot runs."""

    def __init__(
        self,
        db: Database,
        *,
        shards: Shards | None,
        interval: float,
        name: str | None = None,
        sample: Callable[[], GatewaySample] | None = None,
        clock: Clock = _utc_now,
        on_share: Callable[[float], None] | None = None,
    ) -> None:
        self.db = db
        self.shards = shards
        self.interval = interval
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.name = name or self.host
        # Unique per start: a restarted process never inherits its predecessor's runs by name.
        self.instance = f"{self.name}:{self.pid}:{secrets.token_hex(4)}"
        self.sample = sample
        self.clock = clock
        self.on_share = on_share
        """Told this process's share of the bot's REST limit after each beat."""
        self.share = 1.0 if shards is None else len(shards.ids) / shards.count
        self.peer_gone: list[Callable[[], None]] = []
        """Called when another process stops or goes stale: its claimed runs are free now, and
        a scheduler asleep until tomorrow must look (the cogs add their ``wake``)."""
        self._peers: set[str] = set()
        self._pruned_at: datetime | None = None
        self.beats = 0
        self._task: asyncio.Task[None] | None = None

    async def register(self) -> None:
        """Forget dead predecessors on our shards, then appear alive before claiming any work."""
        now = _ms(self.clock())
        for dead in await processes.forget_dead(self.db, self.shards, now, self._gone):
            log.warning(
                "process %s (%s, shards %s) is gone (last beat %.0fs ago); replaced by this one",
                dead.name,
                dead.instance,
                dead.shards or "all",
                (now - dead.beat_at) / 1000,
            )
        await processes.register(
            self.db,
            instance=self.instance,
            name=self.name,
            host=self.host,
            pid=self.pid,
            interval_ms=int(self.interval * 1000),
            now_ms=now,
            shards=self.shards,
        )
        log.info(
            "process %s registered (shards %s)",
            self.instance,
            self.shards.label() if self.shards else "all",
        )
        await self._reshare(now)

    async def _reshare(self, now_ms: int) -> None:
        """Split the REST limit anew with the live processes running the same shards, and say
        when one of them went away."""
        live = [
            p
            for p in await processes.list_processes(self.db)
            if p.instance != self.instance and not p.stale(now_ms)
        ]
        peers = {p.instance for p in live}
        if self._peers - peers:
            for listener in self.peer_gone:
                listener()
        self._peers = peers
        share = share_fraction(self.shards, [p.shard_set() for p in live])
        if share != self.share:
            log.info("this process now uses %.0f%% of the bot's REST limit", share * 100)
        self.share = share
        if self.on_share is not None:
            self.on_share(share)

    def _gone(self, process: ProcessRow) -> bool:
        """A process on this host whose pid is gone is dead now, not after the stale delay:
        a bot restarted after ``kill -9`` finishes its predecessor's runs at once. Our own pid
        in another instance's row is a predecessor whose pid we reuse (a restarted container)."""
        if process.host != self.host:
            return False
        if process.pid == self.pid:
            return process.instance != self.instance
        try:
            os.kill(process.pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False  # exists, owned by someone else
        return False

    async def beat(self) -> None:
        sample = self.sample() if self.sample is not None else GatewaySample(self.shards, 0, {})
        now = self.clock()
        lag = await prompt_store.scheduler_lag(self.db, now, self.shards)
        report = Beat(
            shards=sample.shards or self.shards,
            ready=sample.ready,
            latencies=sample.latencies,
            lag_ms=int(lag.total_seconds() * 1000),
        )
        if not await processes.beat(self.db, self.instance, _ms(now), report):
            # Someone took us for dead (we hung longer than the stale delay): say so, and be
            # alive again. Runs we had claimed may have been finished by another process.
            log.warning(
                "heartbeat row of %s was removed as stale; registering again", self.instance
            )
            await self.register()
            await processes.beat(self.db, self.instance, _ms(self.clock()), report)
        self.beats += 1
        await self._reshare(_ms(now))
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            pruned = await audit.prune(self.db, now)
            if pruned:
                log.info("pruned %d audit log entries past their servers' retention", pruned)

    async def run(self) -> None:
        while True:
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not write the heartbeat; trying again")
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="process-heartbeat")

    async def stop(self) -> None:
        """Stop beating and remove the row: this process's claimed runs are free to others."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await processes.unregister(self.db, self.instance)
        except Exception:
            log.warning("could not remove the heartbeat row of %s", self.instance, exc_info=True)


# --- The status report -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusReport:
    lines: list[str]
    problems: list[str]

    @property
    def healthy(self) -> bool:
        return not self.problems


def _ago(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 120:
        return f"{seconds:.0f}s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m ago"
    return f"{seconds / 3600:.1f}h ago"


def _latency(process: ProcessRow) -> str:
    known = [v for v in process.latencies.values() if v is not None]
    if not known:
        return "-"
    return f"{max(known):.0f} ms"


def _lag(process: ProcessRow) -> str:
    if process.lag_ms is None:
        return "-"
    return f"{process.lag_ms / 1000:.0f}s"


def status_report(rows: list[ProcessRow], now_ms: int, *, whole_bot: bool = True) -> StatusReport:
    """One line per process, and what is wrong: stale heartbeats, and for the ``whole_bot``
    shards nobody serves and disagreeing shard counts (not for one process's own check)."""
    header = ("PROCESS", "SHARDS", "READY", "LATENCY", "HEARTBEAT", "SCHEDULER LAG", "STATE")
    table: list[tuple[str, ...]] = [header]
    problems: list[str] = []
    for process in rows:
        stale = process.stale(now_ms)
        shards = process.shard_set()
        total = len(shards.ids) if shards else None
        table.append(
            (
                f"{process.name} (pid {process.pid} on {process.host})",
                process.shards or "all (connecting)",
                f"{process.ready}/{total}" if total is not None else str(process.ready),
                _latency(process),
                _ago(now_ms - process.beat_at),
                _lag(process),
                "STALE" if stale else "ok",
            )
        )
        if stale:
            problems.append(
                f"{process.name} (pid {process.pid} on {process.host}) has not written a "
                f"heartbeat for {(now_ms - process.beat_at) / 1000:.0f}s (expected every "
                f"{process.interval_ms / 1000:g}s): it is down or hung"
            )
    live = [p for p in rows if not p.stale(now_ms) and p.shard_set() is not None]
    counts = {s.count for p in live if (s := p.shard_set()) is not None}
    if not rows:
        problems.append("no bot process has written a heartbeat: is the bot running?")
    elif not whole_bot:
        pass
    elif len(counts) > 1:
        problems.append(
            f"live processes disagree on SHARD_COUNT ({', '.join(map(str, sorted(counts)))}): "
            "every process must use the same total"
        )
    elif counts:
        (count,) = counts
        served = {i for p in live if (s := p.shard_set()) is not None for i in s.ids}
        missing = sorted(set(range(count)) - served)
        if missing:
            problems.append(
                f"no live process serves shard(s) {','.join(map(str, missing))} of {count}: "
                "their servers get no answers and no scheduled posts"
            )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]
    return StatusReport(lines, problems)


STALE_AFTER_BEATS: Final = STALE_BEATS

__all__ = ["STALE_AFTER_BEATS", "GatewaySample", "ProcessHealth", "StatusReport", "status_report"]
