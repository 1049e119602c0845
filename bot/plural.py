"""Counts in words that agree with their number: "1 minute", "2 minutes", "0 sections".

Every count the bot shows goes through here, so the wording lives in one place. The signature of
:func:`ngettext` is gettext's: when messages move into translation catalogs, this module becomes
a call to the catalog's ``ngettext`` and no caller changes.
"""

from __future__ import annotations


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a word for ``n`` things (English: the singular for exactly one)."""
    return singular if n == 1 else plural


def count_text(n: int, singular: str, plural: str) -> str:
    """``n`` and the word that agrees with it: ``count_text(1, "day", "days")`` is ``1 day``."""
    return f"{n} {ngettext(singular, plural, n)}"
