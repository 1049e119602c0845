"""The aiohttp application: middlewares for errors, security headers, sessions and CSRF; routes.

Every response carries the security headers; every state-changing request must carry the
session's CSRF token (a form's hidden ``csrf_token``) or it is refused with a 403 page before any
handler runs; every error becomes a page that says what to do, never a traceback.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from aiohttp import web
from aiohttp_session import get_session
from aiohttp_session import setup as setup_sessions
from cryptography.fernet import Fernet

from bot.i18n import N_, _
from web import auth, group, language, member, moderator_prompts, moderator_settings, reader
from web.context import WebContext
from web.fairness import LoopShare
from web.language import language_middleware
from web.render import CONTEXT_KEY, render, setup_templates
from web.sessions import SESSION_SECONDS, LenientCookieStorage

log = logging.getLogger(__name__)

STATIC: Final = Path(__file__).resolve().parent / "static"
MAX_BODY: Final = 64 * 1024
"""Forms here are a few fields; nothing needs more."""

CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
UNSAFE_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    # A response may narrow or set its own policy (a chart image allows its inline styles).
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # Pages differ for a signed-in visitor: a shared cache must not hand one to the other.
    response.headers["Vary"] = "Cookie, Accept-Language"  # pages speak the reader's language
    if request.app[CONTEXT_KEY].settings.secure_cookies:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


ERROR_PAGES: Final[dict[int, tuple[str, str]]] = {
    404: (N_("Page not found"), N_("There is no page at this address.")),
    405: (N_("Not allowed here"), N_("This page cannot be used that way.")),
    413: (N_("Too much"), N_("That request was too large.")),
}
"""The HTTP errors aiohttp raises itself, as a heading and a sentence for the error page."""


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """HTTP errors as pages; anything unexpected logged and shown as a short apology."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        page = ERROR_PAGES.get(exc.status)
        if page is not None:
            heading, message = page
            return await render(
                request, "error.html", status=exc.status, heading=_(heading), message=_(message)
            )
        raise
    except Exception:
        log.exception("page %s %s failed", request.method, request.path)
        return await render(
            request,
            "error.html",
            status=500,
            heading=_("Something went wrong"),
            message=_("The page could not be shown. Please try again in a moment."),
        )


@web.middleware
async def csrf_protection(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A state-changing request needs the session's token; checked before any handler runs."""
    if request.method in UNSAFE_METHODS:
        context = request.app[CONTEXT_KEY]
        origin = request.headers.get("Origin")
        session = await get_session(request)
        expected = session.get("csrf")
        form = await request.post()
        given = form.get("csrf_token")
        trusted_origin = origin is None or origin == context.settings.base_url
        if (
            not trusted_origin
            or not isinstance(expected, str)
            or not isinstance(given, str)
            or not secrets.compare_digest(expected.encode(), given.encode())
        ):
            return await render(
                request,
                "error.html",
                status=403,
                heading=_("Request refused"),
                message=_(
                    "This form had expired or did not come from this site, so nothing "
                    "was changed. Go back, reload the page and try again."
                ),
            )
    return await handler(request)


async def healthz(request: web.Request) -> web.Response:
    context = request.app[CONTEXT_KEY]
    try:
        await context.db.fetchone("SELECT 1")
        database = "ok"
    except Exception:
        log.warning("health check: the database did not answer", exc_info=True)
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return web.json_response(
        {
            "status": "ok" if status == 200 else "degraded",
            "database": database,
            "texts": len(context.library.documents),
        },
        status=status,
        headers={"Cache-Control": "no-store"},
    )


def create_app(context: WebContext) -> web.Application:
    """The whole site, ready for an ``AppRunner`` (or aiohttp's test client)."""
    gate = [LoopShare().middleware] if context.share_loop else []
    app = web.Application(
        client_max_size=MAX_BODY, middlewares=[*gate, security_headers, error_pages]
    )
    app[CONTEXT_KEY] = context
    storage = LenientCookieStorage(
        Fernet(context.session_key),
        cookie_name="manifesto_session",
        max_age=SESSION_SECONDS,
        secure=context.settings.secure_cookies,
        httponly=True,
        samesite="Lax",
    )
    setup_sessions(app, storage)
    app.middlewares.append(language_middleware)
    app.middlewares.append(csrf_protection)
    setup_templates(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static", STATIC, append_version=False)
    reader.add_routes(app)
    auth.add_routes(app)
    member.add_routes(app)
    moderator_prompts.add_routes(app)
    group.add_routes(app)
    moderator_settings.add_routes(app)
    language.add_routes(app)
    return app
