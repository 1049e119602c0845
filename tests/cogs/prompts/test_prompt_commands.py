"""The /prompt commands as Discord will see them: closed to members by default, all present."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cogs.conftest import CommandTree, TreeLoader


@pytest.fixture
async def tree(load_tree: TreeLoader) -> CommandTree:
    return await load_tree(("cogs.prompts",))


async def test_prompt_group_is_for_moderators(tree: dict[str, dict[str, Any]]) -> None:
    manage_guild = 1 << 5
    assert tree["prompt"]["default_member_permissions"] == manage_guild
    assert tree["prompt"]["contexts"] == [0]  # servers only


async def test_subcommands_and_add_options(tree: dict[str, dict[str, Any]]) -> None:
    subs = {o["name"]: o for o in tree["prompt"]["options"]}
    assert set(subs) == {
        "add",
        "preview",
        "list",
        "edit",
        "pause",
        "resume",
        "skip-next",
        "run-now",
        "remove",
    }
    add = {o["name"]: o for o in subs["add"]["options"]}
    assert len(add) <= 25
    assert [n for n, o in add.items() if o.get("required")] == ["channel", "content", "repeat"]
    assert add["timezone"]["autocomplete"] and add["start"]["autocomplete"]
    assert {c["value"] for c in add["repeat"]["choices"]} == {
        "once",
        "daily",
        "weekly",
        "monthly_day",
        "monthly_weekday",
        "cron",
    }
