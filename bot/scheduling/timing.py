"""When a prompt should fire, as a moderator typed it in ``/prompt add`` or ``/prompt edit``.

Both commands take the same timing fields; gathering them in :class:`Timing` lets the two build a
:class:`~bot.scheduling.recurrence.Recurrence` the same way, and keeps edit's rules for a partial
change (which fields need which) testable without Discord.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime

from bot.i18n import _
from bot.scheduling.recurrence import Recurrence, ScheduleError, build_recurrence


@dataclass(frozen=True)
class Timing:
    """The fields a kind of repeat reads; each kind ignores the others, none are required here."""

    at: str | None = None
    weekdays: str | None = None
    every: int | None = None
    day: str | None = None
    nth: str | None = None
    weekday_name: str | None = None
    date_time: str | None = None
    cron: str | None = None

    def given(self) -> bool:
        return any(value is not None for value in astuple(self))

    def recurrence(self, kind: str, timezone: str, *, now: datetime) -> Recurrence:
        """Validate into a rule, or raise :class:`ScheduleError` saying what to change."""
        return build_recurrence(
            kind,
            timezone,
            now=now,
            at=self.at,
            weekdays=self.weekdays,
            every=self.every,
            day=self.day,
            nth=self.nth,
            weekday_name=self.weekday_name,
            date_time=self.date_time,
            cron=self.cron,
        )


NO_TIMING = Timing()


def changed_recurrence(
    kind: str | None,
    timezone: str | None,
    timing: Timing,
    *,
    current_zone: str,
    now: datetime,
) -> Recurrence | None:
    """An edited schedule's new rule, or None to keep its current one.

    A rule is rebuilt whole from what is typed (the fields it was made from are not kept), so a
    new time zone or new timing without ``kind`` is refused rather than guessed at; a new kind
    without a zone keeps the schedule's zone.
    """
    if kind is None:
        if timezone is not None:
            raise ScheduleError(_("To change the time zone, give `repeat` and its timing too."))
        if timing.given():
            raise ScheduleError(_("To change when it posts, choose `repeat` with the new timing."))
        return None
    return timing.recurrence(kind, timezone or current_zone, now=now)
