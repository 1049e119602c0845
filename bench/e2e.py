"""End-to-end figures: the real bot process against the local Discord emulator.

Run: ``.venv/bin/python bench/e2e.py [--interactions 1000] [--in-flight 50]``.
Prints start-up time (process start to commands synced, to the gateway session, and to discord.py's
on_ready, which waits about 2 s for servers to stream in), interaction-to-response latency of
/search p50/p95/max with many interactions in flight, and the bot's resident memory afterwards.
Then the same loop of reference autocompletes, which run almost no code of the bot's (a lookup of
0.1 ms): their latency is the floor that discord.py and the emulator set on this machine, beside
which the /search figures can be read. With N in flight, latency is about N divided by the
throughput, and the throughput is bounded by the CPU an interaction costs the bot (printed) and
the emulator, which share the machine's cores.
Targets (issue 4): start-up <= 2 s, p95 <= 50 ms, RSS <= 100 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.conftest import CORE_COMMANDS, make_world
from tests.emulator import Emulator, Member

# The search development set: 91 different queries of four kinds, so no answer is reused.
QUERIES = tuple(
    item["query"]
    for item in json.loads((Path(__file__).parent / "search_devset.json").read_text())["queries"]
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime in clock ticks


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Run:
    """One closed loop of interactions: latencies of the answered ones, and how many failed."""

    total: int
    wall: float
    latencies: list[float] = field(default_factory=list)
    failures: int = 0

    def report(self, title: str, bot_cpu: float) -> None:
        print(f"{title}: {self.wall:.1f} s wall, {self.total / self.wall:.0f} interactions/s")
        if self.latencies:
            print(
                f"  latency p50 {statistics.median(self.latencies):.1f} ms, "
                f"p95 {percentile(self.latencies, 0.95):.1f} ms, "
                f"max {max(self.latencies):.1f} ms (target p95 <= 50 ms)"
            )
        print(
            f"  failures {self.failures}; bot CPU {bot_cpu * 1000 / self.total:.2f} ms "
            "an interaction"
        )


async def drive(
    act: Callable[[Member], Awaitable[bool]], members: list[Member], total: int, in_flight: int
) -> Run:
    """``total`` interactions, ``in_flight`` at a time, each timed from dispatch to answer."""
    run = Run(total, 0.0)
    semaphore = asyncio.Semaphore(in_flight)

    async def one(index: int) -> None:
        async with semaphore:
            begin = time.perf_counter()
            try:
                answered = await act(members[index % len(members)])
            except AssertionError:
                run.failures += 1
                return
            run.latencies.append((time.perf_counter() - begin) * 1000)
            run.failures += not answered

    began = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(total)))
    run.wall = time.perf_counter() - began
    return run


async def main(total: int, in_flight: int, check_schemas: bool) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        async with Emulator(check_schemas=check_schemas) as discord:
            world = make_world(discord, Path(workdir))
            started = time.perf_counter()
            await world.bot.start()
            await discord.wait_for_commands(*CORE_COMMANDS, timeout=60)
            synced = time.perf_counter() - started
            await discord.wait_for_ready(timeout=60)
            connected = time.perf_counter() - started
            await world.bot.wait_for_log("ready as", within=60)
            ready = time.perf_counter() - started

            idle_memory = rss_mb(world.bot.proc.pid) if world.bot.proc else float("nan")
            start_cpu = cpu_seconds(world.bot.proc.pid) if world.bot.proc else float("nan")
            members = [world.guild.add_member(f"reader{n}") for n in range(in_flight)]
            await asyncio.sleep(0.5)  # let the member joins reach the bot
            queries = itertools.cycle(QUERIES)

            async def search(member: Member) -> bool:
                reply = await member.run("/search", query=next(queries), timeout=10)
                return bool(reply.embeds or reply.content)

            searched = await drive(search, members, total, in_flight)
            after_search = cpu_seconds(world.bot.proc.pid) if world.bot.proc else float("nan")
            search_memory = rss_mb(world.bot.proc.pid) if world.bot.proc else float("nan")
            prefixes = itertools.cycle(("imm", "1.", "mach", "work", "anti 2", "tech"))

            async def complete(member: Member) -> bool:
                return bool(await member.autocomplete("/quote", "reference", next(prefixes)))

            completed = await drive(complete, members, total, in_flight)
            bot_cpu = cpu_seconds(world.bot.proc.pid) if world.bot.proc else float("nan")
            emulator_cpu = time.process_time()
            unanswered = len(discord.unanswered_interactions())
            await world.bot.stop()

    print(f"== emulator schema checks {'on' if check_schemas else 'off'}")
    print(
        f"start-up: commands synced {synced:.2f} s, gateway session {connected:.2f} s, "
        f"on_ready {ready:.2f} s (target <= 2 s to a usable bot)"
    )
    searched.report(f"/search x {total} with {in_flight} in flight", after_search - start_cpu)
    completed.report(
        f"/quote reference autocomplete x {total} with {in_flight} in flight (almost no bot code: "
        "the floor set by discord.py and the emulator)",
        bot_cpu - after_search,
    )
    print(f"unanswered interactions: {unanswered}")
    print(f"CPU: bot process {start_cpu:.2f} s to start; emulator and driver {emulator_cpu:.1f} s")
    print(
        f"bot RSS: {idle_memory:.1f} MB when ready, {search_memory:.1f} MB after the searches "
        "(target <= 100 MB)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument(
        "--check-schemas",
        action="store_true",
        help="keep the emulator's JSON-schema checks on (they cost it about 5 ms a request)",
    )
    options = parser.parse_args()
    asyncio.run(main(options.interactions, options.in_flight, options.check_schemas))
