"""Changing a server setting: the one place each key's values are checked.

Discord's option types already bound what ``/settings`` can send; the web's form sends text, so
every key is validated here for both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from bot.actions import Actor
from bot.errors import BotError
from bot.storage.database import Database
from bot.storage.guild_settings import set_setting
from bot.timezones import parse_timezone


class BadSetting(BotError):
    """A setting value out of its range or of the wrong kind; nothing was changed."""


def _whole(low: int, high: int, unit: str) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise BadSetting(f"“{value}” is not a whole number of {unit}.") from None
        if not low <= number <= high or isinstance(value, bool):
            raise BadSetting(f"Choose between {low} and {high} {unit}.")
        return number

    return check


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    raise BadSetting(f"“{value}” is neither on nor off.")


def _snowflake(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadSetting(f"“{value}” is not a Discord id.") from None
    if number <= 0:
        raise BadSetting(f"“{value}” is not a Discord id.")
    return number


def _cadence(value: Any) -> str:
    if value not in ("daily", "weekly"):
        raise BadSetting("Streaks are counted daily or weekly.")
    return str(value)


RULES: Final[dict[str, Callable[[Any], Any]]] = {
    "timezone": lambda value: parse_timezone(str(value)).key,
    "moderator_role_id": _snowflake,
    "log_channel_id": _snowflake,
    "prompt_grace_minutes": _whole(0, 1440, "minutes"),
    "streak_freezes_per_week": _whole(0, 6, "days"),
    "streak_counts_attendance": _flag,
    "streak_cadence": _cadence,
    "meeting_voice_minutes": _whole(1, 600, "minutes"),
    "meeting_from_events": _flag,
    "audit_retention_days": _whole(1, 3650, "days"),
}
"""How each key of :data:`bot.config.GUILD_DEFAULTS` is checked (a test holds the two equal)."""


async def change_setting(db: Database, actor: Actor, key: str, value: Any, *, now: datetime) -> Any:
    """Validate and store one setting; returns the value as stored."""
    audit = actor.audit("setting.change")
    rule = RULES.get(key)
    if rule is None:
        raise BadSetting(f"There is no setting called “{key}”.")
    checked = rule(value)
    await set_setting(db, actor.guild_id, key, checked, audit=audit, now=now)
    return checked


__all__ = ["RULES", "BadSetting", "change_setting"]
