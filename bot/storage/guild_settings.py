"""Per-server settings, stored as JSON over the defaults in :data:`bot.config.GUILD_DEFAULTS`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.config import GUILD_DEFAULTS
from bot.errors import BotError
from bot.i18n import _
from bot.storage.audit import Audit
from bot.storage.database import Database


def _check_key(key: str) -> None:
    if key not in GUILD_DEFAULTS:
        raise BotError(_("There is no setting called “{key}”.").format(key=key))


async def get_settings(db: Database, guild_id: int) -> dict[str, Any]:
    """Every setting of a server: stored values over the defaults."""
    rows = await db.fetchall(
        "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
    )
    settings: dict[str, Any] = dict(GUILD_DEFAULTS)
    settings.update(
        {row["key"]: json.loads(row["value"]) for row in rows if row["key"] in settings}
    )
    return settings


async def get_setting(db: Database, guild_id: int, key: str) -> Any:
    _check_key(key)
    row = await db.fetchone(
        "SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
    )
    return GUILD_DEFAULTS[key] if row is None else json.loads(row["value"])


async def set_setting(
    db: Database,
    guild_id: int,
    key: str,
    value: Any,
    *,
    audit: Audit | None = None,
    now: datetime | None = None,
) -> None:
    """Store a value; storing the default removes the row so later default changes apply."""
    _check_key(key)
    async with db.transaction() as conn:
        if audit is not None:
            async with conn.execute(
                "SELECT value FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
            ) as cursor:
                row = await cursor.fetchone()
            before = GUILD_DEFAULTS[key] if row is None else json.loads(row["value"])
            await audit.about(f"setting:{key}").write(
                conn,
                guild_id,
                before={key: before},
                after={key: value},
                at=now or datetime.now(UTC),
            )
        if value == GUILD_DEFAULTS[key]:
            await conn.execute(
                "DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
            )
        else:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                (guild_id, key, json.dumps(value)),
            )
