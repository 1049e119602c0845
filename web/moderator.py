"""The moderator gate: every ``/mod/{guild_id}/...`` page passes it, on every request.

The gate asks the bot (:class:`bot.membership.MembershipSource`, cached at most 60 s) whether the
signed-in user is a member of that server now, with which roles and whether they manage it, and
asks :func:`bot.permissions.is_moderator` (the rule the slash commands use) whether that makes
them a moderator. A member who is not answers 403 with no data of the server; someone who is not
a member (or a server the bot is not in, or that does not exist) answers 404, like the member
pages. What the gate returns carries the :class:`bot.actions.Actor` the actions take, so a page
never builds one by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Final

from aiohttp import web

from bot.actions import Actor
from bot.i18n import _
from bot.membership import MembershipUnavailable, ServerLayout
from bot.permissions import is_moderator
from web.render import CONTEXT_KEY, render
from web.sessions import SignedIn, session_lost, signed_in

log = logging.getLogger(__name__)

GUILD_ID: Final = r"{guild_id:\d{1,20}}"
PREFIX: Final = f"/mod/{GUILD_ID}"
"""Where moderator pages live: ``app.router.add_get(PREFIX + "/prompts", moderator_page(...))``."""


@dataclass(frozen=True, slots=True)
class Moderating:
    """A moderator's request: who, in which server, and the actor the actions take."""

    user: SignedIn
    guild_id: int
    server: str
    actor: Actor

    @property
    def base(self) -> str:
        """This server's moderator pages' address, ``/mod/{guild_id}``."""
        return f"/mod/{self.guild_id}"


class Refused(Exception):
    """The page to answer instead of the handler's (sign in, 403, 404, 503)."""

    def __init__(self, response: web.Response) -> None:
        self.response = response


async def _refuse(request: web.Request, status: int, heading: str, message: str) -> Refused:
    return Refused(
        await render(request, "error.html", status=status, heading=heading, message=message)
    )


async def moderator_of(request: web.Request) -> Moderating:
    """The gate, for the server in the URL; raises :class:`Refused` with the page to answer."""
    user = await signed_in(request)
    if user is None:
        raise Refused(
            await render(
                request, "sign_in.html", status=401, title=_("Sign in"), lost=session_lost(request)
            )
        )
    context = request.app[CONTEXT_KEY]
    guild_id = int(request.match_info["guild_id"])
    try:
        access = await context.membership.member_access(guild_id, user.user_id)
        names = await context.membership.shared_guilds([guild_id]) if access else {}
    except MembershipUnavailable as exc:
        log.warning("membership check for server %s failed: %s", guild_id, exc)
        raise await _refuse(
            request,
            503,
            _("Try again shortly"),
            _("Discord could not be asked whether you are in this server. Try again shortly."),
        ) from None
    if access is None or guild_id not in names:
        raise await _refuse(
            request,
            404,
            _("Server not found"),
            _("There is no server of yours at this address. Your servers are listed on your page."),
        )
    allowed = await is_moderator(
        context.db, guild_id, manages_server=access.manages_server, role_ids=access.role_ids
    )
    if not allowed:
        raise await _refuse(
            request,
            403,
            _("For moderators only"),
            _(
                "This page is for the server's moderators: members with Manage Server or the "
                "server's moderator role."
            ),
        )
    actor = Actor(user.user_id, guild_id, True, user.name)
    return Moderating(
        user, guild_id, names[guild_id] or _("Server {id}").format(id=guild_id), actor
    )


async def may_moderate(request: web.Request, guild_id: int, user_id: int) -> bool:
    """Whether to show the "Moderate" link on a member's server page (the gate decides anew)."""
    context = request.app[CONTEXT_KEY]
    try:
        access = await context.membership.member_access(guild_id, user_id)
    except MembershipUnavailable:
        return False
    if access is None:
        return False
    return await is_moderator(
        context.db, guild_id, manages_server=access.manages_server, role_ids=access.role_ids
    )


async def layout_of(request: web.Request, guild_id: int) -> ServerLayout:
    """The server's text channels and roles for a form's pickers (cached like membership)."""
    context = request.app[CONTEXT_KEY]
    try:
        return await context.membership.server_layout(guild_id)
    except MembershipUnavailable as exc:
        log.warning("channels of server %s could not be read: %s", guild_id, exc)
        return ServerLayout((), ())


async def names_of(request: web.Request, guild_id: int, user_ids: Iterable[int]) -> dict[int, str]:
    """Members' display names for a page; a member Discord cannot name now shows as their id."""
    context = request.app[CONTEXT_KEY]
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return {}
    try:
        return await context.membership.member_names(guild_id, wanted)
    except MembershipUnavailable as exc:
        log.warning("member names of server %s could not be read: %s", guild_id, exc)
        return {}


ModeratorHandler = Callable[[web.Request, Moderating], Awaitable[web.StreamResponse]]


def moderator_page(
    handler: ModeratorHandler,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A route handler that runs ``handler(request, moderating)`` only past the gate."""

    @wraps(handler)
    async def gated(request: web.Request) -> web.StreamResponse:
        try:
            moderating = await moderator_of(request)
            return await handler(request, moderating)
        except Refused as refused:
            return refused.response

    return gated


async def not_found(request: web.Request, heading: str, message: str) -> Refused:
    """A 404 for an id in the URL or a form that is not this server's (say nothing of others')."""
    return await _refuse(request, 404, heading, message)


__all__ = [
    "GUILD_ID",
    "PREFIX",
    "Moderating",
    "ModeratorHandler",
    "Refused",
    "layout_of",
    "may_moderate",
    "moderator_of",
    "moderator_page",
    "names_of",
    "not_found",
]
