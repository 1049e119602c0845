"""Who may run the group: the one moderator rule, for Discord and the web alike.

A moderator is a member who manages the server (Manage Server, Administrator, or its owner) or
holds the role set with ``/settings moderator-role``. Both surfaces ask :func:`is_moderator` on
every request; neither keeps a copy of the rule.

What the bot needs to post a prompt in a channel is decided here too (:func:`missing_to_post`):
the cog asks it with discord.py's computed permissions, the web with the bits its membership
source worked out from Discord's REST objects (:func:`channel_permissions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from bot.i18n import N_, _
from bot.storage.database import Database
from bot.storage.guild_settings import get_setting

ADMINISTRATOR: Final = 1 << 3
MANAGE_GUILD: Final = 1 << 5
VIEW_CHANNEL: Final = 1 << 10
SEND_MESSAGES: Final = 1 << 11
EMBED_LINKS: Final = 1 << 14
CREATE_PUBLIC_THREADS: Final = 1 << 35
_ONLY_WHEN_SENDING: Final = (1 << 12) | EMBED_LINKS | (1 << 15) | (1 << 17)

PERMISSION_NAMES: Final[dict[str, str]] = {
    "view_channel": N_("View Channel"),
    "send_messages": N_("Send Messages"),
    "embed_links": N_("Embed Links"),
    "create_public_threads": N_("Create Public Threads"),
    "send_messages_in_threads": N_("Send Messages in Threads"),
    "read_message_history": N_("Read Message History"),
}
"""Discord's own names of the permissions a prompt needs, as its client shows them."""

TO_POST: Final = (
    ("view_channel", VIEW_CHANNEL),
    ("send_messages", SEND_MESSAGES),
    ("embed_links", EMBED_LINKS),
)
TO_OPEN_THREADS: Final = (("create_public_threads", CREATE_PUBLIC_THREADS),)


def missing_to_post(permissions: int, *, threads: bool) -> list[str]:
    """The permissions (Discord's names, translated) the bot lacks to post a prompt."""
    if permissions & ADMINISTRATOR:
        return []
    needed = TO_POST + (TO_OPEN_THREADS if threads else ())
    return [_(PERMISSION_NAMES[name]) for name, bit in needed if not permissions & bit]


def channel_permissions(
    user_id: int,
    *,
    guild_id: int,
    owner_id: int,
    role_ids: Iterable[int],
    role_permissions: Mapping[int, int],
    overwrites: Iterable[Mapping[str, Any]],
) -> int:
    """A member's permission bits in a channel, computed as Discord documents it.

    The server's (``@everyone`` and the member's roles; Administrator or ownership grant
    everything), then the channel's overwrites: ``@everyone``'s, the roles' together (denies,
    then allows), the member's own. Without View Channel nothing else counts, and without Send
    Messages neither do the rights that only come with sending (embeds, files, TTS, @everyone).
    """
    everything = (1 << 53) - 1
    if user_id == owner_id:
        return everything
    roles = {int(r) for r in role_ids}
    value = role_permissions.get(guild_id, 0)
    for role_id in roles:
        value |= role_permissions.get(role_id, 0)
    if value & ADMINISTRATOR:
        return everything
    found = [
        (int(o["id"]), int(o.get("type", 0)), int(o.get("allow") or 0), int(o.get("deny") or 0))
        for o in overwrites
    ]
    for target, _kind, allow, deny in found:
        if target == guild_id:
            value = (value & ~deny) | allow
    allowed = denied = 0
    for target, kind, allow, deny in found:
        if kind == 0 and target in roles and target != guild_id:
            allowed |= allow
            denied |= deny
    value = (value & ~denied) | allowed
    for target, kind, allow, deny in found:
        if kind == 1 and target == user_id:
            value = (value & ~deny) | allow
    if not value & VIEW_CHANNEL:
        return 0
    if not value & SEND_MESSAGES:
        value &= ~_ONLY_WHEN_SENDING
    return value


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
