"""Process heartbeats and the ``status`` report a supervisor relies on."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.health import GatewaySample, ProcessHealth, status_report
from bot.sharding import Shards
from bot.storage import audit, processes
from bot.storage.audit import Audit
from bot.storage.database import Database
from bot.storage.processes import ProcessRow

REPO_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def row(name: str, shards: str, beat_ago_ms: int, **extra: object) -> ProcessRow:
    values: dict[str, object] = {
        "instance": f"{name}:1:ab",
        "name": name,
        "host": "h",
        "pid": 1,
        "shards": shards,
        "started_at": NOW_MS - 60_000,
        "beat_at": NOW_MS - beat_ago_ms,
        "interval_ms": 5000,
        "ready": 2,
        "latencies": {0: 41.0, 1: 43.5},
        "lag_ms": 0,
        **extra,
    }
    return ProcessRow(**values)  # type: ignore[arg-type]


def test_healthy_processes_covering_every_shard() -> None:
    report = status_report([row("a", "0,1/4", 1000), row("b", "2,3/4", 4000)], NOW_MS)
    assert report.healthy, report.problems
    assert report.lines[0].split()[:2] == ["PROCESS", "SHARDS"]
    assert "0,1/4" in report.lines[1] and "44 ms" in report.lines[1] and "1s ago" in report.lines[1]


def test_a_stale_process_and_its_uncovered_shards_are_problems() -> None:
    report = status_report([row("a", "0,1/4", 1000), row("b", "2,3/4", 16_000)], NOW_MS)
    assert not report.healthy
    assert any("b (pid 1 on h) has not written a heartbeat for 16s" in p for p in report.problems)
    assert any("shard(s) 2,3 of 4" in p for p in report.problems)
    assert "STALE" in report.lines[2]


def test_disagreeing_shard_counts_and_no_process_are_problems() -> None:
    assert not status_report([], NOW_MS).healthy
    report = status_report([row("a", "0/2", 0), row("b", "1,2/3", 0)], NOW_MS)
    assert any("disagree on SHARD_COUNT (2, 3)" in p for p in report.problems)


async def test_heartbeat_registers_beats_and_leaves(db: Database) -> None:
    clock = Clock()
    health = ProcessHealth(
        db,
        shards=Shards.of(4, [1, 3]),
        interval=2,
        name="bot-a",
        sample=lambda: GatewaySample(Shards.of(4, [1, 3]), 1, {1: 40.0, 3: None}),
        clock=clock,
    )
    await health.register()
    clock.now += timedelta(seconds=2)
    await health.beat()
    (mine,) = await processes.list_processes(db)
    assert (mine.name, mine.shards, mine.ready, mine.latencies) == (
        "bot-a",
        "1,3/4",
        1,
        {1: 40.0, 3: None},
    )
    assert mine.beat_at == NOW_MS + 2000 and mine.interval_ms == 2000 and mine.lag_ms == 0
    # A successor that thought us dead removed the row: the next beat puts it back.
    await processes.unregister(db, health.instance)
    await health.beat()
    assert [p.instance for p in await processes.list_processes(db)] == [health.instance]
    await health.stop()
    assert await processes.list_processes(db) == []


async def test_a_dead_pid_on_this_host_is_replaced_at_once(db: Database) -> None:
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await child.wait()
    dead_pid = child.pid
    clock = Clock()
    old = ProcessHealth(db, shards=None, interval=5, clock=clock)
    await old.register()
    # Pretend the row was written by the finished child process.
    async with db.transaction() as conn:
        await conn.execute("UPDATE bot_processes SET pid = ?", (dead_pid,))
    alive = ProcessHealth(db, shards=Shards.of(2, [0]), interval=5, clock=clock)
    alive.instance = "other-host"
    alive.host = "elsewhere"
    await alive.register()  # another host cannot tell: the fresh row stays
    assert len(await processes.list_processes(db)) == 2
    new = ProcessHealth(db, shards=None, interval=5, clock=clock)
    await new.register()
    left = {p.instance for p in await processes.list_processes(db)}
    assert left == {"other-host", new.instance}


def run_status(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": url,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "status", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_status_without_a_database_is_a_usage_error(tmp_path: Path) -> None:
    missing = run_status(tmp_path, f"sqlite:///{tmp_path}/none.db")
    assert missing.returncode == 2 and "There is no database" in missing.stderr
    assert "Traceback" not in missing.stderr


async def test_status_command_exit_codes(tmp_path: Path, db: Database, database_url: str) -> None:
    empty = await asyncio.to_thread(run_status, tmp_path, database_url)
    assert empty.returncode == 1 and "no bot process has written a heartbeat" in empty.stdout
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    for name, shards in (("a", "0,1/4"), ("b", "2,3/4")):
        await processes.register(
            db,
            instance=name,
            name=name,
            host="h",
            pid=1,
            interval_ms=5000,
            now_ms=now_ms,
            shards=Shards.parse_label(shards),
        )
    healthy = await asyncio.to_thread(run_status, tmp_path, database_url)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "0,1/4" in healthy.stdout and "2,3/4" in healthy.stdout
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE bot_processes SET beat_at = ? WHERE instance = 'b'", (now_ms - 60_000,)
        )
    stale = await asyncio.to_thread(run_status, tmp_path, database_url, "--json")
    assert stale.returncode == 1
    payload = json.loads(stale.stdout)
    assert payload["healthy"] is False
    assert {p["name"]: p["stale"] for p in payload["processes"]} == {"a": False, "b": True}
    assert any("2,3 of 4" in problem for problem in payload["problems"])
    # A supervisor checking one process asks about that one only.
    only_a = await asyncio.to_thread(run_status, tmp_path, database_url, "--name", "a")
    assert only_a.returncode == 0 and "b (pid" not in only_a.stdout, only_a.stdout
    only_b = await asyncio.to_thread(run_status, tmp_path, database_url, "--name", "b")
    assert only_b.returncode == 1
    nobody = await asyncio.to_thread(run_status, tmp_path, database_url, "--name", "c")
    assert nobody.returncode == 1 and "no bot process" in nobody.stdout


async def test_processes_sharing_shards_split_the_rest_limit(db: Database) -> None:
    clock = Clock()
    told: dict[str, float] = {}

    def health(name: str, ids: list[int]) -> ProcessHealth:
        made = ProcessHealth(
            db,
            shards=Shards.of(4, ids),
            interval=1,
            name=name,
            clock=clock,
            on_share=lambda share: told.__setitem__(name, share),
        )
        made.host = name  # one pid here; as processes they would be on separate hosts
        return made

    old, other = health("old", [0, 1]), health("other", [2, 3])
    await old.register()
    await other.register()
    assert told == {"old": 0.5, "other": 0.5}
    new = health("new", [0, 1])
    await new.register()  # a rolling restart: the new one starts at half of the old one's share
    assert told["new"] == 0.25
    await old.beat()  # and the old one halves its own at its next beat
    assert told["old"] == 0.25
    await old.stop()
    clock.now += timedelta(seconds=1)
    await new.beat()
    assert told["new"] == 0.5


async def test_a_process_that_stops_or_goes_stale_is_reported_to_the_others(db: Database) -> None:
    clock = Clock()
    watcher = ProcessHealth(db, shards=Shards.of(2, [0]), interval=1, clock=clock)
    woken: list[str] = []
    watcher.peer_gone.append(lambda: woken.append("wake"))
    peers = []
    for name in ("one", "two"):
        peer = ProcessHealth(db, shards=Shards.of(2, [0]), interval=1, name=name, clock=clock)
        peer.host = name
        await peer.register()
        peers.append(peer)
    await watcher.register()
    await watcher.beat()
    assert woken == []
    await peers[0].stop()  # a clean stop removes the row
    await watcher.beat()
    assert woken == ["wake"]
    clock.now += timedelta(seconds=5)  # the other one stopped beating: stale
    await watcher.beat()
    assert woken == ["wake", "wake"]
    await watcher.beat()
    assert woken == ["wake", "wake"]


async def test_the_heartbeat_prunes_the_audit_log_past_retention(db: Database) -> None:
    clock = Clock()
    now = clock()
    async with db.transaction() as conn:
        for days in (400, 10):
            await Audit(1, "prompt.edit").write(
                conn, 5, before=None, after=None, at=now - timedelta(days=days)
            )
    health = ProcessHealth(db, shards=None, interval=5, clock=clock)
    await health.register()
    await health.beat()
    left, total = await audit.list_entries(db, 5)
    assert total == 1 and left[0].at == (now - timedelta(days=10)).replace(microsecond=0)
