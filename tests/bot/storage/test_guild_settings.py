from __future__ import annotations

import pytest

from bot.config import GUILD_DEFAULTS
from bot.errors import BotError
from bot.storage import Database
from bot.storage.guild_settings import get_setting, get_settings, set_setting


async def test_defaults_until_set(db: Database) -> None:
    assert await get_settings(db, 1) == dict(GUILD_DEFAULTS)
    await set_setting(db, 1, "timezone", "Europe/Berlin")
    assert await get_setting(db, 1, "timezone") == "Europe/Berlin"
    assert await get_setting(db, 2, "timezone") == GUILD_DEFAULTS["timezone"]


async def test_setting_back_to_default_removes_the_row(db: Database) -> None:
    await set_setting(db, 1, "moderator_role_id", 99)
    await set_setting(db, 1, "moderator_role_id", None)
    rows = await db.fetchall("SELECT * FROM guild_settings WHERE guild_id = 1")
    assert rows == []


async def test_unknown_key_is_refused_and_nothing_stored(db: Database) -> None:
    with pytest.raises(BotError, match="no setting"):
        await set_setting(db, 1, "nonsense", 1)
    assert await db.fetchall("SELECT * FROM guild_settings") == []
