"""The meeting commands as Discord will see them: moderator commands closed by default."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cogs.conftest import CommandTree, TreeLoader


@pytest.fixture
async def tree(load_tree: TreeLoader) -> CommandTree:
    return await load_tree(("cogs.meetings", "cogs.me"))


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
