"""Jinja2 templates (autoescaped) and the helpers every page shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import jinja2
from aiohttp import web

from bot import i18n
from web.context import WebContext
from web.sessions import signed_in

CONTEXT_KEY: Final = web.AppKey("context", WebContext)
TEMPLATES_KEY: Final = web.AppKey("templates", jinja2.Environment)
TEMPLATES: Final = Path(__file__).resolve().parent / "templates"


def setup_templates(app: web.Application) -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The catalogs' functions, which read the request's language from bot.i18n's context.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n._, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters["number"] = i18n.number
    app[TEMPLATES_KEY] = env


def here(request: web.Request) -> str:
    """This page's path and query, as a ``next=`` for the sign-in link."""
    return request.rel_url.path_qs


async def render(
    request: web.Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> web.Response:
    env = request.app[TEMPLATES_KEY]
    values.setdefault("title", values.get("heading", ""))
    user = await signed_in(request)
    page = env.get_template(template).render(
        user=user,
        csrf=user.csrf if user is not None else "",
        here=here(request),
        query=values.pop("query", ""),
        language=i18n.current(),
        languages=[(code, i18n.NATIVE_NAMES.get(code, code)) for code in i18n.available()],
        **values,
    )
    response = web.Response(
        text=page, status=status, content_type="text/html", charset="utf-8", headers=headers
    )
    if user is not None:
        response.headers["Cache-Control"] = "no-store"  # a member's page stays in their browser
    return response
