"""Which language a page speaks: the reader's choice, their Discord client's, their browser's.

A reader who picked a language with the switcher (a cookie) gets it; a signed-in member otherwise
gets their Discord client's language, read at sign-in; anyone else the best of their browser's
``Accept-Language`` the bot speaks, else English.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web
from aiohttp_session import get_session

from bot import i18n
from web.auth import safe_next

COOKIE: Final = "manifesto_lang"
YEAR: Final = 365 * 24 * 3600


def from_accept_language(header: str | None) -> str:
    """The best shipped language of an ``Accept-Language`` header, by its q-values."""
    if not header:
        return i18n.DEFAULT
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, position, tag.strip()))
    for _weight, _position, tag in sorted(ranked):
        if tag == "*":
            break
        language = i18n.resolve(tag)
        if language != i18n.DEFAULT or tag.lower().startswith("en"):
            return language
    return i18n.DEFAULT


async def page_language(request: web.Request) -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen and chosen in i18n.available():
        return chosen
    session = await get_session(request)
    locale = session.get("locale")
    if session.get("uid") is not None and isinstance(locale, str) and locale:
        return i18n.resolve(locale)
    return from_accept_language(request.headers.get("Accept-Language"))


@web.middleware
async def language_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Speak the page's language for the rest of the request (templates, errors, flashes)."""
    i18n.set_language(await page_language(request))
    response = await handler(request)
    return response


async def switch(request: web.Request) -> web.StreamResponse:
    """``/language/de?next=/p/…``: remember the choice and go back to the page."""
    code = request.match_info["code"]
    if code not in i18n.available():
        raise web.HTTPNotFound()
    target = safe_next(request.query.get("next"))
    response = web.HTTPFound(target)
    response.set_cookie(COOKIE, code, max_age=YEAR, samesite="Lax", httponly=True, path="/")
    raise response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/language/{code}", switch)
