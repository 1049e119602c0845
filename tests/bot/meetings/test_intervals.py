"""Voice-interval rules: joins, leaves, moves, overlaps, deafening, AFK, restart gap, threshold."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.meetings.intervals import (
    Interval,
    Step,
    VoiceEvent,
    VoiceState,
    clip,
    counted_time,
    counts,
    is_present,
    merge,
    reconcile,
    replay,
    step,
)

ROOM, OTHER, AFK = 100, 200, 300
T0 = datetime(2024, 9, 1, 18, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def ev(member: int, minutes: float, channel: int | None, deafened: bool = False) -> VoiceEvent:
    return VoiceEvent(member, at(minutes), VoiceState(channel, deafened))


def total(intervals: list[Interval]) -> float:
    return counted_time(intervals, at(0), at(600)).total_seconds() / 60


class TestCounts:
    def test_in_the_room_counts(self) -> None:
        assert counts(VoiceState(ROOM), ROOM, AFK)

    def test_other_channel_deafened_afk_or_nothing_do_not(self) -> None:
        assert not counts(VoiceState(OTHER), ROOM, AFK)
        assert not counts(VoiceState(ROOM, deafened=True), ROOM, AFK)
        assert not counts(VoiceState(None), ROOM, AFK)
        assert not counts(None, ROOM, AFK)
        assert not counts(VoiceState(ROOM), None, AFK)

    def test_afk_channel_never_counts_even_as_the_room(self) -> None:
        assert not counts(VoiceState(AFK), AFK, AFK)


class TestStep:
    @pytest.mark.parametrize(
        ("has_open", "counting", "expected"),
        [
            (False, True, Step.OPEN),
            (True, False, Step.CLOSE),
            (True, True, Step.NOTHING),
            (False, False, Step.NOTHING),
        ],
    )
    def test_transitions(self, has_open: bool, counting: bool, expected: Step) -> None:
        assert step(has_open, counting) is expected


class TestReplay:
    def test_join_then_leave(self) -> None:
        got = replay([ev(1, 5, ROOM), ev(1, 17, None)], ROOM, AFK, until=at(60))
        assert got == {1: [Interval(at(5), at(17))]}

    def test_move_out_and_back(self) -> None:
        events = [ev(1, 0, ROOM), ev(1, 10, OTHER), ev(1, 20, ROOM), ev(1, 25, None)]
        assert total(replay(events, ROOM, AFK, until=at(60))[1]) == 15

    def test_moved_to_afk_stops_counting(self) -> None:
        events = [ev(1, 0, ROOM), ev(1, 8, AFK), ev(1, 30, None)]
        assert total(replay(events, ROOM, AFK, until=at(60))[1]) == 8

    def test_deafened_time_does_not_count(self) -> None:
        events = [ev(1, 0, ROOM), ev(1, 4, ROOM, deafened=True), ev(1, 14, ROOM), ev(1, 20, None)]
        assert total(replay(events, ROOM, AFK, until=at(60))[1]) == 10

    def test_still_there_is_closed_at_until(self) -> None:
        assert replay([ev(1, 50, ROOM)], ROOM, AFK, until=at(60)) == {1: [Interval(at(50), at(60))]}

    def test_duplicate_join_events_change_nothing(self) -> None:
        events = [ev(1, 0, ROOM), ev(1, 3, ROOM), ev(1, 10, None), ev(1, 12, None)]
        assert replay(events, ROOM, AFK, until=at(60)) == {1: [Interval(at(0), at(10))]}

    def test_members_are_independent(self) -> None:
        events = [ev(1, 0, ROOM), ev(2, 5, ROOM), ev(1, 10, None), ev(2, 30, None)]
        got = replay(events, ROOM, AFK, until=at(60))
        assert (total(got[1]), total(got[2])) == (10, 25)

    def test_initial_open_interval(self) -> None:
        got = replay([ev(1, 12, None)], ROOM, AFK, until=at(60), initial={1: at(0)})
        assert got == {1: [Interval(at(0), at(12))]}


class TestArithmetic:
    def test_overlaps_count_once(self) -> None:
        intervals = [Interval(at(0), at(10)), Interval(at(5), at(15)), Interval(at(15), at(20))]
        assert merge(intervals) == [Interval(at(0), at(20))]
        assert total(intervals) == 20

    def test_contained_interval(self) -> None:
        assert merge([Interval(at(0), at(30)), Interval(at(5), at(6))]) == [Interval(at(0), at(30))]

    def test_time_outside_the_meeting_is_clipped(self) -> None:
        intervals = [Interval(at(-20), at(5)), Interval(at(55), at(80)), Interval(at(90), at(95))]
        assert clip(intervals, at(0), at(60)) == [
            Interval(at(0), at(5)),
            Interval(at(55), at(60)),
        ]
        assert counted_time(intervals, at(0), at(60)) == timedelta(minutes=10)

    def test_threshold_edge(self) -> None:
        threshold = timedelta(minutes=10)
        exactly = [Interval(at(0), at(10))]
        one_second_short = [Interval(at(0), at(10) - timedelta(seconds=1))]
        assert is_present(exactly, at(0), at(60), threshold)
        assert not is_present(one_second_short, at(0), at(60), threshold)

    def test_short_visits_add_up_to_the_threshold(self) -> None:
        visits = [Interval(at(m), at(m + 2)) for m in range(0, 50, 10)]
        assert is_present(visits, at(0), at(60), timedelta(minutes=10))
        assert not is_present(visits[:4], at(0), at(60), timedelta(minutes=10))

    def test_interval_cannot_end_before_it_starts(self) -> None:
        with pytest.raises(ValueError):
            Interval(at(5), at(4))

    @given(
        st.lists(
            st.tuples(st.integers(-100, 200), st.integers(0, 100)).map(
                lambda p: Interval(at(p[0]), at(p[0] + p[1]))
            ),
            max_size=20,
        )
    )
    def test_merged_is_disjoint_sorted_and_bounded(self, intervals: list[Interval]) -> None:
        merged = merge(intervals)
        for a, b in itertools.pairwise(merged):
            assert a.end < b.start
        got = counted_time(intervals, at(0), at(60))
        assert timedelta() <= got <= timedelta(minutes=60)
        assert got <= sum((i.duration for i in intervals), timedelta())
        # Counting each minute of the meeting by membership agrees with the interval sum.
        minutes = sum(1 for m in range(60) if any(i.start <= at(m) < i.end for i in intervals))
        assert got == timedelta(minutes=minutes)


class TestRestartGap:
    def test_stayed_through_the_gap_keeps_the_interval(self) -> None:
        result = reconcile({1: at(0)}, {1}, last_seen=at(20), now=at(30))
        assert result.keep == {1} and not result.close and not result.open

    def test_left_during_the_gap_closes_at_last_seen(self) -> None:
        result = reconcile({1: at(0)}, set(), last_seen=at(20), now=at(30))
        assert result.close == {1: at(20)}

    def test_joined_during_the_gap_opens_now(self) -> None:
        result = reconcile({}, {2}, last_seen=at(20), now=at(30))
        assert result.open == {2} and not result.close

    def test_no_heartbeat_credits_nothing_unknown(self) -> None:
        result = reconcile({1: at(5)}, set(), last_seen=None, now=at(30))
        assert result.close == {1: at(5)}

    def test_heartbeat_before_the_interval_opened_never_closes_before_it(self) -> None:
        result = reconcile({1: at(25)}, set(), last_seen=at(20), now=at(30))
        assert result.close == {1: at(25)}

    def test_full_restart_scenario(self) -> None:
        # 1 stays throughout; 2 leaves while the bot is down; 3 joins while it is down.
        before = replay([ev(1, 0, ROOM), ev(2, 0, ROOM)], ROOM, AFK, until=at(20))
        open_at_crash = {m: iv[-1].start for m, iv in before.items()}
        fix = reconcile(open_at_crash, {1, 3}, last_seen=at(20), now=at(35))
        intervals: dict[int, list[Interval]] = {}
        for member, since in open_at_crash.items():
            if member in fix.keep:
                intervals[member] = [Interval(since, at(60))]
            else:
                intervals[member] = [Interval(since, fix.close[member])]
        for member in fix.open:
            intervals[member] = [Interval(at(35), at(60))]
        assert {m: total(iv) for m, iv in intervals.items()} == {1: 60, 2: 20, 3: 25}
