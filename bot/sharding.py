"""Which Discord shards, and so which servers, one bot process owns.

Discord routes a server's events and interactions to shard ``(guild_id >> 22) % shard_count``.
When several processes share one database, each must also confine its background work (the
prompt scheduler, reminders) to the servers on its own shards; otherwise two processes would do
the same work and a process would post for servers it cannot see. The filter is written in SQL
(:meth:`Shards.sql`) so a process never reads other processes' rows at all; both SQLite and
PostgreSQL evaluate ``>>`` and ``%`` on 64-bit integers the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import ConfigError

SNOWFLAKE_SHIFT = 22
"""A snowflake's creation time is in the bits above 22; Discord shards on that timestamp."""


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends ``guild_id``'s events to."""
    return (guild_id >> SNOWFLAKE_SHIFT) % shard_count


@dataclass(frozen=True, slots=True)
class Shards:
    """A process's shards: ``ids`` out of ``count``. Build with :meth:`of` to have them checked."""

    count: int
    ids: tuple[int, ...]

    @classmethod
    def of(cls, count: int, ids: Iterable[int] | None = None) -> Shards:
        """Check and normalise (sorted, unique); ``ids`` None means every shard of ``count``."""
        if count < 1:
            raise ConfigError("SHARD_COUNT must be at least 1.")
        chosen = tuple(range(count)) if ids is None else tuple(ids)
        if not chosen:
            raise ConfigError("SHARD_IDS is empty: list this process's shards, such as 0,1.")
        if len(set(chosen)) != len(chosen):
            raise ConfigError(f"SHARD_IDS lists a shard twice: {_join(chosen)}.")
        outside = [i for i in chosen if not 0 <= i < count]
        if outside:
            raise ConfigError(
                f"SHARD_IDS {_join(outside)} out of range: with SHARD_COUNT={count} shard ids "
                f"run from 0 to {count - 1}."
            )
        return cls(count, tuple(sorted(chosen)))

    @property
    def every(self) -> bool:
        """True when this process owns all shards (no other process serves any server)."""
        return len(self.ids) == self.count

    def covers(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.count) in self.ids

    def sql(self, column: str = "guild_id") -> tuple[str, list[int]]:
        """A WHERE condition keeping rows of ``column`` on these shards, and its parameters.

        Owning every shard needs no condition (``1 = 1``), so the single-process set-up keeps
        its index-only plans.
        """
        if self.every:
            return "1 = 1", []
        marks = ", ".join("?" for _ in self.ids)
        return f"(({column} >> {SNOWFLAKE_SHIFT}) % ?) IN ({marks})", [self.count, *self.ids]

    def label(self) -> str:
        """``"0,1/4"``: how logs, the heartbeat table and ``status`` name a shard set."""
        return f"{_join(self.ids)}/{self.count}"

    @classmethod
    def parse_label(cls, label: str) -> Shards:
        ids, _, count = label.partition("/")
        return cls.of(int(count), [int(i) for i in ids.split(",")])


def _join(ids: Iterable[int]) -> str:
    return ",".join(str(i) for i in ids)


__all__ = ["SNOWFLAKE_SHIFT", "Shards", "shard_of"]
