"""Fixtures shared by every test: a fresh, fully migrated database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.storage import Database

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A file database (WAL needs a file) with every migration applied."""
    database = await Database.open(tmp_path / "test.db")
    try:
        yield database
    finally:
        await database.close()
