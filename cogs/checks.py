"""Moderator-only commands: closed by Discord's default permissions and checked again in code.

Default permissions only set what a server starts with (admins can reopen a command to everyone in
Server Settings > Integrations), so the code checks again: Manage Server, or the moderator role
configured with ``/settings moderator-role``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.actions import Actor
from bot.i18n import N_, _
from bot.permissions import is_moderator as member_is_moderator

T = TypeVar("T")

NOT_A_MODERATOR = N_(
    "This command is for moderators: you need Manage Server or the server's moderator role."
)


async def is_moderator(interaction: discord.Interaction) -> bool:
    """The moderator rule of :func:`bot.permissions.is_moderator`; never in direct messages."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return False
    db = getattr(interaction.client, "db", None)
    if db is None:
        return bool(interaction.permissions.manage_guild)
    # Discord computes the interaction's permissions with Administrator and ownership included.
    return await member_is_moderator(
        db,
        interaction.guild_id,
        manages_server=interaction.permissions.manage_guild,
        role_ids=[role.id for role in member.roles],
    )


async def actor_of(interaction: discord.Interaction) -> Actor:
    """Who is acting, for :mod:`bot.actions`: the moderator rule is asked again there."""
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return Actor(
        interaction.user.id,
        interaction.guild_id,
        await is_moderator(interaction),
        interaction.user.display_name,
    )


def moderator_only() -> Callable[[T], T]:
    """Decorator for a command or group: default permission Manage Server, and a runtime check."""

    async def predicate(interaction: discord.Interaction) -> bool:
        if not await is_moderator(interaction):
            raise app_commands.CheckFailure(_(NOT_A_MODERATOR))
        return True

    def decorator(func: T) -> T:
        func = app_commands.default_permissions(manage_guild=True)(func)
        func = app_commands.guild_only()(func)
        if isinstance(func, type):
            # discord.py ignores app_commands.check on a Group or GroupCog class, which would
            # leave every subcommand open to members wherever an admin lifts the default
            # permission; the class's interaction_check runs before each of its commands.
            _check_every_command(func, predicate)
            return func
        checked: Any = app_commands.check(predicate)(func)
        return checked  # type: ignore[no-any-return]

    return decorator


def _check_every_command(
    cls: type, predicate: Callable[[discord.Interaction], Awaitable[bool]]
) -> None:
    inherited = getattr(cls, "interaction_check", None)

    async def interaction_check(self: Any, interaction: discord.Interaction, /) -> bool:
        if not await predicate(interaction):
            return False
        if inherited is None:
            return True
        return bool(await discord.utils.maybe_coroutine(inherited, self, interaction))

    cls.interaction_check = interaction_check  # type: ignore[attr-defined]
