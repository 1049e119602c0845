"""The compact WordNet table answers as wordnet-lookup does, and is what it builds today."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wordnet_lookup import is_wordnet_term as reference

from bot.search import english


def test_the_committed_table_is_what_wordnet_lookup_builds() -> None:
    assert english.TABLE.read_bytes() == english.build_table()


@pytest.mark.parametrize(
    ("word", "known"),
    [
        ("kids", True),  # a plural of a WordNet lemma
        ("Running", True),
        ("café", True),
        ("  house ", True),
        ("communism", True),
        ("xyzzy", False),
        ("recieve", False),
        ("", False),
    ],
)
def test_known_answers(word: str, known: bool) -> None:
    assert english.is_wordnet_term(word) is known
    assert reference(word) is known


@given(st.sampled_from(["work", "wage", "class", "labour", "kid", "state", "xq"]), st.text())
def test_agrees_with_wordnet_lookup(stem: str, tail: str) -> None:
    for word in (stem, stem + "s", stem + tail, tail):
        assert english.is_wordnet_term(word) == reference(word)
