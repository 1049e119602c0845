"""Who may run the group: the one moderator rule, for Discord and the web alike.

A moderator is a member who manages the server (Manage Server, Administrator, or its owner) or
holds the role set with ``/settings moderator-role``. Both surfaces ask :func:`is_moderator` on
every request; neither keeps a copy of the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from bot.storage.database import Database
from bot.storage.guild_settings import get_setting

ADMINISTRATOR: Final = 1 << 3
MANAGE_GUILD: Final = 1 << 5


def manages_server(
    user_id: int,
    *,
    guild_id: int,
    owner_id: int,
    role_ids: Iterable[int],
    role_permissions: Mapping[int, int],
) -> bool:
    """Discord's answer to "may this member manage the server?", from the server's roles.

    Interactions carry this already computed; a process that only has the REST API (the web app
    on its own) computes it the way Discord does: the owner may, and so may anyone whose roles
    (``@everyone``, whose id is the server's, always among them) grant Administrator or Manage
    Server. ``role_permissions`` maps the server's role ids to their permission bits; a role
    id the server no longer has grants nothing.
    """
    if user_id == owner_id:
        return True
    granted = role_permissions.get(guild_id, 0)
    for role_id in role_ids:
        granted |= role_permissions.get(int(role_id), 0)
    return bool(granted & (ADMINISTRATOR | MANAGE_GUILD))


async def is_moderator(
    db: Database, guild_id: int, *, manages_server: bool, role_ids: Iterable[int]
) -> bool:
    """Whether a member of ``guild_id`` may use moderator commands and pages.

    ``manages_server`` is true for Manage Server, Administrator and the server's owner (Discord
    computes it for interactions; the web reads it from the member's guild permissions).
    """
    if manages_server:
        return True
    role_id = await get_setting(db, guild_id, "moderator_role_id")
    return role_id is not None and int(role_id) in {int(r) for r in role_ids}
