"""Buttons already posted in Discord keep working: their custom_ids are fixed formats.

A button's custom_id is all that comes back on a click, possibly months after the message was
sent by an older version of the bot, so each format is pinned here and must parse back into the
same button.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest

from cogs.me.views import ForgetButton, KeepButton, confirm_view
from cogs.prompts.views import MarkReadButton as PlanReadButton
from cogs.prompts.views import RemoveButton
from cogs.reading.views import MarkReadButton
from cogs.ui import SafeButton

CASES: list[tuple[SafeButton, str, str, discord.ButtonStyle, dict[str, Any]]] = [
    (
        ForgetButton(1234),
        "me:forget:1234",
        "Delete my data",
        discord.ButtonStyle.danger,
        {"user_id": 1234},
    ),
    (KeepButton(1234), "me:keep:1234", "Cancel", discord.ButtonStyle.secondary, {"user_id": 1234}),
    (
        RemoveButton(7, 1234),
        "prompt:remove:7:1234",
        "Remove prompt #7",
        discord.ButtonStyle.danger,
        {"schedule_id": 7, "user_id": 1234},
    ),
    (
        PlanReadButton("manifesto:ch1:p2-4"),
        "prompt:read:manifesto:ch1:p2-4",
        "Mark as read",
        discord.ButtonStyle.success,
        {"ref": "manifesto:ch1:p2-4"},
    ),
    (
        MarkReadButton("manifesto:ch1:p3"),
        "read:mark:manifesto:ch1:p3",
        "Mark as read",
        discord.ButtonStyle.success,
        {"ref": "manifesto:ch1:p3"},
    ),
]


@pytest.mark.parametrize(("button", "custom_id", "label", "style", "fields"), CASES)
def test_custom_id_label_and_style(
    button: SafeButton,
    custom_id: str,
    label: str,
    style: discord.ButtonStyle,
    fields: dict[str, Any],
) -> None:
    assert button.custom_id == custom_id
    assert button.item.label == label
    assert button.item.style == style
    assert {name: getattr(button, name) for name in fields} == fields


@pytest.mark.parametrize(("button", "custom_id", "label", "style", "fields"), CASES)
def test_a_posted_custom_id_parses_back_into_the_same_button(
    button: SafeButton,
    custom_id: str,
    label: str,
    style: discord.ButtonStyle,
    fields: dict[str, Any],
) -> None:
    match = type(button).__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match is not None
    parsed = type(button).from_match(match)
    assert parsed.custom_id == custom_id
    assert {name: getattr(parsed, name) for name in fields} == fields


def test_each_template_claims_only_its_own_ids() -> None:
    ids = [case[1] for case in CASES]
    for button, own, *_ in CASES:
        template = type(button).__discord_ui_compiled_template__
        assert [i for i in ids if template.fullmatch(i)] == [own]


def test_forget_asks_with_delete_then_cancel() -> None:
    view = confirm_view(99)
    assert [item.custom_id for item in view.children] == ["me:forget:99", "me:keep:99"]  # type: ignore[attr-defined]
