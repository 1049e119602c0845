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


def test_channel_permissions_apply_overwrites_in_discords_order() -> None:
    from bot.permissions import (
        ADMINISTRATOR,
        EMBED_LINKS,
        SEND_MESSAGES,
        VIEW_CHANNEL,
        channel_permissions,
        missing_to_post,
    )

    base = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
    roles = {GUILD: base, 10: 0, 20: ADMINISTRATOR}

    def perms(held: list[int], overwrites: list[dict[str, int]], user: int = 5) -> int:
        return channel_permissions(
            user,
            guild_id=GUILD,
            owner_id=999,
            role_ids=held,
            role_permissions=roles,
            overwrites=overwrites,
        )

    everyone_denied = {"id": GUILD, "type": 0, "allow": 0, "deny": SEND_MESSAGES}
    role_allows = {"id": 10, "type": 0, "allow": SEND_MESSAGES, "deny": 0}
    member_denies = {"id": 5, "type": 1, "allow": 0, "deny": SEND_MESSAGES}
    assert missing_to_post(perms([], []), threads=False) == []
    # Without Send Messages, embeds go too (Discord's rule), as the cog's discord.py says.
    assert missing_to_post(perms([], [everyone_denied]), threads=False) == [
        "Send Messages",
        "Embed Links",
    ]
    assert missing_to_post(perms([10], [everyone_denied, role_allows]), threads=False) == []
    assert perms([10], [everyone_denied, role_allows, member_denies]) & SEND_MESSAGES == 0
    hidden = {"id": GUILD, "type": 0, "allow": 0, "deny": VIEW_CHANNEL}
    assert perms([], [hidden]) == 0
    assert missing_to_post(perms([20], [hidden]), threads=True) == []  # Administrator
    assert missing_to_post(perms([], [hidden], user=999), threads=True) == []  # the owner
    assert missing_to_post(perms([], []), threads=True) == ["Create Public Threads"]
