"""Scheduler benchmark: 10,000 schedules across 1,000 servers, then 500 due in one minute.

Prints: setup time, CPU used while idle between due times, memory, and lateness (p50/p95/max)
of the 500 posts, measured from each run's due time to (a) the moment the scheduler handed the
post to the poster and (b) the moment the post "reached Discord".

The poster is a fake with realistic behaviour, not the emulator: each post takes a lognormal
latency (median ~90 ms, like a REST round trip) and all posts share Discord's global limit of 50
requests per second (a token bucket), which is what bounds a same-second burst in production.
Two bursts are measured: 500 runs spread across one minute (different seconds), and 500 runs at
the very same second (the worst case: the rate limit alone makes it last ~10 s).

With ``--emulator`` the real bot process (``python -m bot run``, its real Discord poster and
scheduler) runs against the local Discord emulator instead: 1,000 emulated servers, the 10,000
schedules in the bot's database before it starts, and lateness measured from each run's due time
to the moment the emulator created the message. The emulator does not enforce Discord's global
50 requests/second limit (only injected rate limits), so these figures show the bot's own
overhead; the fake-poster run above shows the effect of the limit.

Run: .venv/bin/python bench/scheduler.py [--quick] [--emulator]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.library.model import Document
from bot.scheduling.content import questions_content
from bot.scheduling.recurrence import Recurrence
from bot.scheduling.scheduler import PostRequest, PostResult, Scheduler
from bot.storage import Database
from bot.storage import prompts as store

GUILDS = 1_000
SCHEDULES = 10_000
BURST = 500
GLOBAL_RATE = 50.0  # requests per second, Discord's global bot limit


class FakeDiscord:
    """Posts with REST-like latency under a shared 50 requests/second token bucket."""

    def __init__(self, seed: int = 5) -> None:
        self.rng = random.Random(seed)
        self.tokens = GLOBAL_RATE
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()
        self.handed: dict[int, float] = {}
        self.posted: dict[int, float] = {}
        self.due: dict[int, float] = {}
        self.ids = 0

    async def _take_token(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(GLOBAL_RATE, self.tokens + (now - self.stamp) * GLOBAL_RATE)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / GLOBAL_RATE)

    async def post(self, request: PostRequest) -> PostResult:
        run = request.run
        self.handed[run.id] = time.time()
        self.due[run.id] = run.due_at.timestamp()
        await self._take_token()
        await asyncio.sleep(self.rng.lognormvariate(-2.4, 0.35))  # median ~0.09 s
        self.posted[run.id] = time.time()
        self.ids += 1
        return PostResult(self.ids)

    async def notify_channel(self, channel_id: int, text: str) -> None:
        pass

    async def notify_user(self, user_id: int, text: str) -> None:
        pass


def no_documents(slug: str) -> Document:
    raise LookupError(slug)


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {p50:6.3f} s   p95 {p95:6.3f} s   max {ordered[-1]:6.3f} s"


async def create_all(
    db: Database, burst_at: list[datetime], now: datetime, count: int = SCHEDULES
) -> None:
    """10,000 schedules: BURST one-offs at the given instants, the rest daily at other times."""
    content = questions_content("What did you read this week?\nWhat would you change?")
    quiet_clock = (now + timedelta(hours=6)).time().replace(microsecond=0)
    for i in range(count):
        guild = i % GUILDS + 1
        if i < len(burst_at):
            rule = Recurrence(kind="once", timezone="UTC", once_at=burst_at[i].replace(tzinfo=None))
        else:
            rule = Recurrence(
                kind="daily", timezone="Europe/Berlin", at=quiet_clock, start=date(2026, 1, 1)
            )
        await store.create_schedule(db, store.NewSchedule(guild, 10_000 + i, 1, content, rule), now)


async def burst(label: str, offsets: list[float], quick: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(Path(folder) / "bench.db")
        now = datetime.now(UTC).replace(microsecond=0)
        lead = 15.0  # seconds between creating everything and the burst starting
        started = time.perf_counter()
        count = SCHEDULES if not quick else 2_000
        first = now + timedelta(seconds=int(lead + count / 1500))
        instants = [first + timedelta(seconds=o) for o in offsets]
        await create_all(db, instants, now, count)
        print(
            f"[{label}] created {count:,} schedules in {GUILDS:,} servers in "
            f"{time.perf_counter() - started:.1f} s"
        )

        discord = FakeDiscord()
        tracemalloc.start()
        scheduler = Scheduler(db, discord, no_documents)
        scheduler.start()
        await asyncio.sleep(1.0)  # first tick: plans the wake-up
        ticks_before = scheduler.ticks
        idle_cpu0, idle_wall0 = time.process_time(), time.perf_counter()
        idle_for = max(1.0, (first - datetime.now(UTC)).total_seconds() - 1.0)
        await asyncio.sleep(idle_for)
        idle_cpu = time.process_time() - idle_cpu0
        idle_wall = time.perf_counter() - idle_wall0
        print(
            f"[{label}] idle {idle_wall:.1f} s before the burst: CPU {idle_cpu * 1000:.1f} ms "
            f"({100 * idle_cpu / idle_wall:.2f} %), scheduler wake-ups "
            f"{scheduler.ticks - ticks_before}"
        )

        deadline = time.time() + max(offsets) + 60
        while len(discord.posted) < len(offsets) and time.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.25)
        await scheduler.drain()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await scheduler.stop()
        handed = [discord.handed[r] - discord.due[r] for r in discord.handed]
        posted = [discord.posted[r] - discord.due[r] for r in discord.posted]
        print(f"[{label}] posted {len(posted)} of {len(offsets)}")
        print(f"[{label}] lateness to hand-off : {percentiles(handed)}")
        print(f"[{label}] lateness to posted   : {percentiles(posted)}")
        print(
            f"[{label}] Python heap during run: {current / 2**20:.1f} MiB now, "
            f"{peak / 2**20:.1f} MiB peak; process max RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
        row = await db.fetchone("SELECT COUNT(*) AS n FROM prompt_runs WHERE status = 'posted'")
        assert row is not None and row["n"] == len(offsets), "every burst run posted exactly once"
        await db.close()


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def against_emulator(spread: list[float], quick: bool) -> None:
    """Both bursts, one after the other, posted by the real bot process to the emulator."""
    from tests.e2e.botprocess import BotProcess
    from tests.e2e.conftest import CORE_COMMANDS
    from tests.emulator import Emulator, Message

    count = SCHEDULES if not quick else 2_000
    gap = 30.0  # seconds between the end of the spread burst and the same-second burst
    with tempfile.TemporaryDirectory() as folder:
        async with Emulator(check_schemas=False) as discord:
            started = time.perf_counter()
            servers = [
                discord.create_guild(f"Server {g}", voice_channels=()) for g in range(GUILDS)
            ]
            channels = [server.channel("general").id for server in servers]
            path = Path(folder) / "data" / "bot.db"
            path.parent.mkdir()
            db = await Database.open(path)
            now = datetime.now(UTC).replace(microsecond=0)
            first = now + timedelta(seconds=int(45 + count / 1000))
            second = first + timedelta(seconds=max(spread) + gap)
            instants = [first + timedelta(seconds=o) for o in spread]
            instants += [second] * BURST
            content = questions_content("What did you read this week?\nWhat would you change?")
            quiet_clock = (now + timedelta(hours=6)).time().replace(microsecond=0)
            for i in range(count):
                guild = i % GUILDS
                if i < len(instants):
                    rule = Recurrence(
                        kind="once", timezone="UTC", once_at=instants[i].replace(tzinfo=None)
                    )
                else:
                    rule = Recurrence(
                        kind="daily",
                        timezone="Europe/Berlin",
                        at=quiet_clock,
                        start=date(2026, 1, 1),
                    )
                new = store.NewSchedule(servers[guild].id, channels[guild], 1, content, rule)
                await store.create_schedule(db, new, now)
            await db.close()
            print(
                f"[emulator] {GUILDS:,} servers and {count:,} schedules set up in "
                f"{time.perf_counter() - started:.1f} s"
            )

            bot = BotProcess({**discord.env(), "DATABASE_PATH": str(path)}, Path(folder))
            began = time.perf_counter()
            await bot.start()
            await discord.wait_for_commands(*CORE_COMMANDS, timeout=120)
            await discord.wait_for_ready(timeout=120)
            await bot.wait_for_log("ready as", within=120)
            assert bot.proc is not None
            pid = bot.proc.pid
            print(
                f"[emulator] bot ready in {time.perf_counter() - began:.1f} s; RSS "
                f"{proc_rss_mib(pid):.0f} MiB"
            )
            await asyncio.sleep(2.0)  # let start-up settle before measuring idle
            idle_cpu0, idle_wall0 = proc_cpu_seconds(pid), time.perf_counter()
            await asyncio.sleep(max(1.0, (first - datetime.now(UTC)).total_seconds() - 1.0))
            idle_wall = time.perf_counter() - idle_wall0
            idle_cpu = proc_cpu_seconds(pid) - idle_cpu0
            tick = 1000 / os.sysconf("SC_CLK_TCK")
            print(
                f"[emulator] idle {idle_wall:.1f} s before the burst: bot CPU "
                f"{idle_cpu * 1000:.0f} ms ({100 * idle_cpu / idle_wall:.2f} %; the kernel "
                f"counts in {tick:.0f} ms ticks)"
            )

            def posts() -> list[Message]:
                return [
                    m
                    for m in discord.messages.values()
                    if isinstance(m.nonce, str) and m.nonce.startswith("prompt-")
                ]

            await discord.wait_for(
                lambda: len(posts()) >= len(instants),
                timeout=(second - datetime.now(UTC)).total_seconds() + 120,
                what="every burst run to be posted",
            )
            await asyncio.sleep(2.0)  # anything posted twice would show up now
            rss = proc_rss_mib(pid)
            code = await bot.stop()
            assert code == 0, bot.log_text()[-2000:]

        conn = sqlite3.connect(path)
        due = dict(
            conn.execute(
                "SELECT 'prompt-' || id, due_at FROM prompt_runs WHERE status = 'posted'"
            ).fetchall()
        )
        conn.close()
        sent = posts()
        nonces = [m.nonce for m in sent]
        assert len(set(nonces)) == len(nonces) == len(instants) == len(due), "exactly once"
        late = {m.nonce: m.created_at - due[str(m.nonce)] for m in sent}
        spread_late = [v for k, v in late.items() if due[str(k)] < second.timestamp()]
        same_late = [v for k, v in late.items() if due[str(k)] == second.timestamp()]
        print(f"[emulator] posted {len(sent)} runs, each once")
        print(
            f"[emulator] spread over {max(spread) + 1:.0f} s, lateness to the emulator: "
            f"{percentiles(spread_late)}"
        )
        print(
            f"[emulator] same second ({len(same_late)}), lateness to the emulator: "
            f"{percentiles(same_late)}"
        )
        print(f"[emulator] bot RSS after the bursts {rss:.0f} MiB")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 schedules, shorter bursts")
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="the real bot process posting to the local Discord emulator",
    )
    args = parser.parse_args()
    rng = random.Random(1)
    spread = sorted(rng.uniform(0, 60 if not args.quick else 20) for _ in range(BURST))
    spread = [float(int(s)) for s in spread]  # schedules have whole seconds
    if args.emulator:
        await against_emulator(spread, args.quick)
        return
    await burst("spread over a minute", spread, args.quick)
    await burst("same second", [0.0] * BURST, args.quick)


if __name__ == "__main__":
    asyncio.run(main())
