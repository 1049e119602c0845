"""Autocomplete: at most ``limit`` choices within Discord's limits, best matches first."""

from __future__ import annotations

import pytest

from bot.library import Library

TYPED = ["", "a", "tc", "tc III", "anti-ai immediate", "labor", "day by day", "note 12", "zzzz"]


@pytest.mark.parametrize("typed", TYPED)
def test_choices_fit_discord(library: Library, typed: str) -> None:
    choices = library.complete(typed)
    assert len(choices) <= 25
    for label, value in choices:
        assert 1 <= len(label) <= 100
        assert 1 <= len(value) <= 100
        library.get(value)  # every value is a canonical reference
    assert len({value for _, value in choices}) == len(choices)


def test_limit_is_respected(library: Library) -> None:
    assert len(library.complete("", limit=3)) == 3
    assert len(library.complete("labor", limit=2)) == 2
    assert library.complete("labor", limit=0) == []


def test_empty_input_lists_sections_in_reading_order(library: Library) -> None:
    values = [value for _, value in library.complete("", limit=100)]
    sections = [s.ref for d in library.documents.values() for s in d.walk()]
    expected = [ref for ref in sections if ref in values]
    assert values == expected
    assert values[:2] == ["anti-ai:opening", "anti-ai:introduction"]
    assert "anti-ai:references" not in values  # a heading with nothing under it to quote
    assert next(v for _, v in library.complete("", document="tc")) == "technocommunist:opening"


def test_a_named_section_comes_first_then_its_paragraphs(library: Library) -> None:
    values = [value for _, value in library.complete("tc III")]
    assert values[:2] == [
        "technocommunist:goals-of-the-movement",
        "technocommunist:goals-of-the-movement:1",
    ]
    values = [value for _, value in library.complete("anti-ai immediate")]
    assert values[:3] == [
        "anti-ai:immediate-demands",
        "anti-ai:immediate-demands:1",
        "anti-ai:immediate-demands:2",
    ]


def test_words_match_titles_and_openings(library: Library) -> None:
    labels = library.complete("labor")
    assert labels[0][1] == "anti-ai:labor-unions"
    assert "Labor Unions" in labels[0][0]
    assert library.complete("day by day however")[0][1] == "anti-ai:opening:3"
    assert library.complete("note 12")[0][1] == "anti-ai:note:12"


def test_ambiguous_input_offers_every_rival(library: Library) -> None:
    values = [value for _, value in library.complete("anti-ai demands")]
    assert values[:4] == [
        "anti-ai:programmatic-demands-against-ai",
        "anti-ai:immediate-demands",
        "anti-ai:minimal-demands",
        "anti-ai:maximal-demands",
    ]


def test_document_option_limits_choices(library: Library) -> None:
    assert all(v.startswith("technocommunist:") for _, v in library.complete("the", "tc"))
    assert library.complete("the", document="no-such-text") == []
