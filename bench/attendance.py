"""Attendance figures: 500 concurrent check-ins, and the CSV export of 100,000 rows.

Run: ``.venv/bin/python bench/attendance.py``. Check-ins go through the local Discord emulator
(``tests/emulator``) and the real bot process (``python -m bot run``), as in the end-to-end tests:
500 members press "I'm here" in the same instant (and 100 of them twice), then the same crowd spread
over two seconds. Latency is from the click's dispatch to Discord receiving the bot's answer, on the
emulator's clock; the emulator validates every request against Discord's schemas and shares the
machine with the bot, so its CPU is printed too. The commit the button waits for is also measured
alone at the storage layer. Targets (issue 6): acknowledgement p95 <= 100 ms, 0 rows lost; the
export streamed, not built in memory.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.meetings.export import write_csv
from bot.meetings.model import CheckIn
from bot.storage import meetings as store
from bot.storage.database import Database
from tests.e2e.meetings_driver import run_check_in_burst

MEMBERS = 500
DUPLICATES = 100
EXPORT_ROWS = 100_000


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _meeting(db: Database, guild: int = 1) -> int:
    meeting = await store.start_meeting(
        db,
        guild_id=guild,
        title="Bench",
        at=datetime.now(UTC),
        text_channel_id=10,
        voice_channel_id=None,
        started_by_id=None,
    )
    return meeting.id


async def bench_check_ins_storage(folder: Path) -> None:
    db = await Database.open(folder / "checkins.db")
    meeting_id = await _meeting(db)
    batcher = store.CheckInBatcher(db)
    latencies: list[float] = []

    async def click(member: int) -> CheckIn:
        began = time.perf_counter()
        outcome = await batcher.check_in(1, meeting_id, member, at=datetime.now(UTC))
        latencies.append((time.perf_counter() - began) * 1000)
        return outcome

    clicks = [1000 + i for i in range(MEMBERS)] * 2  # every member clicks twice
    began = time.perf_counter()
    outcomes = await asyncio.gather(*(click(m) for m in clicks))
    wall = time.perf_counter() - began
    rows = await store.count_attendance(db, meeting_id)
    await db.close()
    recorded = outcomes.count(CheckIn.RECORDED)
    print(f"check-ins (storage layer, {len(clicks)} concurrent clicks by {MEMBERS} members):")
    print(
        f"  commit latency p50 {_percentile(latencies, 0.5):.1f} ms, "
        f"p95 {_percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms"
    )
    print(
        f"  wall {wall * 1000:.0f} ms; recorded {recorded}, rows {rows}, "
        f"lost {MEMBERS - rows}, duplicates refused {outcomes.count(CheckIn.ALREADY)}"
    )


async def bench_check_ins_emulator(folder: Path) -> None:
    """Through the emulator and the real bot process."""
    runs = (
        ("in the same instant", DUPLICATES, 0.0),
        ("spread over 2 s", 0, 2.0),
    )
    for label, duplicates, spread in runs:
        workdir = folder / label.replace(" ", "-")
        workdir.mkdir()
        figures = await run_check_in_burst(workdir, MEMBERS, duplicates=duplicates, spread=spread)
        latencies = figures.latencies_ms
        extra = f" + {duplicates} duplicate clicks" if duplicates else ""
        print(f"check-ins (emulator + bot process, {MEMBERS} members{extra}, {label}):")
        print(
            f"  ack latency p50 {statistics.median(latencies):.0f} ms, "
            f"p95 {_percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms "
            f"over {len(latencies)} answered of {figures.clicks} clicks"
        )
        bot_cpu = "?" if figures.bot_cpu_s is None else f"{figures.bot_cpu_s:.2f} s"
        print(
            f"  rows {figures.rows}, lost {MEMBERS - figures.rows}, told checked in "
            f"{figures.recorded}; wall {figures.wall_s:.2f} s, CPU bot {bot_cpu}, "
            f"emulator {figures.emulator_cpu_s:.2f} s"
        )


async def bench_export(folder: Path) -> None:
    db = await Database.open(folder / "export.db")
    meeting_ids = [await _meeting(db, 1) for _ in range(1)]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
            "VALUES (?, ?, 'button', ?)",
            ((meeting_ids[0], member, int(time.time())) for member in range(EXPORT_ROWS)),
        )
    out = folder / "export.csv"
    began = time.perf_counter()
    with out.open("w", encoding="utf-8", newline="") as handle:
        rows = await write_csv(store.iter_export(db, 1, None, None), handle)
    elapsed = time.perf_counter() - began
    tracemalloc.start()
    with (folder / "export2.csv").open("w", encoding="utf-8", newline="") as handle:
        await write_csv(store.iter_export(db, 1, None, None), handle)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await db.close()
    size = out.stat().st_size
    print(
        f"export of {rows} rows: {elapsed:.2f} s, file {size / 1e6:.1f} MB, "
        f"peak Python memory {peak / 1e6:.2f} MB (measured in a second, traced run)"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as raw:
        folder = Path(raw)
        await bench_check_ins_emulator(folder)
        await bench_check_ins_storage(folder)
        await bench_export(folder)


if __name__ == "__main__":
    asyncio.run(main())
