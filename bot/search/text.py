"""Turning text into index terms, the same way for the texts and for what people type.

A query can only meet a passage if both went through the same steps, so there is one analyser for
both sides: Markdown and footnote markers are dropped, letters are folded (case, accents, curly
apostrophes), British spellings become American ones (the two texts disagree: *labour* and *labor*),
hyphenated compounds are indexed whole and in parts (*co-operatives* meets *cooperatives* and
*operatives*), and every word is reduced to its Snowball stem (*nationalise*, *nationalisation*).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import snowballstemmer
from breame.spelling import get_american_spelling

from bot.search.english import is_wordnet_term

_FOOTNOTE_MARK: Final = re.compile(r"\[\^[^\]\s]*\]")
# A word: letters or digits, with inner apostrophes and hyphens kept so that compounds and
# possessives can be handled as a whole before they are split.
_WORD: Final = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")
_APOSTROPHES: Final = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "‐": "-", "‑": "-"})

_STEMMER: Final = snowballstemmer.stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
    """One index term: ``fold`` is the folded word (what fuzzy matching compares), ``stem`` what
    the full-text index stores, ``start``/``end`` where the word stands in the analysed text."""

    fold: str
    stem: str
    start: int
    end: int


def strip_markup(text: str) -> str:
    """Drop footnote markers so that ``labor.[^3]`` does not index a word ``3``."""
    return _FOOTNOTE_MARK.sub(" ", text)


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """Case- and accent-insensitive form of one word (``Génocidaires`` → ``genocidaires``).

    Cached: snippets fold every word of each shown passage, and the texts reuse few words.
    """
    decomposed = unicodedata.normalize("NFKD", word.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=65536)
def stem(folded: str) -> str:
    """The index form of a folded word: American spelling, then its Snowball stem."""
    american = get_american_spelling(folded)
    stemmed: str = _STEMMER.stemWord(american)
    return stemmed


def _pieces(word: str) -> Iterator[str]:
    """A folded word as index terms: possessive dropped, compounds whole and in parts."""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if "-" not in word:
        if word:
            yield word
        return
    parts = [part for part in word.split("-") if part]
    yield "".join(parts)
    yield from parts


def tokens(text: str) -> Iterator[Token]:
    """Every index term of ``text`` in reading order, with where its word stands."""
    # The translation maps one character to one, so match positions stand in ``text`` too.
    for match in _WORD.finditer(text.translate(_APOSTROPHES)):
        folded = fold(match.group())
        for piece in _pieces(folded):
            yield Token(piece, stem(piece), match.start(), match.end())


def words(text: str) -> list[str]:
    """The folded words of ``text`` (no stems), as a person would count them."""
    return [fold(match.group()) for match in _WORD.finditer(text.translate(_APOSTROPHES))]


@lru_cache(maxsize=8192)
def is_english_word(folded: str) -> bool:
    """Whether a word the texts lack is still an English word (WordNet's 88,000 lemmas with
    their inflections, in British or American spelling). Such a word is not a misspelling, so
    search leaves it alone rather than "correcting" *kids* into *kind*."""
    return bool(is_wordnet_term(folded) or is_wordnet_term(get_american_spelling(folded)))
