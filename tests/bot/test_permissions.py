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


def test_manage_server_comes_from_the_owner_administrator_or_a_granting_role() -> None:
    from bot.permissions import ADMINISTRATOR, MANAGE_GUILD, manages_server

    roles = {GUILD: 0, 10: 1 << 11, 20: MANAGE_GUILD, 30: ADMINISTRATOR | (1 << 11)}

    def check(user: int, held: list[int], owner: int = 999, perms: dict[int, int] = roles) -> bool:
        return manages_server(
            user, guild_id=GUILD, owner_id=owner, role_ids=held, role_permissions=perms
        )

    assert not check(5, [])
    assert not check(5, [10])  # Send Messages grants nothing here
    assert check(5, [10, 20])
    assert check(5, [30])
    assert check(999, [])  # the owner, whatever their roles
    assert not check(5, [404])  # a role the server no longer has
    # @everyone (the server's own id) counts for every member, listed or not.
    assert check(5, [], perms={GUILD: MANAGE_GUILD})
