"""The moderator rule both surfaces ask, against the stored moderator role (both databases)."""

from __future__ import annotations

from bot.permissions import is_moderator
from bot.storage.database import Database
from bot.storage.guild_settings import set_setting

GUILD, OTHER, ROLE = 1, 2, 77


async def test_managing_the_server_or_the_configured_role_makes_a_moderator(db: Database) -> None:
    assert await is_moderator(db, GUILD, manages_server=True, role_ids=[])
    assert not await is_moderator(db, GUILD, manages_server=False, role_ids=[ROLE])
    await set_setting(db, GUILD, "moderator_role_id", ROLE)
    assert await is_moderator(db, GUILD, manages_server=False, role_ids=[5, ROLE])
    assert not await is_moderator(db, GUILD, manages_server=False, role_ids=[5])
    # The role is one server's setting: the same role id elsewhere gives nothing.
    assert not await is_moderator(db, OTHER, manages_server=False, role_ids=[ROLE])
