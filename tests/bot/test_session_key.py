"""The web session key: configured, or generated once and kept in the database."""

from __future__ import annotations

from cryptography.fernet import Fernet

from bot.config import Secret
from bot.session_key import derive_key, session_key
from bot.storage import Database


async def test_missing_key_is_generated_once_and_kept(db: Database) -> None:
    first = await session_key(db, None)
    Fernet(first)  # a valid Fernet key
    assert await session_key(db, None) == first


async def test_key_survives_a_restart(database_url: str) -> None:
    db = await Database.open(database_url)
    try:
        first = await session_key(db, None)
    finally:
        await db.close()
    db = await Database.open(database_url)
    try:
        assert await session_key(db, None) == first
    finally:
        await db.close()


async def test_configured_key_wins_and_is_stable(db: Database) -> None:
    configured = Secret("an operator's pass phrase, long enough")
    key = await session_key(db, configured)
    assert key == derive_key(configured) != await session_key(db, None)
    Fernet(key)
    assert derive_key(Secret("another pass phrase, long enough too")) != key
