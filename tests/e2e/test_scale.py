"""Several bot processes over one PostgreSQL database, each owning some of Discord's shards.

One emulated Discord with 100 servers spread over 4 shards, and real bot processes (``python -m
bot run``) with ``SHARD_COUNT=4``: "a" runs shards 0,1 and "b" shards 2,3. Every server has three
prompts, due at three moments all servers share; around them the test runs the operator's three
hard cases:

1. both processes up: every run is posted exactly once, by the process owning the server's shard;
2. a rolling restart (the new process of each pair is started before the old is stopped, so at
   the second moment two processes serve every shard): still one post per run, and not even a
   second attempt Discord would have deduplicated;
3. posts in flight (Discord answering slowly) when one process is killed with ``kill -9`` and
   another, overlapping with its successor, is stopped with SIGTERM: the restarted process and the
   successor finish their claimed runs, once each, at once.

Then ``/quote``, ``/search`` and a meeting check-in work in a server on every shard, ``python -m
bot status`` is healthy, and no IDENTIFY or REST request broke Discord's per-bot limits.
"""

# Every wait below is bounded explicitly, as in the emulator's own API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.scheduling.content import PostOptions, questions_content
from bot.scheduling.recurrence import build_recurrence
from bot.storage import Database
from bot.storage import prompts as store
from tests.e2e.botprocess import REPO_ROOT, BotProcess
from tests.emulator import Emulator, Guild, Message
from tests.postgres import PostgresServer

# Several bot processes on start-up deadlines: alone on the machine, not beside other workers.
pytestmark = pytest.mark.serial

SHARDS = 4
GUILDS = 100
ROUNDS = 3
POSTS = "POST /channels/{channel_id}/messages"


def shard_of(guild: Guild) -> int:
    return (guild.id >> 22) % SHARDS


@dataclass
class Cluster:
    discord: Emulator
    guilds: list[Guild]
    url: str
    db: Database
    root: Path
    processes: dict[str, BotProcess] = field(default_factory=dict)

    async def start(self, *names_and_shards: tuple[str, Sequence[int]]) -> None:
        """Start processes together and wait until each has all its shards connected."""
        identifies = self.discord.gateway.identifies
        for name, shards in names_and_shards:
            env = {
                **self.discord.env(),
                "DATABASE_URL": self.url,
                "SHARD_COUNT": str(SHARDS),
                "SHARD_IDS": ",".join(map(str, shards)),
                "PROCESS_NAME": name,
                "HEARTBEAT_SECONDS": "1",
            }
            workdir = self.root / name
            workdir.mkdir()
            process = self.processes[name] = BotProcess(env, workdir)
            await process.start()
        wanted = [s for _, shards in names_and_shards for s in shards]
        await self.discord.wait_for_shards(wanted, SHARDS, after=identifies, timeout=60)
        for name, _ in names_and_shards:
            await self.processes[name].wait_for_log("ready as", within=30)

    def posts(self, round_: int) -> dict[int, list[Message]]:
        """Visible posts of a round, by server."""
        found: dict[int, list[Message]] = {g.id: [] for g in self.guilds}
        for guild in self.guilds:
            for message in guild.default_channel.visible_messages():
                if message.author.bot and f"Round {round_} " in message.content:
                    found[guild.id].append(message)
        return found

    async def wait_for_round(self, round_: int, timeout: float = 30) -> None:
        await self.discord.wait_for(
            lambda: all(self.posts(round_).values()),
            timeout=timeout,
            what=f"round {round_} posted in every server",
        )

    async def runs(self, round_: int) -> list[store.Run]:
        rows = await self.db.fetchall(
            "SELECT r.id FROM prompt_runs r JOIN prompt_schedules s ON s.id = r.schedule_id "
            "WHERE s.content LIKE ?",
            (f"%Round {round_} %",),
        )
        return [await store.get_run(self.db, int(row["id"])) for row in rows]

    async def owners(self, round_: int) -> dict[int, str]:
        """The process name that owns each run of the round, by server."""
        rows = await self.db.fetchall(
            "SELECT r.guild_id, r.owner FROM prompt_runs r "
            "JOIN prompt_schedules s ON s.id = r.schedule_id WHERE s.content LIKE ?",
            (f"%Round {round_} %",),
        )
        return {int(row["guild_id"]): str(row["owner"]).split(":")[0] for row in rows}

    def attempts(self, round_: int) -> Counter[str]:
        """POSTs per nonce for a round: two would be a second try Discord had to deduplicate."""
        return Counter(
            call.json["nonce"]
            for call in self.discord.calls(POSTS)
            if call.json and f"Round {round_} " in str(call.json.get("content", ""))
        )


@pytest.fixture
async def cluster(tmp_path: Path, postgres_server: PostgresServer) -> AsyncIterator[Cluster]:
    url = await postgres_server.create_database()
    db = await Database.open(url)
    async with Emulator(check_schemas=False) as discord:
        # A large bot's IDENTIFY concurrency: shards in different buckets connect together.
        discord.gateway.max_concurrency = 16
        guilds = []
        # Ids a millisecond apart (minted a minute ago) land on consecutive shards.
        first_ms = (discord.snowflakes.next() >> 22) - 60_000
        for n in range(GUILDS):
            guild = discord.create_guild(f"Group {n}", guild_id=((first_ms + n) << 22) | 1)
            guild.add_member("alice")
            guild.add_member("mod", roles=[guild.role("Moderator")])
            guilds.append(guild)
        state = Cluster(discord, guilds, url, db, tmp_path)
        try:
            yield state
        finally:
            codes = {}
            for name, process in state.processes.items():
                if process.running:
                    codes[name] = await process.stop()
            await db.close()
            await postgres_server.drop_database(url)
            assert discord.unanswered_interactions() == []
            assert all(code == 0 for code in codes.values()), {
                name: state.processes[name].log_text()[-3000:] for name in codes
            }


async def make_schedules(cluster: Cluster, dues: Sequence[float]) -> None:
    """One prompt per server and round; round r is due at ``dues[r]`` (unix seconds)."""
    now = datetime.now(UTC)
    rule = build_recurrence("daily", "UTC", now=now, at="03:00")
    made: list[tuple[int, int]] = []
    for round_, due in enumerate(dues):
        for guild in cluster.guilds:
            schedule = await store.create_schedule(
                cluster.db,
                store.NewSchedule(
                    guild.id,
                    guild.default_channel.id,
                    guild.member("mod").id,
                    questions_content(f"Round {round_} for {guild.name}?"),
                    rule,
                    PostOptions(),
                ),
                now,
            )
            made.append((int(due), schedule.id))
    async with cluster.db.transaction() as conn:
        await conn.executemany("UPDATE prompt_schedules SET next_run_at = ? WHERE id = ?", made)


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


async def status(cluster: Cluster) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "status",
        cwd=cluster.root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": cluster.url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def test_two_processes_two_shards_each(cluster: Cluster) -> None:
    discord = cluster.discord
    per_shard = Counter(shard_of(g) for g in cluster.guilds)
    assert per_shard == dict.fromkeys(range(SHARDS), GUILDS // SHARDS)
    t0 = time.time() + 6
    dues = [t0, t0 + 7, t0 + 18]
    await make_schedules(cluster, dues)

    # 1. Both processes up: every run posted once, each by the owner of its server's shard.
    await cluster.start(("a1", [0, 1]), ("b1", [2, 3]))
    await discord.wait_for_commands("quote", "search", "meeting", timeout=30)
    for name, shards in (("a1", [0, 1]), ("b1", [2, 3])):
        log = cluster.processes[name].log_text()
        assert f"on shards {','.join(map(str, shards))}/4" in log
        assert f"in {sum(per_shard[s] for s in shards)} servers" in log
    await cluster.wait_for_round(0)
    owners = await cluster.owners(0)
    for guild in cluster.guilds:
        assert owners[guild.id] == ("a1" if shard_of(guild) < 2 else "b1")

    # 2. Rolling restart: a2 and b2 join before round 1 is due, a1 and b1 leave after it.
    await cluster.start(("a2", [0, 1]), ("b2", [2, 3]))
    assert time.time() < dues[1], "the new processes must be up before round 1 is due"
    await cluster.wait_for_round(1)
    await asyncio.gather(cluster.processes["a1"].stop(), cluster.processes["b1"].stop())
    assert set((await cluster.owners(1)).values()) <= {"a1", "a2", "b1", "b2"}

    # 3. Posts in flight (Discord holds round 2's posts for 2 seconds) when a2 is killed with
    # kill -9 and b2, overlapping with its successor b3, is stopped with SIGTERM.
    # (b3's shards connect 5.5 s after b2's: the IDENTIFY turns are per bot, not per process.)
    await cluster.start(("b3", [2, 3]))
    assert time.time() < dues[2], "b3 must be up before round 2 is due"
    slow = discord.faults.slow(POSTS, 2.0, times=None)
    await sleep_until(dues[2])
    await discord.wait_for(
        lambda: sum(1 for c in discord.calls(POSTS) if "Round 2 " in str(c.json)) >= 60,
        timeout=15,
        what="round 2 posts in flight",
    )
    await cluster.processes["a2"].kill()
    claimed = [r for r in await cluster.runs(2) if r.status == "claimed"]
    assert claimed, "the kill should leave runs claimed but not posted"
    assert await cluster.processes["b2"].stop() == 0
    discord.faults.remove(slow)
    await cluster.start(("a3", [0, 1]))
    # b3 learns from the heartbeat rows that b2 left and finishes its runs at once, as a3 does
    # the killed a2's: no run waits for a scheduler's next planned wake-up (hours away).
    await cluster.wait_for_round(2, timeout=20)
    await cluster.processes["a3"].wait_for_log("finishing prompt run", within=10)

    # Every run of every round: posted, one message each, in the right server.
    for round_ in range(ROUNDS):
        runs = await cluster.runs(round_)
        assert len(runs) == GUILDS and {r.status for r in runs} == {"posted"}
        posts = cluster.posts(round_)
        assert {g: len(m) for g, m in posts.items()} == dict.fromkeys(posts, 1), round_
        assert {r.message_id for r in runs} == {m[0].id for m in posts.values()}
    # Rounds 0 and 1 never needed a second try; round 2's retries came only from the killed one.
    assert max(cluster.attempts(0).values()) == max(cluster.attempts(1).values()) == 1
    assert set((await cluster.owners(2)).values()) <= {"a2", "a3", "b2", "b3"}

    # Commands, buttons and check-ins reach the process owning each server's shard.
    for shard in range(SHARDS):
        guild = next(g for g in cluster.guilds if shard_of(g) == shard)
        alice, mod = guild.member("alice"), guild.member("mod")
        quote = await alice.run("/quote", reference="anti-ai immediate 1")
        assert not quote.ephemeral
        assert "Manifesto of the Anti-AI Movement" in quote.embed["author"]["name"]
        found = await alice.run("/search", query="automation of labor")
        assert found.ephemeral and len(found.embed["fields"]) == 5
        started = await mod.run("/meeting start", title=f"Shard {shard}")
        assert started.ephemeral and "started" in started.content, started.content
        post = await discord.wait_for_message(guild.default_channel, contains=f"Shard {shard}")
        here = await alice.click(post, "I'm here")
        assert "checked in" in here.content, here.content
        session = discord.gateway.current_session(guild.id)
        assert session is not None and session.shard == (shard, SHARDS)
    rows = await cluster.db.fetchall("SELECT COUNT(*) AS n FROM meeting_attendance")
    assert rows[0]["n"] == SHARDS

    code, report = await status(cluster)
    assert code == 0, report
    assert "a3" in report and "b3" in report
    assert all(f"{gone} (pid" not in report for gone in ("a1", "b1", "a2", "b2"))
    # Limits Discord counts for the whole bot, whichever process sends.
    assert discord.gateway.identify_violations == []
    assert discord.peak_global_rate <= discord.global_rate
