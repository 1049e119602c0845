"""Sign in with Discord (authorization code + PKCE), the callback, and sign out."""

from __future__ import annotations

import logging
import math
import time
from ipaddress import ip_address
from typing import Final
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp_session import get_session

from bot.i18n import _, ngettext
from bot.membership import MembershipUnavailable
from bot.oauth import SignInFailed, same_state, sign_in, start_login
from web import sessions
from web.render import CONTEXT_KEY, render

log = logging.getLogger(__name__)

LOGIN_TTL: Final = 600
"""Seconds a started sign-in may take before its state is refused."""
MAX_NEXT: Final = 500


def safe_next(value: str | None) -> str:
    """A ``next=`` page inside this site, or ``/me``: never another host, scheme or ``//``."""
    if not value or len(value) > MAX_NEXT:
        return "/me"
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/me"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/me"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/me"
    return value


def client_address(request: web.Request) -> str:
    """The visitor's address; behind a reverse proxy on this machine, the one it forwards."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        local = ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and forwarded:
        return forwarded.split(",")[-1].strip()[:64]
    return peer


async def login(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    address = client_address(request)
    if not context.login_limiter.allow(address):
        wait = math.ceil(context.login_limiter.retry_after(address))
        return await render(
            request,
            "error.html",
            status=429,
            heading=_("Too many sign-ins"),
            message=ngettext(
                "Too many sign-in attempts from your address. Try again in {n} second.",
                "Too many sign-in attempts from your address. Try again in {n} seconds.",
                wait,
            ).format(n=wait),
            headers={"Retry-After": str(wait)},
        )
    start = start_login(context.settings)
    session = await get_session(request)
    session["login"] = {
        "state": start.state,
        "verifier": start.verifier,
        "next": safe_next(request.query.get("next")),
        "at": int(time.time()),
    }
    raise web.HTTPFound(start.url)


async def callback(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    session = await get_session(request)
    pending = session.pop("login", None)  # one use: a replayed callback finds nothing
    given_state = request.query.get("state")
    if not isinstance(pending, dict) or not same_state(pending.get("state"), given_state):
        return await render(
            request,
            "error.html",
            status=400,
            heading=_("Sign-in not recognised"),
            message=_(
                "This sign-in link was already used, has expired or was not started here. "
                "Nothing was changed: sign in again."
            ),
            sign_in=True,
        )
    if int(time.time()) - int(pending.get("at", 0)) > LOGIN_TTL:
        return await render(
            request,
            "error.html",
            status=400,
            heading=_("Sign-in took too long"),
            message=_("The sign-in expired before Discord answered. Sign in again."),
            sign_in=True,
        )
    if request.query.get("error"):
        return await render(
            request,
            "cancelled.html",
            status=200,
            title=_("Sign-in cancelled"),
        )
    code = request.query.get("code", "")
    if not code or len(code) > 200:
        return await render(
            request,
            "error.html",
            status=400,
            heading=_("Sign-in not recognised"),
            message=_("Discord's answer had no code. Sign in again."),
            sign_in=True,
        )
    try:
        identity = await sign_in(context.settings, code, str(pending.get("verifier", "")))
        shared = await context.membership.shared_guilds([g.id for g in identity.guilds])
    except SignInFailed as exc:
        return await render(
            request,
            "error.html",
            status=400,
            heading=_("Sign-in failed"),
            message=exc.message,
            sign_in=True,
        )
    except MembershipUnavailable as exc:
        log.warning("sign-in: could not read the bot's servers: %s", exc)
        return await render(
            request,
            "error.html",
            status=503,
            heading=_("Try again shortly"),
            message=_(
                "Discord could not be asked which servers you share with "
                "the bot. Try again in a moment."
            ),
            sign_in=True,
        )
    await sessions.begin(request, identity.user_id, identity.name, sorted(shared), identity.locale)
    log.info("user %s signed in to the web app", identity.user_id)
    raise web.HTTPFound(safe_next(str(pending.get("next", "/me"))))


async def logout(request: web.Request) -> web.StreamResponse:
    await sessions.end(request)
    raise web.HTTPFound("/")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", login)
    app.router.add_get("/auth/callback", callback)
    app.router.add_post("/logout", logout)
