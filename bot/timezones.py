"""IANA time zones: validating a name a member typed and suggesting names as they type.

Server and member time zones decide when a prompt fires and which calendar day a reading counts
for, so a typo must be caught at the boundary with suggestions, never stored.
"""

from __future__ import annotations

import functools
import zoneinfo

from rapidfuzz import fuzz, process

from bot.errors import BotError
from bot.i18n import _


class UnknownTimezone(BotError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        text = (
            _(
                "“{name}” is not a time zone I know. Use an IANA name such as Europe/Berlin. "
                "Did you mean {listed}?"
            )
            if suggestions
            else _("“{name}” is not a time zone I know. Use an IANA name such as Europe/Berlin.")
        )
        super().__init__(text.format(name=name, listed=", ".join(suggestions[:3])))
        self.suggestions = suggestions


@functools.cache
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


@functools.cache
def _by_lower() -> dict[str, str]:
    return {name.lower(): name for name in all_timezones()}


def suggest_timezones(current: str, limit: int = 25) -> list[str]:
    """Names for autocomplete: prefix and substring matches first, then fuzzy ones."""
    text = current.strip().lower().replace(" ", "_")
    names = all_timezones()
    if not text:
        common = (
            "UTC",
            "Europe/London",
            "Europe/Berlin",
            "America/New_York",
            "America/Chicago",
            "America/Los_Angeles",
            "Asia/Kolkata",
            "Asia/Tokyo",
            "Australia/Sydney",
        )
        return [n for n in common if n in _by_lower().values()][:limit]
    starts = [
        n for n in names if n.lower().startswith(text) or n.lower().split("/")[-1].startswith(text)
    ]
    contains = [n for n in names if text in n.lower() and n not in starts]
    found = (starts + contains)[:limit]
    if len(found) < 5:
        fuzzy = process.extract(text, names, scorer=fuzz.WRatio, limit=limit, processor=str.lower)
        found += [name for name, score, _ in fuzzy if score >= 75 and name not in found]
    return found[:limit]


def parse_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The zone for an IANA name in any letter case; :class:`UnknownTimezone` otherwise."""
    key = name.strip().replace(" ", "_")
    canonical = _by_lower().get(key.lower())
    if canonical is None:
        raise UnknownTimezone(name.strip()[:64], suggest_timezones(key, limit=3))
    return zoneinfo.ZoneInfo(canonical)
