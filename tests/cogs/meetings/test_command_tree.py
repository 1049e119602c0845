"""The meeting commands as Discord will see them: moderator commands closed by default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Database
from cogs.client import ManifestoBot


@pytest.fixture
async def tree(tmp_path: Path) -> AsyncIterator[dict[str, dict[str, Any]]]:
    db = await Database.open(tmp_path / "bot.db")
    bot = ManifestoBot(None, db, None, None)  # type: ignore[arg-type]
    for extension in ("cogs.meetings", "cogs.me"):
        await bot.load_extension(extension)
    for cog in list(bot.cogs.values()):
        for loop in [getattr(cog, name) for name in ("heartbeat",) if hasattr(cog, name)]:
            loop.cancel()
    yield {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
    await db.close()


async def test_moderator_commands_need_manage_server(tree: dict[str, dict[str, Any]]) -> None:
    manage_guild = 1 << 5
    assert tree["meeting"]["default_member_permissions"] == manage_guild
    assert tree["attendance"]["default_member_permissions"] == manage_guild
    assert tree["here"]["default_member_permissions"] is None
    assert tree["me"]["default_member_permissions"] is None


async def test_subcommands(tree: dict[str, dict[str, Any]]) -> None:
    def names(command: str) -> set[str]:
        return {o["name"] for o in tree[command]["options"]}

    assert names("meeting") == {"start", "end"}
    assert names("attendance") == {"meeting", "member", "summary", "export", "add", "remove"}
    assert names("me") == {"export", "forget"}
