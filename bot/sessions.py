"""A small time-limited store for state that buttons refer to by a short id.

A Discord button's custom_id holds at most 100 characters, so a search of up to 1,000 characters
cannot ride in it; the button carries a session id instead. Sessions expire so memory stays bounded
and a stale button can say that it expired instead of failing silently.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Session(Generic[T]):
    owner_id: int
    value: T
    expires_at: float


class SessionStore(Generic[T]):
    """Least-recently-created eviction past ``capacity``; expiry after ``ttl`` seconds."""

    def __init__(
        self,
        ttl: float,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._items: OrderedDict[str, Session[T]] = OrderedDict()

    def put(self, owner_id: int, value: T) -> str:
        """Store ``value`` for ``owner_id``; return its id (8 hex characters)."""
        self._evict()
        session_id = secrets.token_hex(4)
        while session_id in self._items:
            session_id = secrets.token_hex(4)
        self._items[session_id] = Session(owner_id, value, self._clock() + self._ttl)
        return session_id

    def get(self, session_id: str) -> Session[T] | None:
        """The session, or ``None`` once it expired or was evicted."""
        session = self._items.get(session_id)
        if session is None:
            return None
        if session.expires_at <= self._clock():
            del self._items[session_id]
            return None
        return session

    def __len__(self) -> int:
        return len(self._items)

    def _evict(self) -> None:
        now = self._clock()
        while self._items:
            oldest_id, oldest = next(iter(self._items.items()))
            if oldest.expires_at > now and len(self._items) < self._capacity:
                break
            del self._items[oldest_id]
