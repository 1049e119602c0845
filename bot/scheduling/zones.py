"""IANA time zones: validation with a helpful error, and autocomplete for the Discord layer.

The zone list comes from the ``tzdata`` package (pinned), so it is the same on every machine
whatever the operating system ships.
"""

from __future__ import annotations

from functools import cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.errors import BotError

COMMON_ZONES: Final = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
)


class UnknownTimeZone(BotError):
    """A time zone name that is not in the IANA database."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"“{name}” is not a time zone I know. Use an IANA name such as Europe/Berlin or "
            f"America/New_York (start typing and pick from the list).{hint}"
        )
        self.name = name


@cache
def _zone_names() -> tuple[str, ...]:
    # "localtime", "posixrules" and "Factory" are file-system artefacts, not places.
    return tuple(sorted(
        z for z in available_timezones() if z not in {"localtime", "posixrules", "Factory"}
    ))


@cache
def get_zone(name: str) -> ZoneInfo:
    """The zone called ``name`` or :class:`UnknownTimeZone` with the closest names."""
    if name in _zone_names():
        return ZoneInfo(name)
    try:
        # Accept exact names the list leaves out; ZoneInfo itself refuses paths and oddities.
        if name.strip():
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise UnknownTimeZone(name, complete_timezone(name, limit=3))


def complete_timezone(query: str, limit: int = 25) -> list[str]:
    """Zone names for an autocomplete box: common zones first when empty, else closest matches."""
    names = _zone_names()
    text = query.strip()
    if not text:
        return list(COMMON_ZONES[:limit])
    lowered = text.lower().replace(" ", "_")
    prefix = [z for z in names if lowered in z.lower()]
    prefix.sort(key=lambda z: (not z.lower().split("/")[-1].startswith(lowered), len(z), z))
    if len(prefix) >= limit:
        return prefix[:limit]
    fuzzy = process.extract(text, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    for name, _score, _index in fuzzy:
        if name not in prefix:
            prefix.append(name)
    return prefix[:limit]
