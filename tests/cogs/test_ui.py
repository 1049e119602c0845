"""AnswerButton: a confirm or cancel button answers only the member who was asked."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Self

import discord

from cogs.ui import AnswerButton, button_view


class Response:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    async def send_message(self, content: str, *, ephemeral: bool = False) -> None:
        self.sent.append((content, ephemeral))


def click(user_id: int) -> Any:
    return SimpleNamespace(user=SimpleNamespace(id=user_id), response=Response())


class Confirm(AnswerButton, template=r"test:confirm:(?P<user>\d+)"):
    refusal = "Not yours."

    def __init__(self, user_id: int, *, open_to_asker: bool = True) -> None:
        super().__init__(user_id, f"test:confirm:{user_id}", "Yes", discord.ButtonStyle.danger)
        self.open_to_asker = open_to_asker
        self.pressed_by: list[int] = []

    @classmethod
    def from_match(cls, match: re.Match[str]) -> Self:
        return cls(int(match["user"]))

    async def may_press(self, interaction: discord.Interaction) -> bool:
        return self.open_to_asker and await super().may_press(interaction)

    async def pressed(self, interaction: discord.Interaction) -> None:
        self.pressed_by.append(interaction.user.id)


async def test_the_asker_presses_it() -> None:
    button = Confirm(7)
    interaction = click(7)
    await button.callback(interaction)
    assert button.pressed_by == [7]
    assert interaction.response.sent == []


async def test_anyone_else_is_refused_privately_and_nothing_happens() -> None:
    button = Confirm(7)
    interaction = click(8)
    await button.callback(interaction)
    assert button.pressed_by == []
    assert interaction.response.sent == [("Not yours.", True)]


async def test_a_subclass_can_refuse_the_asker_too() -> None:
    button = Confirm(7, open_to_asker=False)
    interaction = click(7)
    await button.callback(interaction)
    assert button.pressed_by == []
    assert interaction.response.sent == [("Not yours.", True)]


def test_the_button_carries_its_checked_custom_id_and_look() -> None:
    button = Confirm(7)
    assert button.custom_id == "test:confirm:7"
    assert (button.item.label, button.item.style) == ("Yes", discord.ButtonStyle.danger)
    assert button.user_id == 7


SEEDS = Path(__file__).resolve().parents[2] / "seeds"


async def test_a_button_view_is_sent_whole_and_then_dropped() -> None:
    """discord.py keeps an unfinished view it sends for 15 minutes; a stopped one it drops."""
    view = button_view(Confirm(1), Confirm(2))
    assert view.is_finished()
    sent = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert sent == ["test:confirm:1", "test:confirm:2"]


async def test_quote_and_search_pages_are_not_kept() -> None:
    from bot.library import load_library
    from bot.search import SearchEngine
    from cogs.quote.views import passage_message
    from cogs.search.views import SearchState, results_message

    library = load_library(SEEDS)
    passage = library.paragraphs()[1]
    _, quote_view = passage_message(library, passage)
    hits = tuple(SearchEngine.build(library).search("workers", limit=10))
    _, search_view = results_message(library, SearchState("workers", hits), "0123abcd", 0)
    for view in (quote_view, search_view):
        assert view.is_finished()
        assert view.children
