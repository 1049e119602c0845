"""Serving the web app: inside the bot process (same event loop) or as a process of its own.

Both log ``web app listening on http://HOST:PORT`` once the socket is bound, which is what
supervisors and the browser tests wait for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.config import Settings, WebSettings
from bot.errors import BotError
from bot.library import Library
from bot.membership import CachedMembership, MembershipSource, RestMembership
from bot.search import SearchEngine
from bot.session_key import session_key
from bot.startup import open_core, stop_on_signals
from bot.storage import Database
from web.app import create_app
from web.context import WebContext

log = logging.getLogger(__name__)


def _nothing() -> None:
    return None


async def start_web(
    web_settings: WebSettings,
    db: Database,
    library: Library,
    engine: SearchEngine,
    membership: MembershipSource,
    *,
    reminders_changed: Callable[[], None] = _nothing,
    share_loop: bool = False,
) -> web.AppRunner:
    """Bind the site and return its runner (``await runner.cleanup()`` stops it)."""
    context = WebContext(
        settings=web_settings,
        db=db,
        library=library,
        engine=engine,
        membership=CachedMembership(membership),
        session_key=await session_key(db, web_settings.secret_key),
        reminders_changed=reminders_changed,
        share_loop=share_loop,
    )
    runner = web.AppRunner(create_app(context), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, web_settings.host, web_settings.port)
    await site.start()
    for address in runner.addresses:
        host, port = address[0], address[1]
        shown = f"[{host}]" if ":" in host else host
        log.info(
            "web app listening on http://%s:%d (public address %s)",
            shown,
            port,
            web_settings.base_url,
        )
    return runner


async def serve_alone(settings: Settings) -> int:
    """``python -m bot web``: the site alone, asking Discord's REST API with the bot token."""
    web_settings = settings.web
    if web_settings is None:
        log.error("cannot start: WEB_BASE_URL is not set (see docs/web.md)")
        return 2
    try:
        core = await open_core(settings)
    except BotError as exc:
        log.error("cannot start: %s", exc.message)
        return 1
    db = core.db
    membership = RestMembership(web_settings.api_base, settings.token)
    stop = stop_on_signals()
    try:
        runner = await start_web(web_settings, db, core.library, core.engine, membership)
        try:
            await stop.wait()
            log.info("shutting down")
        finally:
            await runner.cleanup()
    finally:
        await membership.close()
        await db.close()
        log.info("database closed")
    return 0
