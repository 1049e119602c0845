"""Buttons already posted in Discord keep working: their custom_ids are fixed formats.

A button's custom_id is all that comes back on a click, possibly months after the message was
sent by an older version of the bot, so each format is pinned here and must parse back into the
same button.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import discord
import pytest

from cogs.me.views import ForgetButton, KeepButton, confirm_view
from cogs.prompts.views import MarkReadButton as PlanReadButton
from cogs.prompts.views import RemoveButton
from cogs.quote.views import NavigateButton, ShareButton, SimilarButton
from cogs.reading.views import MarkReadButton
from cogs.ui import SafeButton

DANGER, PRIMARY, SECONDARY, SUCCESS = (
    discord.ButtonStyle.danger,
    discord.ButtonStyle.primary,
    discord.ButtonStyle.secondary,
    discord.ButtonStyle.success,
)


class Case(NamedTuple):
    button: SafeButton
    custom_id: str
    label: str
    style: discord.ButtonStyle
    fields: dict[str, Any]


CASES = [
    Case(ForgetButton(1234), "me:forget:1234", "Delete my data", DANGER, {"user_id": 1234}),
    Case(KeepButton(1234), "me:keep:1234", "Cancel", SECONDARY, {"user_id": 1234}),
    Case(
        RemoveButton(7, 1234),
        "prompt:remove:7:1234",
        "Remove prompt #7",
        DANGER,
        {"schedule_id": 7, "user_id": 1234},
    ),
    Case(
        PlanReadButton("manifesto:ch1:p2-4"),
        "prompt:read:manifesto:ch1:p2-4",
        "Mark as read",
        SUCCESS,
        {"ref": "manifesto:ch1:p2-4"},
    ),
    Case(
        NavigateButton("next", "anti-ai:labor-unions:2"),
        "quote:next:anti-ai:labor-unions:2",
        "Next",
        SECONDARY,
        {"ref": "anti-ai:labor-unions:2"},
    ),
    Case(
        ShareButton("technocommunist:preface:1"),
        "quote:share:technocommunist:preface:1",
        "Share",
        PRIMARY,
        {"ref": "technocommunist:preface:1"},
    ),
    Case(
        SimilarButton("anti-ai:co-operatives:4"),
        "quote:similar:anti-ai:co-operatives:4",
        "More like this",
        SECONDARY,
        {"ref": "anti-ai:co-operatives:4"},
    ),
    Case(
        MarkReadButton("manifesto:ch1:p3"),
        "read:mark:manifesto:ch1:p3",
        "Mark as read",
        SUCCESS,
        {"ref": "manifesto:ch1:p3"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.custom_id)
def test_custom_id_label_and_style(case: Case) -> None:
    assert case.button.custom_id == case.custom_id
    assert case.button.item.label == case.label
    assert case.button.item.style == case.style
    assert {name: getattr(case.button, name) for name in case.fields} == case.fields


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.custom_id)
def test_a_posted_custom_id_parses_back_into_the_same_button(case: Case) -> None:
    match = type(case.button).__discord_ui_compiled_template__.fullmatch(case.custom_id)
    assert match is not None
    parsed = type(case.button).from_match(match)
    assert parsed.custom_id == case.custom_id
    assert {name: getattr(parsed, name) for name in case.fields} == case.fields


def test_each_template_claims_only_its_own_ids() -> None:
    ids = [case.custom_id for case in CASES]
    for case in CASES:
        template = type(case.button).__discord_ui_compiled_template__
        assert [i for i in ids if template.fullmatch(i)] == [case.custom_id]


def test_forget_asks_with_delete_then_cancel() -> None:
    view = confirm_view(99)
    assert [item.custom_id for item in view.children] == ["me:forget:99", "me:keep:99"]  # type: ignore[attr-defined]
