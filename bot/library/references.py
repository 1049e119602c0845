"""Reading what people type as a reference: ``tc III 2``, ``Anti-AI: immediate 3``, ``[^12]``.

The text is cut into lower-case words (any separator: colon, space, dot, slash, hyphen) after note
markers such as ``[^12]`` or ``[12]`` are rewritten to ``note 12``. Which words name the document,
which the section and which the paragraph is decided by :class:`~bot.library.library.Library`,
which knows the texts; this module only holds the text-level rules, so they can be tested alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from bot.library.parser import slugify

NOTE_WORDS: Final = frozenset(
    {"note", "notes", "n", "fn", "footnote", "footnotes", "ref", "refs", "reference", "references"}
)
"""Words that announce a note number instead of a section."""

NOISE_WORDS: Final = frozenset({"p", "para", "paragraph", "par", "section", "sec", "chapter", "ch"})
"""Words people put before numbers that add nothing (``tc section 3 para 2``)."""

MAX_QUERY: Final = 200
"""Longer input cannot be a reference; it is cut before any work so that matching stays fast."""

MAX_NUMBER_DIGITS: Final = 6

_NOTE_MARK: Final = re.compile(r"\[\^([^\]\s]+)\]|\[(\d+)\]|\^(\w+)")
_WORD_SPLIT: Final = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Query:
    """A typed reference, cleaned: ``display`` for messages, ``words`` for matching."""

    display: str
    words: tuple[str, ...]

    @property
    def key(self) -> str:
        """The words as one slug-like string, for exact and fuzzy comparison with refs."""
        return "-".join(self.words)


def clean(text: str) -> Query:
    """Normalise (NFKC, case-folded) and split into words; never raises."""
    normal = unicodedata.normalize("NFKC", text[: MAX_QUERY * 2])[:MAX_QUERY]
    display = " ".join(normal.split())
    if len(display) > 80:
        display = display[:79] + "…"
    marked = _NOTE_MARK.sub(lambda m: f" note {m.group(1) or m.group(2) or m.group(3)} ", normal)
    words = tuple(_fold(word) for word in _WORD_SPLIT.split(marked.casefold()) if word)
    return Query(display=display, words=words)


def _fold(word: str) -> str:
    """Accents off as in slugs (``écoutant`` → ``ecoutant``); other scripts stay as typed."""
    ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii")
    return ascii_word or word


def as_number(word: str) -> int | None:
    """A paragraph index or section number typed in digits, else ``None``."""
    if word.isascii() and word.isdecimal() and len(word) <= MAX_NUMBER_DIGITS:
        return int(word)
    return None


def name_words(name: str) -> tuple[str, ...]:
    """How a slug or alias is split for matching against typed words."""
    return tuple(slugify(name, max_length=1000).split("-"))
