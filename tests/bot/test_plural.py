"""Counts agree with their number."""

from __future__ import annotations

from bot.plural import count_text, ngettext


def test_one_takes_the_singular_every_other_number_the_plural() -> None:
    assert count_text(1, "{n} minute", "{n} minutes") == "1 minute"
    assert [count_text(n, "{n} member", "{n} members") for n in (0, 2, 11, 1234)] == [
        "0 members",
        "2 members",
        "11 members",
        "1,234 members",
    ]
    assert ngettext("week", "weeks", 1) == "week" and ngettext("week", "weeks", 21) == "weeks"
