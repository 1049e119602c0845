from __future__ import annotations

from bot.sessions import SessionStore


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_session_round_trip_and_expiry() -> None:
    clock = FakeClock()
    store: SessionStore[str] = SessionStore(ttl=60, clock=clock)
    sid = store.put(7, "query")
    session = store.get(sid)
    assert session is not None and session.owner_id == 7 and session.value == "query"
    clock.now += 61
    assert store.get(sid) is None


def test_capacity_evicts_oldest() -> None:
    store: SessionStore[int] = SessionStore(ttl=60, capacity=3, clock=FakeClock())
    ids = [store.put(1, n) for n in range(5)]
    assert len(store) == 3
    assert store.get(ids[0]) is None and store.get(ids[1]) is None
    assert store.get(ids[4]) is not None


def test_ids_fit_a_custom_id() -> None:
    store: SessionStore[int] = SessionStore(ttl=60)
    assert len(store.put(1, 1)) == 8
