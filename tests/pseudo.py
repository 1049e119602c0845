"""A pseudo-locale built from the message template at test time: every letter accented and each
message 40% longer, placeholders and markup kept, so a test can see at once any text that did not
go through the catalogs (it stays plain ASCII English) and any limit that breaks when text grows.

It is written as ``fi.po`` (Finnish is a Discord locale the bot does not ship), so a client sending
``fi`` gets it through the very path every real language takes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po, write_po

from bot.i18n import LOCALE_DIR

PSEUDO = "fi"
TEMPLATE = LOCALE_DIR / "messages.pot"
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöþʠŕšţûʋŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
# Kept as they are: {placeholders}, %(placeholders)s, `code`, <markup>, /commands, URLs, entities.
_KEEP = re.compile(
    r"(\{[^}]*\}|%\([a-z_]+\)s|`[^`]*`|<[^>]*>|/[a-z][a-z-]*|&[a-z]+;|https?://\S+|[A-Za-z_]+/[A-Za-z_]+)"
)


def pseudo(text: str, *, name: bool = False) -> str:
    """``text`` accented and padded to 140% of its length (names: lowercase, within 32)."""
    if name:
        return text.translate(_ACCENTS).lower()[:32]
    parts = _KEEP.split(text)
    out = "".join(p if i % 2 else p.translate(_ACCENTS) for i, p in enumerate(parts))
    padding = max(1, round(len(text) * 0.4))
    return f"{out} {'ẋ' * (padding - 1)}" if padding > 1 else out + "ẋ"


def build(directory: Path) -> Path:
    """Write ``fi.po`` for every message of the template; return the directory."""
    with TEMPLATE.open("rb") as source:
        catalog = read_po(source, locale="fi")
    for message in catalog:
        if not message.id:
            continue
        is_name = message.context in ("command name", "option name")
        if isinstance(message.id, tuple):
            singular, plural = message.id
            message.string = (pseudo(singular, name=is_name), pseudo(plural, name=is_name))
        else:
            message.string = pseudo(message.id, name=is_name)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"{PSEUDO}.po").open("wb") as target:
        write_po(target, catalog)
    return directory


def _vocabulary() -> frozenset[str]:
    with TEMPLATE.open("rb") as source:
        catalog = read_po(source)
    words: set[str] = set()
    for message in catalog:
        for text in message.id if isinstance(message.id, tuple) else (message.id,):
            words.update(w.lower() for w in re.findall(r"[A-Za-z]{4,}", _KEEP.sub(" ", text)))
    return frozenset(words)


VOCABULARY: Final = _vocabulary()
"""Every English word of the bot's messages: one of them left in an answer was not translated."""


def english_words(text: str) -> list[str]:
    """The bot's own English words left in ``text`` (names, zones and Babel's data are not)."""
    stripped = _KEEP.sub(" ", text)
    found = re.findall(r"(?<![\w])[A-Za-z]{4,}(?![\w])", stripped)
    return [word for word in found if word.lower() in VOCABULARY]
