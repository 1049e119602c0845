"""Counts in words that agree with their number: "1 minute", "2 minutes", "5 минут".

Every count the bot shows goes through here, by the current language's plural rule (English and
German have two forms, Russian three): the whole phrase, number included, is one catalog entry,
so no language has to assemble it from pieces.
"""

from __future__ import annotations

from bot import i18n


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for ``n`` things in the current language."""
    return i18n.ngettext(singular, plural, n)


def count_text(n: int, singular: str, plural: str) -> str:
    """A counted phrase with ``{n}`` filled in: ``count_text(2, "{n} day", "{n} days")``."""
    return i18n.ngettext(singular, plural, n).format(n=i18n.number(n))
