"""Streak figures on a large server: 50,000 members, 1,000,000 readings, a year of meetings.

Prints p50/p95 of the /leaderboard query (each kind and period), of the /streak computation for
one member, and of the heatmap render. Targets: 50 ms, 50 ms and 100 ms at p95.

    .venv/bin/python bench/streaks.py [--members N] [--rows N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.storage import Database
from bot.storage import streaks as store
from bot.storage.database import MIGRATIONS_DIR
from bot.streaks.heatmap import heatmap_grid, render_heatmap
from bot.streaks.leaderboard import period_start
from bot.streaks.rules import StreakRules, compute_streak, start_of_day, streak_changes_on

GUILD = 1
NOW = datetime(2025, 6, 18, 18, 0, tzinfo=UTC)
SECTIONS = [(doc, f"section-{i}") for doc in ("tc", "anti-ai") for i in range(40)]


def populate(path: Path, members: int, rows: int, seed: int = 7) -> None:
    """Skewed like a real group: a few members read most days, most read now and then."""
    rng = random.Random(seed)
    today = NOW.date()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    # The cache is filled below in bulk; the triggers would only mark every row stale meanwhile.
    conn.execute("DROP TRIGGER reading_log_stale_insert")
    readings = []
    for _ in range(rows):
        user = 1000 + int(members * rng.random() ** 2)
        day = today - timedelta(days=int(365 * rng.random() ** 1.5))
        doc, section = rng.choice(SECTIONS)
        ref = f"{doc}:{section}:{rng.randint(1, 12)}"
        readings.append((GUILD, user, doc, section, ref, day.isoformat(), NOW.isoformat(), "quote"))
    conn.executemany(
        "INSERT OR IGNORE INTO reading_log (guild_id, user_id, document, section, ref, read_on, "
        "created_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        readings,
    )
    for week in range(52):
        started = int((NOW - timedelta(weeks=week, hours=2)).timestamp())
        cursor = conn.execute(
            "INSERT INTO meetings (guild_id, title, started_at, ended_at) VALUES (?, ?, ?, ?)",
            (GUILD, f"Week {week}", started, started + 3600),
        )
        attendees = rng.sample(range(1000, 1000 + members), 300)
        conn.executemany(
            "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
            "VALUES (?, ?, 'button', ?)",
            [(cursor.lastrowid, m, started) for m in attendees],
        )
    # Fill the cache as refresh_stats would, with the same pure functions.
    days: dict[int, set[date]] = defaultdict(set)
    sections: dict[int, set[tuple[str, str]]] = defaultdict(set)
    week: dict[int, set[tuple[str, str]]] = defaultdict(set)
    month: dict[int, set[tuple[str, str]]] = defaultdict(set)
    week_of = period_start("week", today)
    month_of = period_start("month", today)
    assert week_of is not None and month_of is not None
    for user, read_on, doc, section in conn.execute(
        "SELECT user_id, read_on, document, section FROM reading_log"
    ):
        day = date.fromisoformat(read_on)
        days[user].add(day)
        sections[user].add((doc, section))
        if day >= week_of:
            week[user].add((doc, section))
        if day >= month_of:
            month[user].add((doc, section))
    rules = StreakRules()
    stats = []
    zone = ZoneInfo("UTC")
    for user, member_days in days.items():
        streak = compute_streak(member_days, today, rules)
        change = streak_changes_on(member_days, today, rules)
        until = None if change is None else int(start_of_day(change, zone).timestamp())
        stats.append(
            (
                GUILD,
                user,
                streak.current,
                streak.longest,
                str(streak.last_day),
                len(sections[user]),
                week_of.isoformat(),
                len(week[user]),
                month_of.isoformat(),
                len(month[user]),
                until,
            )
        )
    conn.executemany(
        "INSERT OR REPLACE INTO member_stats (guild_id, user_id, current, longest, last_day, "
        "sections, week_of, sections_week, month_of, sections_month, valid_until) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        stats,
    )
    conn.execute(
        "INSERT INTO member_settings (user_id, private, updated_at) "
        "SELECT user_id, 1, '2025-01-01' FROM member_stats WHERE user_id % 50 = 0"
    )
    conn.execute(
        "INSERT INTO streak_rules_seen (guild_id, rules) VALUES (?, ?)",
        (GUILD, '["daily", 0, false, "UTC"]'),
    )
    migration = (MIGRATIONS_DIR / "0005_streaks.sql").read_text(encoding="utf-8")
    conn.execute(re.search(r"CREATE TRIGGER reading_log_stale_insert.*?END;", migration, re.S)[0])
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


async def timed(
    label: str, runs: int, make: Callable[[int], Awaitable[Any]], target: float
) -> None:
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        await make(i)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(0.95 * (len(samples) - 1))]
    verdict = "ok" if p95 <= target else "OVER TARGET"
    print(
        f"{label:<34} p50 {statistics.median(samples):7.2f} ms   p95 {p95:7.2f} ms"
        f"   (target {target:.0f} ms: {verdict})"
    )


async def main(members: int, rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = await Database.open(path)
        await db.close()
        start = time.perf_counter()
        populate(path, members, rows)
        db = await Database.open(path)
        count = await db.fetchone("SELECT COUNT(*), COUNT(DISTINCT user_id) FROM reading_log")
        assert count is not None
        print(
            f"{count[0]:,} readings by {count[1]:,} members, 52 meetings "
            f"(built in {time.perf_counter() - start:.1f} s)"
        )
        rng = random.Random(3)
        try:
            for kind, period in (
                ("streak", "all"),
                ("streak", "week"),
                ("sections", "all"),
                ("sections", "week"),
                ("sections", "month"),
                ("attendance", "all"),
                ("attendance", "month"),
            ):

                async def board(i: int, kind: Any = kind, period: Any = period) -> Any:
                    return await store.leaderboard(
                        db,
                        GUILD,
                        kind,
                        period,
                        now=NOW,
                        viewer_id=1000 + i * 97,
                        page=rng.randrange(0, 20),
                    )

                await timed(f"/leaderboard {kind} {period}", 40, board, 50)

            async def streak(i: int) -> Any:
                user = 1000 + int(members * rng.random() ** 2)
                return await store.member_streak(db, GUILD, user, NOW)

            await timed("/streak computation", 200, streak, 50)

            heavy = await store.member_streak(db, GUILD, 1000, NOW)
            grid = heatmap_grid(heavy.counts, heavy.today)

            async def heatmap(i: int) -> bytes:
                return render_heatmap(grid)

            await timed("heatmap render (26 weeks)", 200, heatmap, 100)
        finally:
            await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(main(args.members, args.rows))
