from __future__ import annotations

from bot.commands_sync import needs_sync, record_sync, tree_fingerprint
from bot.storage import Database

A = {"name": "quote", "description": "Show a passage", "options": []}
B = {"name": "search", "description": "Search", "options": [{"name": "query", "type": 3}]}


def test_fingerprint_ignores_order_but_not_content() -> None:
    assert tree_fingerprint([A, B]) == tree_fingerprint([B, A])
    assert tree_fingerprint([A, B]) != tree_fingerprint([A, {**B, "description": "Find"}])


async def test_sync_needed_once_per_change_and_scope(db: Database) -> None:
    fp = tree_fingerprint([A, B])
    assert await needs_sync(db, None, fp)
    await record_sync(db, None, fp)
    assert not await needs_sync(db, None, fp)
    assert await needs_sync(db, 42, fp)
    assert await needs_sync(db, None, tree_fingerprint([A]))
