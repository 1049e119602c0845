"""The /prompt commands as Discord will see them: closed to members by default, all present."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from bot.scheduling.timing import Timing
from cogs.prompts.cog import SCHEDULE_DESCRIBE, timing_options
from tests.cogs.conftest import CommandTree, TreeLoader

TIMING = ["time", "days", "every", "day", "nth", "weekday", "date", "cron"]


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


@pytest.mark.parametrize("command", ["add", "edit"])
async def test_add_and_edit_offer_the_timing_options_after_repeat(
    tree: dict[str, dict[str, Any]], command: str
) -> None:
    subs = {o["name"]: o for o in tree["prompt"]["options"]}
    options = subs[command]["options"]
    names = [o["name"] for o in options]
    after = names.index("repeat") + 1
    assert names[after : after + len(TIMING) + 1] == [*TIMING, "timezone"]
    by_name = {o["name"]: o for o in options}
    string, integer = 3, 4
    for name in TIMING:
        option = by_name[name]
        assert option["description"] == SCHEDULE_DESCRIBE[name]
        assert not option.get("required")
        assert option["type"] == (integer if name == "every" else string)
    assert (by_name["every"]["min_value"], by_name["every"]["max_value"]) == (1, 366)


async def test_the_timing_options_reach_the_body_as_one_timing() -> None:
    seen: list[tuple[str, Timing, str | None]] = []

    async def body(interaction: Any, repeat: str, timing: Timing, zone: str | None = None) -> None:
        seen.append((repeat, timing, zone))

    command: Any = timing_options(body)  # called as discord.py calls it, option by option
    assert list(inspect.signature(command).parameters) == ["interaction", "repeat", *TIMING, "zone"]
    given = dict.fromkeys(TIMING) | {"time": "18:00", "days": "mon", "every": 2}
    await command(None, repeat="weekly", zone="UTC", **given)
    assert seen == [("weekly", Timing(at="18:00", weekdays="mon", every=2), "UTC")]
