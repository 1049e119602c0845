"""Changing a server setting: the one place each key's values are checked.

Discord's option types already bound what ``/settings`` can send; the web's form sends text, so
every key is validated here for both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from bot import i18n
from bot.actions import Actor
from bot.errors import BotError
from bot.i18n import _
from bot.storage.database import Database
from bot.storage.guild_settings import set_setting
from bot.timezones import parse_timezone


class BadSetting(BotError):
    """A setting value out of its range or of the wrong kind; nothing was changed."""


def _whole(low: int, high: int, unit: str) -> Callable[[Any], int]:
    # ``unit`` picks a whole sentence: "minutes" and "days" are words each language declines.
    def check(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            text = (
                _("“{value}” is not a whole number of minutes.")
                if unit == "minutes"
                else _("“{value}” is not a whole number of days.")
            )
            raise BadSetting(text.format(value=value)) from None
        if not low <= number <= high or isinstance(value, bool):
            text = (
                _("Choose between {low} and {high} minutes.")
                if unit == "minutes"
                else _("Choose between {low} and {high} days.")
            )
            raise BadSetting(text.format(low=low, high=high))
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
    raise BadSetting(_("“{value}” is neither on nor off.").format(value=value))


def _snowflake(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadSetting(_("“{value}” is not a Discord id.").format(value=value)) from None
    if number <= 0:
        raise BadSetting(_("“{value}” is not a Discord id.").format(value=value))
    return number


def _cadence(value: Any) -> str:
    if value not in ("daily", "weekly"):
        raise BadSetting(_("Streaks are counted daily or weekly."))
    return str(value)


def _language(value: Any) -> str | None:
    """A shipped language, or nothing to follow the server's Discord language."""
    if value is None or value == "" or value == "auto":
        return None
    if str(value) not in i18n.SHIPPED:
        raise BadSetting(
            _("“{value}” is not a language the bot speaks: choose one of {languages}.").format(
                value=value, languages=", ".join(i18n.SHIPPED)
            )
        )
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
    "language": _language,
}
"""How each key of :data:`bot.config.GUILD_DEFAULTS` is checked (a test holds the two equal)."""


async def change_setting(db: Database, actor: Actor, key: str, value: Any, *, now: datetime) -> Any:
    """Validate and store one setting; returns the value as stored."""
    audit = actor.audit("setting.change")
    rule = RULES.get(key)
    if rule is None:
        raise BadSetting(_("There is no setting called “{key}”.").format(key=key))
    checked = rule(value)
    await set_setting(db, actor.guild_id, key, checked, audit=audit, now=now)
    return checked


__all__ = ["RULES", "BadSetting", "change_setting"]
