"""Every moderator action, once, for Discord and the web.

Each function takes the database, the :class:`Actor` doing it and already-parsed inputs; it
checks the actor may do it, validates, writes, and records an audit entry in the same
transaction, raising the domain errors the surfaces turn into messages. The surfaces keep only
what is theirs: reading the request, steps that need Discord itself (posting, channel
permissions, behind small callables), and rendering the answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import BotError
from bot.i18n import N_, _
from bot.permissions import is_moderator
from bot.storage.audit import Audit
from bot.storage.database import Database

NOT_A_MODERATOR = N_(
    "This is for moderators: you need Manage Server or the server's moderator role."
)


class NotAModerator(BotError):
    def __init__(self) -> None:
        super().__init__(_(NOT_A_MODERATOR))


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, where, and whether the moderator rule (:mod:`bot.permissions`) allows them."""

    user_id: int
    guild_id: int
    moderator: bool
    name: str = ""
    """How to name them in texts others read ("paused by …"); the id where none is known."""

    @classmethod
    async def of_member(
        cls,
        db: Database,
        guild_id: int,
        user_id: int,
        *,
        manages_server: bool,
        role_ids: list[int],
        name: str = "",
    ) -> Actor:
        allowed = await is_moderator(db, guild_id, manages_server=manages_server, role_ids=role_ids)
        return cls(user_id, guild_id, allowed, name)

    def audit(self, action: str, *, member_id: int | None = None) -> Audit:
        """The audit entry of one of this actor's actions (checked to be a moderator's)."""
        if not self.moderator:
            raise NotAModerator()
        return Audit(self.user_id, action, member_id=member_id)

    @property
    def shown_name(self) -> str:
        return self.name or f"<@{self.user_id}>"


__all__ = ["NOT_A_MODERATOR", "Actor", "NotAModerator"]
