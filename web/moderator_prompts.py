"""Moderator pages for prompts and reading plans, under ``/mod/{guild_id}/prompts``.

Every handler runs past :func:`web.moderator.moderator_page` and calls :mod:`bot.actions` for
anything it changes, with the gate's :class:`~bot.actions.Actor`: validation, the moderator rule,
the write and its audit entry are the actions', exactly as for ``/prompt``. A prompt id in a URL
is looked up within the URL's server only, so an id of another server answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.storage import prompts as store
from bot.storage import streaks as member_store
from bot.storage.guild_settings import get_setting
from bot.storage.prompts import Schedule
from bot.timezones import parse_timezone
from web.moderator import PREFIX, Moderating, layout_of, moderator_page
from web.render import CONTEXT_KEY, render

PAGE_SIZE: Final = 50
LISTED_RUNS: Final = 3


def when(moment: datetime, zone: ZoneInfo) -> dict[str, str]:
    local = moment.astimezone(zone)
    return {"iso": moment.isoformat(), "text": local.strftime("%a %d %b %Y %H:%M")}


async def viewer_zone(request: web.Request, user_id: int, server_zone: str) -> str:
    """The viewer's own zone (their ``/me timezone``), else the server's."""
    settings = await member_store.get_member_settings(request.app[CONTEXT_KEY].db, user_id)
    return settings.timezone or server_zone


def next_runs(schedule: Schedule, count: int) -> list[datetime]:
    """The next ``count`` posts: the stored next run (which a skip or pause moved) and after it."""
    if schedule.next_run_at is None or schedule.status != "active":
        return []
    return [schedule.next_run_at, *schedule.recurrence.upcoming(schedule.next_run_at, count - 1)]


def runs_in(moments: list[datetime], server: ZoneInfo, viewer: ZoneInfo) -> list[dict[str, Any]]:
    return [{"server": when(m, server), "viewer": when(m, viewer)} for m in moments]


async def index(request: web.Request, mod: Moderating) -> web.StreamResponse:
    raise web.HTTPSeeOther(f"{mod.base}/prompts")


async def prompt_list(request: web.Request, mod: Moderating) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    total = await store.count_schedules(context.db, mod.guild_id)
    schedules = await store.list_schedules(
        context.db, mod.guild_id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    server_zone_name = str(await get_setting(context.db, mod.guild_id, "timezone"))
    viewer_zone_name = await viewer_zone(request, mod.user.user_id, server_zone_name)
    server_zone, viewer = parse_timezone(server_zone_name), parse_timezone(viewer_zone_name)
    layout = await layout_of(request, mod.guild_id)
    rows = [
        {
            "id": s.id,
            "what": s.content.describe(),
            "when": s.recurrence.describe(),
            "channel": layout.channel_name(s.channel_id) or str(s.channel_id),
            "status": s.status,
            "paused_reason": s.paused_reason or "",
            "runs": runs_in(next_runs(s, LISTED_RUNS), s.recurrence.zone, viewer),
            "url": f"{mod.base}/prompts/{s.id}",
        }
        for s in schedules
    ]
    return await render(
        request,
        "mod_prompts.html",
        title=f"Prompts · {mod.server}",
        mod=mod,
        section="prompts",
        prompts=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        server_zone=server_zone.key,
        viewer_zone=viewer.key,
        flash="",
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX, moderator_page(index))
    app.router.add_get(PREFIX + "/prompts", moderator_page(prompt_list))


__all__ = ["add_routes"]
