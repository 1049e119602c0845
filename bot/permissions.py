"""Who may run the group: the one moderator rule, for Discord and the web alike.

A moderator is a member who manages the server (Manage Server, Administrator, or its owner) or
holds the role set with ``/settings moderator-role``. Both surfaces ask :func:`is_moderator` on
every request; neither keeps a copy of the rule.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.storage.database import Database
from bot.storage.guild_settings import get_setting


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
