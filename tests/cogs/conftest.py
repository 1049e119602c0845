"""The command tree as Discord will see it, built by loading cogs into a bot that never connects."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.storage import Database
from cogs.client import ManifestoBot

CommandTree = dict[str, dict[str, Any]]
TreeLoader = Callable[[Sequence[str]], Awaitable[CommandTree]]


@pytest.fixture
async def load_tree(
    tmp_path: Path,
) -> AsyncIterator[Callable[[Sequence[str]], Awaitable[CommandTree]]]:
    """Load the given extensions and return each top-level command's JSON, by name."""
    db = await Database.open(tmp_path / "bot.db")
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "bot.db")}, require_token=False)
    bot = ManifestoBot(settings, db, None, None)  # type: ignore[arg-type]

    async def load(extensions: Sequence[str]) -> CommandTree:
        for extension in extensions:
            await bot.load_extension(extension)
        return {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}

    try:
        yield load
    finally:
        for extension in list(bot.extensions):
            await bot.unload_extension(extension)
        await db.close()
