"""Voice-presence arithmetic as pure functions over datetimes.

Attendance by voice is "at least N minutes in the meeting's voice channel while the meeting
ran". The bot stores one open interval per member while they count and closes it when they stop
counting, so the rules below are all it needs: whether a voice state counts, how a state change
opens or closes an interval, how intervals add up (overlaps merged, clipped to the meeting), and
how a restart is reconciled. Nothing here touches the clock, the database or Discord, so every
edge is unit-tested.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum


@dataclass(frozen=True, slots=True)
class VoiceState:
    """What the bot sees of a member in voice: the channel (or none) and whether they are deafened.

    ``deafened`` is either kind: deafened by themselves or by a moderator. A deafened member cannot
    hear the discussion, so that time does not count.
    """

    channel_id: int | None
    deafened: bool = False


def counts(
    state: VoiceState | None, meeting_channel_id: int | None, afk_channel_id: int | None
) -> bool:
    """Whether time in this state counts towards the meeting.

    The AFK channel never counts, even if a server made it the meeting room: Discord moves idle
    people there, so time in it is by definition not attention.
    """
    if state is None or meeting_channel_id is None or state.channel_id is None:
        return False
    if state.channel_id == afk_channel_id:
        return False
    return state.channel_id == meeting_channel_id and not state.deafened


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span ``[start, end)`` of counted presence."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"interval ends before it starts: {self.start} > {self.end}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


class Step(Enum):
    """What a voice state change does to a member's stored interval."""

    OPEN = "open"
    CLOSE = "close"
    NOTHING = "nothing"


def step(has_open_interval: bool, counts_now: bool) -> Step:
    """The one transition rule: open when starting to count, close when stopping, else nothing.

    A move between two non-counting channels, an unmute, or a second "join" event for someone
    already counted all change nothing, which is what keeps duplicated gateway events harmless.
    """
    if counts_now and not has_open_interval:
        return Step.OPEN
    if not counts_now and has_open_interval:
        return Step.CLOSE
    return Step.NOTHING


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals; touching ones are joined so no time is counted twice."""
    ordered = sorted(intervals, key=lambda i: (i.start, i.end))
    merged: list[Interval] = []
    for interval in ordered:
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The parts of the intervals inside ``[start, end)``; parts outside the meeting never count."""
    clipped: list[Interval] = []
    for interval in intervals:
        lo, hi = max(interval.start, start), min(interval.end, end)
        if lo < hi:
            clipped.append(Interval(lo, hi))
    return clipped


def counted_time(intervals: Iterable[Interval], start: datetime, end: datetime) -> timedelta:
    """Total counted presence within the meeting, overlaps counted once."""
    return sum((i.duration for i in merge(clip(intervals, start, end))), timedelta())


def is_present(
    intervals: Iterable[Interval], start: datetime, end: datetime, threshold: timedelta
) -> bool:
    """Present when counted time reaches the threshold; exactly the threshold is enough."""
    return counted_time(intervals, start, end) >= threshold


@dataclass(frozen=True, slots=True)
class VoiceEvent:
    """A member's voice state from ``at`` on (``None`` channel means they left voice)."""

    member_id: int
    at: datetime
    state: VoiceState


def replay(
    events: Sequence[VoiceEvent],
    meeting_channel_id: int,
    afk_channel_id: int | None,
    until: datetime,
    initial: Mapping[int, datetime] | None = None,
) -> dict[int, list[Interval]]:
    """Intervals per member from a stream of voice events, closing what is open at ``until``.

    This is the rule the bot applies one event at a time (:func:`step`), run over a whole stream:
    tests use it to check joins, leaves, moves and deafening end to end. ``initial`` gives intervals
    already open when the stream starts (members in the channel when the meeting began).
    """
    open_since: dict[int, datetime] = dict(initial or {})
    result: dict[int, list[Interval]] = {}
    for event in sorted(events, key=lambda e: e.at):
        now_counts = counts(event.state, meeting_channel_id, afk_channel_id)
        action = step(event.member_id in open_since, now_counts)
        if action is Step.OPEN:
            open_since[event.member_id] = event.at
        elif action is Step.CLOSE:
            since = open_since.pop(event.member_id)
            result.setdefault(event.member_id, []).append(Interval(since, event.at))
    for member_id, since in open_since.items():
        if since < until:
            result.setdefault(member_id, []).append(Interval(since, until))
    return result


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What to do with stored intervals after the bot was away from ``last_seen`` to ``now``."""

    close: dict[int, datetime] = field(default_factory=dict)
    open: frozenset[int] = frozenset()
    keep: frozenset[int] = frozenset()


def reconcile(
    open_intervals: Mapping[int, datetime],
    counting_now: Set[int],
    last_seen: datetime | None,
    now: datetime,
) -> Reconciliation:
    """Repair intervals after a restart from the voice states the gateway reports now.

    The bot saw nothing between ``last_seen`` (its last heartbeat) and ``now``, so:
    - a member counted before and counted now most likely stayed: the interval is kept open and the
      gap counts;
    - a member counted before but gone now left at some unknown time in the gap: the interval is
      closed at ``last_seen``, the last moment they were known to be there (never before it opened);
      with no heartbeat at all, at the moment it opened, so unknown time is never credited;
    - a member counting now with no open interval joined during the gap: an interval opens ``now``.
    """
    close: dict[int, datetime] = {}
    keep: set[int] = set()
    for member_id, since in open_intervals.items():
        if member_id in counting_now:
            keep.add(member_id)
        else:
            end = since if last_seen is None else max(since, min(last_seen, now))
            close[member_id] = end
    opened = frozenset(m for m in counting_now if m not in open_intervals)
    return Reconciliation(close=close, open=opened, keep=frozenset(keep))
