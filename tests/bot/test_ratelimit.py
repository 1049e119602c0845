from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.ratelimit import HEADROOM, Pacer, process_share, share_fraction
from bot.sharding import Shards

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789"


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)  # others may queue meanwhile, as during a real sleep
        self.now += seconds


def test_shares_of_all_processes_stay_under_the_limit() -> None:
    layout = [Shards.of(8, [0, 1, 2]), Shards.of(8, [3, 4, 5]), Shards.of(8, [6, 7])]
    shares = [process_share(50, shards) for shards in layout]
    assert sum(shares) == pytest.approx(50 * HEADROOM) and sum(shares) < 50
    assert process_share(50, None) == pytest.approx(45)


async def test_a_burst_goes_out_at_the_steady_rate_in_order() -> None:
    fake = FakeTime()
    pacer = Pacer(20, clock=fake.clock, sleep=fake.sleep)
    waits = await asyncio.gather(*(pacer.wait() for _ in range(5)))
    assert waits == pytest.approx([0, 0.05, 0.10, 0.15, 0.20])
    assert fake.now == pytest.approx(100.2)
    # After a quiet spell a request goes at once.
    fake.now += 10
    assert await pacer.wait() == 0
    assert pacer.waited == pytest.approx(0.5)


async def test_a_stalled_loop_does_not_release_a_burst() -> None:
    """Callers queued before the process was busy for a moment still leave one interval apart:
    turns booked in advance would all fall due together when the loop runs again."""
    pacer = Pacer(20)
    loop = asyncio.get_running_loop()
    departures: list[float] = []

    async def call() -> None:
        await pacer.wait()
        departures.append(loop.time())

    calls = [asyncio.create_task(call()) for _ in range(8)]
    await asyncio.sleep(0.01)  # all queued, the first gone
    time.sleep(0.3)  # noqa: ASYNC251 - the loop blocked on purpose (a long parse, a GC pause)
    await asyncio.gather(*calls)
    gaps = [b - a for a, b in itertools.pairwise(departures)]
    assert min(gaps) >= 0.045, gaps


async def test_concurrent_callers_get_distinct_slots() -> None:
    pacer = Pacer(200)
    loop = asyncio.get_running_loop()
    began = loop.time()
    done: list[float] = []

    async def call() -> None:
        await pacer.wait()
        done.append(loop.time() - began)

    await asyncio.gather(*(call() for _ in range(20)))
    # 20 calls at 200/s: the last one leaves about 95 ms after the first.
    assert max(done) >= 0.09


@pytest.mark.parametrize("value", ["fast", "-1"])
def test_bad_global_rate_is_one_line(value: str) -> None:
    with pytest.raises(ConfigError, match="DISCORD_GLOBAL_RATE"):
        load_settings({"DISCORD_TOKEN": TOKEN, "DISCORD_GLOBAL_RATE": value})


def test_global_rate_zero_turns_pacing_off() -> None:
    assert load_settings({"DISCORD_TOKEN": TOKEN, "DISCORD_GLOBAL_RATE": "0"}).global_rate == 0
    assert load_settings({"DISCORD_TOKEN": TOKEN}).global_rate == 50


def test_processes_running_the_same_shards_split_their_share() -> None:
    a, b = Shards.of(4, [0, 1]), Shards.of(4, [2, 3])
    assert share_fraction(a, [b]) == pytest.approx(0.5)
    # A rolling restart: a's replacement runs too; both halve, b keeps its half.
    shares = [share_fraction(a, [b, a]), share_fraction(a, [a, b]), share_fraction(b, [a, a])]
    assert shares == pytest.approx([0.25, 0.25, 0.5]) and sum(shares) == pytest.approx(1)
    # Partial overlap: shard 1 is run twice, shard 0 once.
    assert share_fraction(a, [Shards.of(4, [1])]) == pytest.approx(0.25 + 0.125)
    assert share_fraction(None, []) == 1 and share_fraction(None, [None]) == 0.5


def test_a_pacer_can_change_its_rate() -> None:
    pacer = Pacer(10)
    pacer.set_rate(40)
    assert pacer.rate == pytest.approx(40)
    with pytest.raises(ValueError):
        pacer.set_rate(0)


def test_attempt_limiter_counts_per_key_in_a_sliding_window() -> None:
    from bot.ratelimit import AttemptLimiter

    now = [0.0]
    limiter = AttemptLimiter(3, 60.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    assert limiter.retry_after("a") == 60.0
    now[0] = 59.9
    assert not limiter.allow("a")
    now[0] = 60.0
    assert limiter.allow("a")


def test_attempt_limiter_keeps_a_bounded_number_of_keys() -> None:
    from bot.ratelimit import AttemptLimiter

    limiter = AttemptLimiter(1, 60.0, max_keys=2, clock=lambda: 0.0)
    assert limiter.allow("a") and limiter.allow("b") and limiter.allow("c")
    assert limiter.allow("a")  # forgotten, so forgiven
    assert not limiter.allow("c")
