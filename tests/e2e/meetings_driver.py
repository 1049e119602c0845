"""Crowds and clocks for the meeting end-to-end tests and ``bench/attendance.py``.

A check-in burst is many people pressing "I'm here" at the same moment: every click is dispatched
before any answer is awaited, as Discord delivers them, and then all answers are waited for. The
bot process reads real time, so tests that need minutes of voice presence move the bot's stored
moments back instead of sleeping (:func:`shift_meeting_back`).
"""

# Every wait here is bounded by a ``timeout`` argument, as in the emulator's own test API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage.database import Row
from tests.e2e.conftest import World, make_world
from tests.emulator import Emulator, Guild, InteractionResult, Member, Message

HERE = "I'm here"
CHECKED_IN = "You're checked in"
ALREADY = "already checked in"
ENDED = "has ended, so check-ins are closed"


def add_members(guild: Guild, count: int, prefix: str = "reader") -> list[Member]:
    """``count`` new people in the server (plain members, no roles)."""
    return [guild.add_member(f"{prefix}{index:04d}") for index in range(count)]


@dataclass
class Burst:
    """Clicks of a crowd, dispatched without waiting, and what became of each."""

    discord: Emulator
    results: list[InteractionResult] = field(default_factory=list)

    async def click(
        self,
        clickers: Sequence[Member],
        message: Message,
        *,
        label: str = HERE,
        spread: float = 0.0,
    ) -> None:
        """Everyone in ``clickers`` presses the button (one entry, one click: repeat a member to
        make them click twice), all at the same instant or evenly over ``spread`` seconds."""
        loop = asyncio.get_running_loop()
        began = loop.time()
        for index, member in enumerate(clickers):
            if spread:
                await asyncio.sleep(max(0.0, began + spread * index / len(clickers) - loop.time()))
            self.results.append(await member.click(message, label, wait=False))

    async def wait(self, timeout: float = 30.0) -> None:
        """Until every click dispatched so far is answered."""
        count = len(self.results)
        await self.discord.wait_for(
            lambda: len(self.answered) >= count, timeout=timeout, what=f"answers to {count} clicks"
        )

    @property
    def answered(self) -> list[InteractionResult]:
        return [r for r in self.results if r.response_type is not None]

    @property
    def unanswered(self) -> list[InteractionResult]:
        return [r for r in self.results if r.response_type is None]

    def answered_with(self, text: str) -> list[InteractionResult]:
        return [r for r in self.answered if r.response_type == 4 and text in r.content]

    def members_answered_with(self, text: str) -> list[int]:
        return [r.interaction.user.id for r in self.answered_with(text)]

    def latencies_ms(self) -> list[float]:
        """Dispatch to acknowledgement, per answered click, on the emulator's clock."""
        return [
            (r.interaction.responded_at - r.interaction.created_at) * 1000
            for r in self.answered
            if r.interaction.responded_at is not None
        ]


async def click_burst(
    discord: Emulator,
    clickers: Sequence[Member],
    message: Message,
    *,
    label: str = HERE,
    spread: float = 0.0,
    timeout: float = 30.0,
) -> Burst:
    """A crowd presses the button (:meth:`Burst.click`); returns when every click is answered."""
    burst = Burst(discord)
    await burst.click(clickers, message, label=label, spread=spread)
    await burst.wait(timeout)
    return burst


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- the bot's database (either backend), read and (for time travel) written from outside ---------


async def attendance(world: World, meeting_id: int) -> dict[int, str]:
    """Member id -> source of every attendance row of a meeting."""
    rows = await world.query(
        "SELECT member_id, source FROM meeting_attendance WHERE meeting_id = ?", (meeting_id,)
    )
    return {row["member_id"]: row["source"] for row in rows}


async def meetings(world: World) -> list[Row]:
    return await world.query("SELECT * FROM meetings ORDER BY id")


async def set_setting(world: World, guild_id: int, key: str, value: str) -> None:
    """Store a server setting (JSON text) as ``/settings`` would; the bot reads it on use."""
    await world.execute(
        "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
        (guild_id, key, value),
    )


async def shift_meeting_back(world: World, meeting_id: int, seconds: int) -> None:
    """Make everything recorded so far about a meeting have happened ``seconds`` earlier.

    The same as ``seconds`` of quiet time passing before now: whoever is in voice stays in
    voice, stretches that ended stay as long as they were. Only for a stopped bot: nothing else
    writes meanwhile, so the three updates need not share a transaction.
    """
    await world.execute(
        "UPDATE meetings SET started_at = started_at - ?, ended_at = ended_at - ? WHERE id = ?",
        (seconds, seconds, meeting_id),
    )
    await world.execute(
        "UPDATE meeting_voice_intervals SET started_at = started_at - ?, "
        "ended_at = ended_at - ? WHERE meeting_id = ?",
        (seconds, seconds, meeting_id),
    )
    await world.execute(
        "UPDATE meeting_attendance SET recorded_at = recorded_at - ? WHERE meeting_id = ?",
        (seconds, meeting_id),
    )


# --- the benchmark ----------------------------------------------------------------------------


async def start_meeting(world: World, title: str = "Bench") -> tuple[int, Message]:
    """``/meeting start`` as the moderator; the meeting's id and its public check-in message."""
    channel = world.guild.default_channel
    reply = await world.mod.run("/meeting start", title=title)
    assert reply.ephemeral and "started" in reply.content, reply.content
    message = await world.discord.wait_for_message(channel, contains=title)
    return int((await meetings(world))[-1]["id"]), message


@dataclass
class BurstFigures:
    """What one burst through the emulator and the bot process measured."""

    clicks: int
    latencies_ms: list[float]
    recorded: int
    """Clicks answered "You're checked in"."""
    rows: int
    """Attendance rows in the database afterwards."""
    wall_s: float
    bot_cpu_s: float | None
    """CPU the bot process used during the burst (Linux only)."""
    emulator_cpu_s: float
    """CPU this process (the emulator and the driver) used during the burst."""


def _process_cpu(pid: int) -> float | None:
    """User plus system CPU seconds of a process, from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_check_in_burst(
    folder: Path, members: int, *, duplicates: int = 0, spread: float = 0.0
) -> BurstFigures:
    """``members`` people press "I'm here" (``duplicates`` of them twice), all at once or over
    ``spread`` seconds, against the real bot process; what it took."""
    async with Emulator() as discord:
        world = make_world(discord, folder)
        crowd = add_members(world.guild, members)
        await world.start_bot()
        try:
            meeting_id, message = await start_meeting(world)
            assert world.bot.proc is not None
            pid = world.bot.proc.pid
            bot_before, cpu_before = _process_cpu(pid), time.process_time()
            began = time.perf_counter()
            clickers = crowd + crowd[:duplicates]
            burst = await click_burst(discord, clickers, message, spread=spread, timeout=120)
            wall = time.perf_counter() - began
            bot_after, cpu_after = _process_cpu(pid), time.process_time()
            rows = len(await attendance(world, meeting_id))
        finally:
            await world.bot.stop()
    return BurstFigures(
        clicks=len(clickers),
        latencies_ms=burst.latencies_ms(),
        recorded=len(burst.answered_with(CHECKED_IN)),
        rows=rows,
        wall_s=wall,
        bot_cpu_s=None if bot_before is None or bot_after is None else bot_after - bot_before,
        emulator_cpu_s=cpu_after - cpu_before,
    )
