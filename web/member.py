"""A member's own pages: their servers, their reading in each, their settings and their data.

Every handler starts from :func:`_member` (signed in, else a page that says to sign in) and every
server page from :func:`_server`, which asks the bot (:class:`bot.membership.MembershipSource`)
whether this user is a member of that server now: the id in the URL and the servers listed in the
cookie decide nothing. A server the user may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import get_day_names

from bot import i18n
from bot.errors import BotError
from bot.i18n import _, ngettext
from bot.membership import MembershipUnavailable
from bot.privacy import FORGET_WARNING, export_document, export_filename, forget_member
from bot.privacy import forget_summary as summary_of_forget
from bot.storage import streaks as store
from bot.streaks.heatmap import HeatmapGrid, level
from bot.streaks.reminders import parse_minute
from bot.streaks.render import timezone_text
from bot.streaks.summary import member_overview
from bot.timezones import all_timezones
from web.moderator import may_moderate
from web.render import CONTEXT_KEY, render
from web.sessions import SignedIn, flash, session_lost, signed_in
from web.textbody import text_url

log = logging.getLogger(__name__)


def weekday_short(day: int) -> str:
    """The heatmap's row label (Monday is 0) in the page's language, from Babel's calendar."""
    return str(get_day_names("abbreviated", locale=i18n.babel_locale())[day])


GUILD_ID: Final = r"{guild_id:\d{1,20}}"


class _Refused(Exception):
    def __init__(self, response: web.Response) -> None:
        self.response = response


async def _member(request: web.Request) -> SignedIn:
    user = await signed_in(request)
    if user is not None:
        return user
    lost = session_lost(request)
    raise _Refused(
        await render(
            request,
            "sign_in.html",
            status=401,
            title=_("Sign in"),
            lost=lost,
        )
    )


async def _server(request: web.Request, user: SignedIn) -> tuple[int, str]:
    """The server in the URL, if the bot says this user is a member of it now; else 404."""
    context = request.app[CONTEXT_KEY]
    guild_id = int(request.match_info["guild_id"])
    try:
        allowed = await context.membership.is_member(guild_id, user.user_id)
        names = await context.membership.shared_guilds([guild_id]) if allowed else {}
    except MembershipUnavailable as exc:
        log.warning("membership check for server %s failed: %s", guild_id, exc)
        raise _Refused(await _unavailable(request)) from None
    if not allowed or guild_id not in names:
        raise _Refused(
            await render(
                request,
                "error.html",
                status=404,
                heading=_("Server not found"),
                message=_(
                    "There is no server of yours at this address. Your servers are listed "
                    "on your page."
                ),
            )
        )
    return guild_id, names[guild_id]


async def _unavailable(request: web.Request) -> web.Response:
    return await render(
        request,
        "error.html",
        status=503,
        heading=_("Try again shortly"),
        message=_("Discord could not be asked whether you are in this server. Try again shortly."),
    )


def guarded(handler: Any) -> Any:
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except _Refused as refused:
            return refused.response
        return response

    return wrapper


async def my_servers(request: web.Request) -> web.Response:
    user = await _member(request)
    context = request.app[CONTEXT_KEY]
    try:
        shared = await context.membership.shared_guilds(user.guild_ids)
        checks = await asyncio.gather(
            *(context.membership.is_member(g, user.user_id) for g in shared)
        )
    except MembershipUnavailable:
        return await _unavailable(request)
    servers = [
        {"id": g, "name": name or _("Server {id}").format(id=g), "url": f"/me/{g}"}
        for (g, name), ok in zip(shared.items(), checks, strict=True)
        if ok
    ]
    settings = await store.get_member_settings(context.db, user.user_id)
    return await render(
        request,
        "me.html",
        title=_("Your reading"),
        servers=servers,
        settings=settings,
        zones=all_timezones(),
        flash=await flash(request),
        error="",
    )


def _heatmap_rows(grid: HeatmapGrid) -> list[dict[str, Any]]:
    rows = []
    for weekday in range(7):
        cells: list[dict[str, Any]] = []
        for week, column in enumerate(grid.cells):
            count = column[weekday]
            day = grid.start + timedelta(days=7 * week + weekday)
            if count is None:
                cells.append({"future": True})
            else:
                cells.append(
                    {
                        "future": False,
                        "level": level(count),
                        "label": ngettext(
                            "{date}: {n} reading", "{date}: {n} readings", count
                        ).format(date=i18n.day(day), n=i18n.number(count)),
                        "today": day == grid.today,
                    }
                )
        rows.append({"name": weekday_short(weekday), "cells": cells})
    return rows


def _local(moment: datetime | None, zone: ZoneInfo) -> dict[str, str] | None:
    if moment is None:
        return None
    local = moment.astimezone(zone)
    return {"iso": moment.isoformat(), "text": local.strftime("%Y-%m-%d %H:%M")}


async def server_page(request: web.Request) -> web.Response:
    user = await _member(request)
    guild_id, name = await _server(request, user)
    context = request.app[CONTEXT_KEY]
    overview = await member_overview(
        context.db, context.library, guild_id, user.user_id, context.clock()
    )
    zone = ZoneInfo(overview.zone)
    history = [
        {
            "title": meeting.title,
            "started": _local(meeting.started_at, zone),
            "attended": attended is not None,
            "how": attended.source.value if attended is not None else "",
        }
        for meeting, attended in overview.history
    ]
    settings = await store.get_member_settings(context.db, user.user_id)
    moderator = await may_moderate(request, guild_id, user.user_id)
    reminder = ""
    if settings.reminder_minute is not None and settings.reminder_guild_id == guild_id:
        reminder = f"{settings.reminder_minute // 60:02d}:{settings.reminder_minute % 60:02d}"
    return await render(
        request,
        "server.html",
        title=name or _("Your server"),
        guild_id=guild_id,
        server=name or _("Server {id}").format(id=guild_id),
        overview=overview,
        texts=[{"url": text_url(t.progress.document), "item": t} for t in overview.texts],
        heatmap=_heatmap_rows(overview.grid),
        last_read=_local(overview.last_read_at, zone),
        history=history,
        reminder=reminder,
        moderator=moderator,
        other_reminder=settings.reminder_minute is not None and not reminder,
        flash=await flash(request),
        error="",
    )


async def set_timezone(request: web.Request) -> web.StreamResponse:
    user = await _member(request)
    context = request.app[CONTEXT_KEY]
    form = await request.post()
    typed = str(form.get("zone", "")).strip()[:64]
    try:
        key = await store.set_timezone(context.db, user.user_id, typed or None, now=context.clock())
    except BotError as exc:
        return await _me_error(request, user, exc.message)
    context.reminders_changed()
    await flash(request, timezone_text(key))
    raise web.HTTPSeeOther("/me")


async def set_privacy(request: web.Request) -> web.StreamResponse:
    user = await _member(request)
    context = request.app[CONTEXT_KEY]
    form = await request.post()
    choice = form.get("private")
    if choice not in ("yes", "no"):
        return await _me_error(request, user, _("Choose whether to keep your streak private."))
    hidden = choice == "yes"
    await store.set_private(context.db, user.user_id, hidden, now=context.clock())
    await flash(
        request,
        _("You are now left out of leaderboards and your streak is private.")
        if hidden
        else _("You now appear on leaderboards and others can see your streak."),
    )
    raise web.HTTPSeeOther("/me")


async def _me_error(request: web.Request, user: SignedIn, message: str) -> web.Response:
    context = request.app[CONTEXT_KEY]
    settings = await store.get_member_settings(context.db, user.user_id)
    return await render(
        request,
        "me.html",
        status=400,
        title=_("Your reading"),
        servers=[],
        settings=settings,
        zones=all_timezones(),
        flash="",
        error=message,
    )


async def set_reminder(request: web.Request) -> web.StreamResponse:
    user = await _member(request)
    guild_id, _name = await _server(request, user)
    context = request.app[CONTEXT_KEY]
    form = await request.post()
    typed = str(form.get("time", "")).strip()[:40] or "off"
    try:
        minute = parse_minute(typed)
    except BotError as exc:
        await flash(request, exc.message)
        raise web.HTTPSeeOther(f"/me/{guild_id}") from None
    at = await store.set_reminder(
        context.db, user.user_id, guild_id, minute, now=context.clock(), locale=i18n.current()
    )
    context.reminders_changed()
    if minute is None or at is None:
        await flash(request, _("Your reading reminder is off."))
    else:
        await flash(
            request,
            _("You will get a DM at {time} your time on days you have not read yet.").format(
                time=f"{minute // 60:02d}:{minute % 60:02d}"
            ),
        )
    raise web.HTTPSeeOther(f"/me/{guild_id}")


async def export(request: web.Request) -> web.StreamResponse:
    user = await _member(request)
    context = request.app[CONTEXT_KEY]
    body = await export_document(context.db, user.user_id, context.clock())
    return web.Response(
        body=body,
        content_type="application/json",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export_filename(user.user_id)}"',
            "Cache-Control": "no-store",
        },
    )


async def forget_form(request: web.Request) -> web.Response:
    await _member(request)
    return await render(
        request, "forget.html", title=_("Delete your data"), warning=_(FORGET_WARNING)
    )


async def forget(request: web.Request) -> web.Response:
    user = await _member(request)
    context = request.app[CONTEXT_KEY]
    counts = await forget_member(context.db, user.user_id)
    log.info("user %s deleted their data from the web app", user.user_id)
    return await render(
        request,
        "forgotten.html",
        title=_("Your data was deleted"),
        summary=summary_of_forget(counts),
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/me", guarded(my_servers))
    app.router.add_get("/me/export", guarded(export))
    app.router.add_get("/me/forget", guarded(forget_form))
    app.router.add_post("/me/forget", guarded(forget))
    app.router.add_post("/me/timezone", guarded(set_timezone))
    app.router.add_post("/me/privacy", guarded(set_privacy))
    app.router.add_get(f"/me/{GUILD_ID}", guarded(server_page))
    app.router.add_post(f"/me/{GUILD_ID}/reminder", guarded(set_reminder))


__all__ = ["add_routes"]
