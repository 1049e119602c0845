"""Web app figures: page time, throughput, memory, and what page loads cost the bot.

Run: ``.venv/bin/python bench/web.py [--members 10000] [--rows 1000000] [--skip-bot]``.

1. Server time per page (p50/p95, from a middleware around every handler: routing, the database,
   templates) for the reader (the longest text, a permalink redirect, the index), search (the 91
   queries of the search development set) and a member's server page, on a SQLite database with
   ``--members`` members and ``--rows`` readings in one server (bench/streaks.py's skewed
   population over the real sections) and a year of weekly meetings. Target p95 <= 30 ms.
2. Requests per second of one process (the site alone in a child process, 32 connections from
   this one).
3. The real bot process against the local Discord emulator (bench/e2e.py's machinery), with the
   web app on: /search interactions' p95 alone and while 100 page loads are kept in flight by a
   separate load process (target: less than 20% worse); then the bot's RSS with the web app off
   and on, after the same searches (target: at most 15 MB more).
4. Moderator pages (``--moderator``, or alone with ``--moderator-only``): server time of the
   prompts page with 200 prompts in the server (target p95 <= 50 ms) and of one reading plan's
   page (its calendar); then the delay from a moderator's change made by another process (a
   child process running the web's action, ``pause_prompt``/``resume_prompt``, on its own
   connection) to the bot's :class:`~bot.storage.changes.ChangeWatcher` waking, on SQLite and
   PostgreSQL (target p95 <= 5 s).
Everything shares one 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import itertools
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

# Ahead of bench/ itself: this file is named like the web package, which must win.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from cryptography.fernet import Fernet

from bot.config import Secret, WebSettings
from bot.library import load_library
from bot.membership import MemberAccess, Named, ServerLayout
from bot.scheduling.content import Content
from bot.scheduling.recurrence import build_recurrence
from bot.search import SearchEngine
from bot.session_key import derive_key
from bot.storage import Database, prompts
from bot.streaks.progress import readable_sections
from web import WebContext, create_app

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def _bench_module(name: str) -> Any:
    """A sibling benchmark, loaded by path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


population = _bench_module("streaks")
QUERIES = tuple(
    item["query"]
    for item in json.loads((Path(__file__).parent / "search_devset.json").read_text())["queries"]
)
GUILD = population.GUILD
SECRET = "bench-web-secret-key-of-enough-length"


class AllMembers:
    """Everyone is a member of the bench's server (the bot would answer from its cache)."""

    async def shared_guilds(self, guild_ids: Any) -> dict[int, str]:
        return {g: "Bench Group" for g in guild_ids if g == GUILD}

    async def is_member(self, guild_id: int, user_id: int) -> bool:
        return guild_id == GUILD

    async def member_access(self, guild_id: int, user_id: int) -> MemberAccess | None:
        """Everyone manages the bench's server, so moderator pages can be timed too."""
        return MemberAccess(frozenset(), True) if guild_id == GUILD else None

    async def server_layout(self, guild_id: int) -> ServerLayout:
        return ServerLayout((Named(GUILD + 1, "reading"),), (Named(GUILD + 2, "Readers"),))

    async def member_names(self, guild_id: int, user_ids: Any) -> dict[int, str]:
        return {user_id: f"Reader {user_id}" for user_id in user_ids}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cookie(user_id: int) -> str:
    data = {
        "created": int(time.time()),
        "session": {"uid": user_id, "name": "reader", "guilds": [GUILD], "csrf": "x", "seen": 0},
    }
    return Fernet(derive_key(Secret(SECRET))).encrypt(json.dumps(data).encode()).decode()


def settings(port: int) -> WebSettings:
    return WebSettings(
        base_url=f"http://127.0.0.1:{port}",
        host="127.0.0.1",
        port=port,
        client_id="1",
        client_secret=Secret("x"),
        secret_key=Secret(SECRET),
        authorize_url="http://127.0.0.1:1/oauth2/authorize",
        api_base="http://127.0.0.1:1/api",
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def site(db_path: Path, port: int, timings: dict[str, list[float]] | None) -> web.AppRunner:
    library = load_library(ROOT / "seeds")
    db = await Database.open(db_path)
    context = WebContext(
        settings=settings(port),
        db=db,
        library=library,
        engine=SearchEngine.build(library),
        membership=AllMembers(),
        session_key=derive_key(Secret(SECRET)),
        clock=lambda: population.NOW,
    )
    app = create_app(context)

    async def close(app: web.Application) -> None:
        await db.close()  # its worker thread would otherwise keep the process from ending

    app.on_cleanup.append(close)
    if timings is not None:

        @web.middleware
        async def timing(request: web.Request, handler: Any) -> web.StreamResponse:
            began = time.perf_counter()
            try:
                return await handler(request)
            finally:
                kind = request.headers.get("X-Bench-Kind", "other")
                timings.setdefault(kind, []).append((time.perf_counter() - began) * 1000)

        app.middlewares.insert(0, timing)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def build_database(path: Path, members: int, rows: int) -> None:
    library = load_library(ROOT / "seeds")
    population.SECTIONS = [
        (doc.slug, section.slug)
        for doc in library.documents.values()
        for section in readable_sections(doc)
    ]

    async def migrate() -> None:
        db = await Database.open(path)
        await db.close()

    asyncio.run(migrate())
    began = time.perf_counter()
    population.populate(path, members, rows)
    print(
        f"database: {rows:,} readings by {members:,} members, 52 meetings "
        f"(built in {time.perf_counter() - began:.0f} s)"
    )


def add_moderator_data(path: Path, members: int, meetings: int) -> None:
    """Meetings back to ``meetings`` in all (weekly, 300 present each) and a running reading
    plan of anti-ai five sections in, for the moderators' meetings and reading pages."""
    rng = random.Random(13)
    conn = sqlite3.connect(path)
    for week in range(52, meetings):
        started = int((population.NOW - timedelta(weeks=week, hours=2)).timestamp())
        cursor = conn.execute(
            "INSERT INTO meetings (guild_id, title, started_at, ended_at) VALUES (?, ?, ?, ?)",
            (GUILD, f"Week {week}", started, started + 3600),
        )
        conn.executemany(
            "INSERT INTO meeting_attendance (meeting_id, member_id, source, recorded_at) "
            "VALUES (?, ?, 'button', ?)",
            [(cursor.lastrowid, m, started) for m in rng.sample(range(1000, 1000 + members), 300)],
        )
    conn.commit()
    conn.close()
    library = load_library(ROOT / "seeds")
    sections = [s.slug for s in readable_sections(library.documents["anti-ai"])]

    async def plan() -> None:
        db = await Database.open(path)
        try:
            rule = build_recurrence("weekly", "UTC", now=population.NOW, at="18:00", weekdays="mon")
            content = Content(kind="reading", document="anti-ai", start=sections[0])
            new = prompts.NewSchedule(GUILD, GUILD + 1, 1000, content, rule)
            schedule = await prompts.create_schedule(db, new, population.NOW)
            async with db.transaction() as conn:
                await conn.execute(
                    "UPDATE prompt_schedules SET state = ? WHERE id = ?",
                    (json.dumps({"next": sections[5]}), schedule.id),
                )
        finally:
            await db.close()

    asyncio.run(plan())
    print(f"moderators: {meetings} meetings of 300 members; a reading plan 5 sections in")


def pages() -> dict[str, Callable[[int], str]]:
    return {
        "reader: /texts/anti-ai (whole text)": lambda i: "/texts/anti-ai",
        "reader: /p/{ref} redirect": lambda i: "/p/anti-ai:immediate-demands:2",
        "reader: / (index)": lambda i: "/",
        "search: /search?q=...": lambda i: f"/search?q={QUERIES[i % len(QUERIES)]}",
        "member: /me/{server}": lambda i: f"/me/{GUILD}",
        "member (heaviest reader)": lambda i: f"/me/{GUILD}",
        "moderator: meetings (500)": lambda i: f"/mod/{GUILD}/meetings",
        "moderator: meetings chart.svg": lambda i: f"/mod/{GUILD}/meetings/chart.svg",
        "moderator: reading (anti-ai)": lambda i: f"/mod/{GUILD}/reading?text=anti-ai",
        "moderator: reading chart.svg": lambda i: f"/mod/{GUILD}/reading/chart.svg?text=anti-ai",
        "moderator: audit log": lambda i: f"/mod/{GUILD}/audit",
    }


async def page_times(db_path: Path, members: int, runs: int, only: str | None = None) -> None:
    timings: dict[str, list[float]] = {}
    port = free_port()
    runner = await site(db_path, port, timings)
    rng = random.Random(11)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for label, path in pages().items():
                if only is not None and only not in label:
                    continue
                for i in range(runs):
                    cookies = {}
                    if label.startswith(("member", "moderator")):
                        heavy = label.startswith("member (")
                        user = 1000 if heavy else 1000 + int(members * rng.random() ** 2)
                        cookies = {"manifesto_session": cookie(user)}
                    headers = {"X-Bench-Kind": label}
                    async with http.get(
                        base + path(i), headers=headers, cookies=cookies, allow_redirects=False
                    ) as response:
                        await response.read()
                        assert response.status in (200, 302), (label, response.status)
    finally:
        await runner.cleanup()
    print(
        f"\n== server time per page ({runs} loads each; target p95 <= 30 ms,"
        " moderator pages <= 50 ms)"
    )
    for label, samples in timings.items():
        if label == "other":
            continue
        p95 = percentile(samples, 0.95)
        target = 50 if label.startswith("moderator") else 30
        print(
            f"{label:<38} p50 {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms   "
            f"max {max(samples):6.2f} ms  {'ok' if p95 <= target else 'OVER TARGET'}"
        )


async def hammer(
    base: str,
    paths: list[str],
    concurrency: int,
    seconds: float,
    cookies: dict[str, str] | None = None,
) -> tuple[int, int]:
    """Keep ``concurrency`` requests in flight for ``seconds``; (answered, errors)."""
    done = errors = 0
    stop_at = time.perf_counter() + seconds
    counter = itertools.count()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, cookies=cookies) as http:

        async def worker() -> None:
            nonlocal done, errors
            while time.perf_counter() < stop_at:
                path = paths[next(counter) % len(paths)]
                try:
                    async with http.get(base + path, allow_redirects=False) as response:
                        await response.read()
                        if response.status in (200, 302):
                            done += 1
                        else:
                            errors += 1
                except aiohttp.ClientError:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, errors


async def throughput(db_path: Path, seconds: float) -> None:
    port = free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        str(port),
        "--db",
        str(db_path),
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        await child.stdout.readline()  # "ready"
        base = f"http://127.0.0.1:{port}"
        print("\n== requests per second, one process (32 connections from another process)")
        mixes = {
            "reader: /texts/anti-ai": ["/texts/anti-ai"],
            "reader: /p/{ref}": ["/p/anti-ai:immediate-demands:2"],
            "search": [f"/search?q={q}" for q in QUERIES],
            "member page": [f"/me/{GUILD}"],
        }
        for label, paths in mixes.items():
            cookies = {"manifesto_session": cookie(1000 + 37)} if label == "member page" else None
            done, errors = await hammer(base, paths, 32, seconds, cookies)
            print(f"{label:<26} {done / seconds:7.0f} requests/s  ({errors} errors)")
    finally:
        child.terminate()
        await child.wait()


def serve(port: int, db_path: Path) -> None:
    async def run() -> None:
        runner = await site(db_path, port, None)
        print("ready", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        import uvloop

        uvloop.run(run())
    except ImportError:
        asyncio.run(run())


def load(base: str, guild: int, user: int, concurrency: int, seconds: float) -> None:
    """The load process: ``concurrency`` page loads in flight against the bot's web app."""
    paths = ["/texts/anti-ai", "/p/anti-ai:immediate-demands:2", f"/me/{guild}"] + [
        f"/search?q={q}" for q in QUERIES[:20]
    ]
    done, errors = asyncio.run(
        hammer(base, paths, concurrency, seconds, {"manifesto_session": cookie(user)})
    )
    print(json.dumps({"done": done, "errors": errors, "seconds": seconds}), flush=True)


async def with_bot(interactions: int, in_flight: int) -> None:
    e2e = _bench_module("e2e")
    drive, cpu_seconds = e2e.drive, e2e.cpu_seconds

    def rss_mb(pid: int) -> tuple[float, float]:
        """VmRSS and its anonymous part (RssAnon: the heap, not the mapped library files)."""
        values = {}
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0]) / 1024
        return values["VmRSS"], values["RssAnon"]

    class Run(e2e.Run):  # type: ignore[name-defined,misc]
        def merge(self, other: Any) -> None:
            self.total += other.total
            self.wall += other.wall
            self.latencies += other.latencies
            self.failures += other.failures

    from tests.e2e.conftest import CORE_COMMANDS, make_world
    from tests.emulator import Emulator, Member

    async def one_bot(web_on: bool) -> dict[str, Any]:
        port = free_port()
        env = {}
        if web_on:
            env = {
                "WEB_BASE_URL": f"http://127.0.0.1:{port}",
                "WEB_PORT": str(port),
                "DISCORD_CLIENT_ID": "123456789012345678",
                "DISCORD_CLIENT_SECRET": "bench-client-secret",
                "WEB_SECRET_KEY": SECRET,
            }
        result: dict[str, Any] = {}
        with tempfile.TemporaryDirectory() as workdir:
            async with Emulator() as discord:
                world = make_world(discord, Path(workdir), env)
                await world.bot.start()
                await discord.wait_for_commands(*CORE_COMMANDS, timeout=60)
                await world.bot.wait_for_log("ready as", within=60)
                assert world.bot.proc is not None
                pid = world.bot.proc.pid
                result["rss_ready"] = rss_mb(pid)
                members = [world.guild.add_member(f"reader{n}") for n in range(in_flight)]
                await asyncio.sleep(0.5)
                queries = itertools.cycle(QUERIES)

                async def search(member: Member) -> bool:
                    reply = await member.run("/search", query=next(queries), timeout=10)
                    return bool(reply.embeds or reply.content)

                # Alternate quiet and loaded rounds, so the machine's other load (other
                # processes on these two cores) falls on both alike.
                rounds = 3 if web_on else 1
                per_round = max(1, interactions // rounds)
                alone, loaded = Run(0, 0.0), Run(0, 0.0)
                cpu = {"alone": 0.0, "loaded": 0.0}
                pages = {"done": 0, "errors": 0, "seconds": 0.0}
                for _ in range(rounds):
                    before = cpu_seconds(pid)
                    quiet = await drive(search, members, per_round, in_flight)
                    cpu["alone"] += cpu_seconds(pid) - before
                    alone.merge(quiet)
                    if not web_on:
                        continue
                    seconds = quiet.wall * 1.5 + 1.0
                    loader = await asyncio.create_subprocess_exec(
                        sys.executable,
                        __file__,
                        "--load",
                        f"http://127.0.0.1:{port}",
                        "--guild",
                        str(world.guild.id),
                        "--user",
                        str(world.alice.id),
                        "--seconds",
                        str(seconds),
                        cwd=ROOT,
                        stdout=subprocess.PIPE,
                    )
                    await asyncio.sleep(1.0)  # the 100 loads are in flight
                    before = cpu_seconds(pid)
                    busy = await drive(search, members, per_round, in_flight)
                    cpu["loaded"] += cpu_seconds(pid) - before
                    loaded.merge(busy)
                    assert loader.stdout is not None
                    out = json.loads((await loader.stdout.readline()).decode())
                    await loader.wait()
                    for key in pages:
                        pages[key] += out[key]
                result.update(alone=alone, loaded=loaded, cpu=cpu, pages=pages)
                result["rss_end"] = rss_mb(pid)
                await world.bot.stop()
        return result

    off = await one_bot(False)
    on = await one_bot(True)
    print(f"\n== the bot through the emulator: /search x {interactions}, {in_flight} in flight")
    for label, run in (
        ("web app off", off["alone"]),
        ("web app on, no page loads", on["alone"]),
        ("web app on, 100 page loads in flight", on["loaded"]),
    ):
        print(
            f"{label:<40} p50 {statistics.median(run.latencies):6.1f} ms   "
            f"p95 {percentile(run.latencies, 0.95):6.1f} ms   failures {run.failures}"
        )
    for label, key in (("quiet", "alone"), ("loaded", "loaded")):
        print(
            f"bot CPU an interaction ({label} rounds): "
            f"{on['cpu'][key] * 1000 / max(1, on[key].total):.2f} ms"
        )
    base95 = percentile(on["alone"].latencies, 0.95)
    loaded95 = percentile(on["loaded"].latencies, 0.95)
    pages = on["pages"]
    print(
        f"p95 with page loads: {100 * (loaded95 / base95 - 1):+.0f}% (target < +20%); "
        f"pages served meanwhile {pages['done'] / pages['seconds']:.0f}/s, "
        f"{pages['errors']} errors"
    )
    for index, label in ((0, "RSS"), (1, "of which anonymous (RssAnon)")):
        print(
            f"bot {label}: web app off {off['rss_ready'][index]:.1f} MB ready, "
            f"{off['rss_end'][index]:.1f} MB after; on {on['rss_ready'][index]:.1f} MB ready, "
            f"{on['rss_end'][index]:.1f} MB after the page loads (difference at the end "
            f"{on['rss_end'][index] - off['rss_end'][index]:+.1f} MB; target <= 15 MB)"
        )


MODERATED_PROMPTS = 200


async def add_prompts(db_path: Path, count: int) -> int:
    """``count`` prompts of every kind in the bench's server, through the action; returns the
    id of a weekly reading plan among them."""
    from bot.actions import Actor
    from bot.actions import prompts as actions
    from bot.scheduling.timing import Timing

    library = load_library(ROOT / "seeds")
    db = await Database.open(db_path)
    actor = Actor(1, GUILD, True, "bench")

    async def any_channel(channel_id: int, threads: bool) -> int:
        return channel_id

    kinds = [
        ("reading", "weekly", Timing(at="18:00", weekdays="sun"), "What stood out?"),
        ("question", "daily", Timing(at="09:00"), "What did you read today?"),
        (
            "questions",
            "monthly_weekday",
            Timing(at="19:30", nth="1st", weekday_name="fri"),
            "A?\nB?",
        ),
        ("question", "cron", Timing(cron="0 18 * * mon"), "Ready for the meeting?"),
    ]
    plan = 0
    try:
        for i in range(count):
            content, repeat, timing, text = kinds[i % len(kinds)]
            form = actions.PromptForm(
                channel_id=GUILD + 1,
                content=content,
                repeat=repeat,
                timing=timing,
                timezone="Europe/Berlin",
                text=text,
                document="anti-ai" if content == "reading" else None,
                thread="On {title}",
            )
            made = await actions.create_prompt(
                db,
                actor,
                form,
                documents=library.document,
                check_channel=any_channel,
                now=population.NOW,
            )
            plan = plan or made.id
    finally:
        await db.close()
    return plan


async def moderator_page_times(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "moderator.db"
        plan = await add_prompts(db_path, MODERATED_PROMPTS)
        timings: dict[str, list[float]] = {}
        port = free_port()
        runner = await site(db_path, port, timings)
        paths = {
            f"mod: /mod/{{server}}/prompts ({MODERATED_PROMPTS} prompts)": f"/mod/{GUILD}/prompts",
            "mod: the last page of them": f"/mod/{GUILD}/prompts?page=4",
            "mod: a reading plan (calendar)": f"/mod/{GUILD}/prompts/{plan}",
            "mod: new prompt form": f"/mod/{GUILD}/prompts/new",
            "mod: settings": f"/mod/{GUILD}/settings",
        }
        try:
            async with aiohttp.ClientSession() as http:
                for label, path in paths.items():
                    for _ in range(runs):
                        async with http.get(
                            f"http://127.0.0.1:{port}{path}",
                            headers={"X-Bench-Kind": label},
                            cookies={"manifesto_session": cookie(1000)},
                        ) as response:
                            await response.read()
                            assert response.status == 200, (label, response.status)
        finally:
            await runner.cleanup()
    print(f"\n== moderator pages, server time ({runs} loads each; target p95 <= 50 ms)")
    for label, samples in timings.items():
        if label == "other":
            continue
        p95 = percentile(samples, 0.95)
        print(
            f"{label:<44} p50 {statistics.median(samples):6.2f} ms   p95 {p95:6.2f} ms   "
            f"max {max(samples):6.2f} ms  {'ok' if p95 <= 50 else 'OVER TARGET'}"
        )


def web_writer(url: str, schedule_id: int) -> None:
    """The other process: on each line read, the web's action (pause, then resume), and the
    moment it committed."""
    from datetime import UTC, datetime

    from bot.actions import Actor
    from bot.actions import prompts as actions

    async def run() -> None:
        db = await Database.open(url, migrations=[])
        actor = Actor(1, GUILD, True, "bench")
        paused = False
        loop = asyncio.get_running_loop()
        try:
            while await loop.run_in_executor(None, sys.stdin.readline):
                now = datetime.now(UTC)
                if paused:
                    await actions.resume_prompt(db, actor, schedule_id, now=now)
                else:
                    await actions.pause_prompt(db, actor, schedule_id, now=now)
                paused = not paused
                print(time.time(), flush=True)
        finally:
            await db.close()

    asyncio.run(run())


async def change_delays(url: str, count: int) -> list[float]:
    from bot.storage.changes import ChangeWatcher

    plan = await add_prompts_at(url)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BENCH / "web.py"),
        "--web-writer",
        url,
        "--schedule",
        str(plan),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert child.stdin is not None and child.stdout is not None
    bot_db = await Database.open(url, migrations=[])
    woke: list[float] = []
    event = asyncio.Event()

    def wake() -> None:
        woke.append(time.time())
        event.set()

    watcher = ChangeWatcher(bot_db, wake)
    await watcher.start()
    delays: list[float] = []
    rng = random.Random(5)
    try:
        for _ in range(count):
            await asyncio.sleep(rng.uniform(0.05, 1.0))  # any moment of the watcher's second
            event.clear()
            del woke[:]
            child.stdin.write(b"go\n")
            await child.stdin.drain()
            committed = float(await asyncio.wait_for(child.stdout.readline(), 30))
            await asyncio.wait_for(event.wait(), 30)
            delays.append(max(0.0, woke[-1] - committed))
    finally:
        await watcher.stop()
        await bot_db.close()
        child.stdin.close()
        await child.wait()
    return delays


async def add_prompts_at(url: str) -> int:
    """One reading plan in the server of a database given by URL or path."""
    from bot.actions import Actor
    from bot.actions import prompts as actions
    from bot.scheduling.timing import Timing

    library = load_library(ROOT / "seeds")
    db = await Database.open(url)

    async def any_channel(channel_id: int, threads: bool) -> int:
        return channel_id

    try:
        form = actions.PromptForm(
            channel_id=GUILD + 1,
            content="reading",
            repeat="weekly",
            timing=Timing(at="18:00", weekdays="sun"),
            document="anti-ai",
        )
        made = await actions.create_prompt(
            db,
            Actor(1, GUILD, True, "bench"),
            form,
            documents=library.document,
            check_channel=any_channel,
            now=population.NOW,
        )
    finally:
        await db.close()
    return made.id


async def moderator_changes(count: int) -> None:
    from tests.postgres import PostgresServer

    print(
        f"\n== a web change (another process, pause/resume x {count}) until the scheduler's "
        "watcher wakes (target p95 <= 5 s)"
    )
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = await change_delays(str(Path(folder) / "changes.db"), count)
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="bench-web-postgres-")))
    try:
        results["postgresql"] = await change_delays(await server.create_database(), count)
    finally:
        server.stop()
    for name, delays in results.items():
        p95 = percentile(delays, 0.95)
        print(
            f"{name:<11} p50 {statistics.median(delays) * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms"
            f"   max {max(delays) * 1000:6.0f} ms  {'ok' if p95 <= 5 else 'OVER TARGET'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--interactions", type=int, default=300)
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--skip-bot", action="store_true", help="only the page figures (1, 2)")
    parser.add_argument("--only-bot", action="store_true", help="only the bot figures (3)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--guild", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--user", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--moderator", action="store_true", help="also the moderator figures (4)")
    parser.add_argument("--moderator-only", action="store_true", help="only the figures of 4")
    parser.add_argument("--changes", type=int, default=40, help=argparse.SUPPRESS)
    parser.add_argument("--web-writer", help=argparse.SUPPRESS)
    parser.add_argument("--schedule", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--database",
        type=Path,
        help="build the page figures' database into this file once, and reuse it when it exists"
        " (building takes minutes; later migrations are applied when the site opens it)",
    )
    parser.add_argument(
        "--pages", help="only the page figures whose label contains this text (with --skip-bot)"
    )
    args = parser.parse_args()
    if args.web_writer:
        web_writer(args.web_writer, args.schedule)
        return
    if args.moderator or args.moderator_only:
        print(f"machine: {os.cpu_count()} cores")
        asyncio.run(moderator_page_times(args.runs))
        asyncio.run(moderator_changes(args.changes))
        if args.moderator_only:
            return
    if args.serve:
        serve(args.serve, args.db)
        return
    if args.load:
        load(args.load, args.guild, args.user, 100, args.seconds)
        return
    print(f"machine: {os.cpu_count()} cores")
    if args.only_bot:
        asyncio.run(with_bot(args.interactions, args.in_flight))
        return
    with tempfile.TemporaryDirectory() as folder:
        db_path = args.database or Path(folder) / "web-bench.db"
        if not db_path.exists():
            build_database(db_path, args.members, args.rows)
            add_moderator_data(db_path, args.members, args.meetings)
        asyncio.run(page_times(db_path, args.members, args.runs, args.pages))
        if args.pages is None:
            asyncio.run(throughput(db_path, args.seconds))
    if not args.skip_bot:
        asyncio.run(with_bot(args.interactions, args.in_flight))


if __name__ == "__main__":
    main()
