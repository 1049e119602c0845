"""The public pages: the texts, a permalink per paragraph, and search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote, urlencode

from aiohttp import web

from bot import i18n
from bot.errors import BadReference, BotError
from bot.i18n import _
from bot.library import Footnote
from bot.search.engine import MAX_QUERY_CHARS, SIMILAR_COUNT, SearchHit
from bot.search.snippet import result_mark, snippet_parts
from web.render import CONTEXT_KEY, render
from web.textbody import TextCache, highlighted, permalink, text_url

PER_PAGE: Final = 10
MAX_RESULTS: Final = 100
MAX_REF_CHARS: Final = 200
CACHE_KEY: Final = web.AppKey("texts", TextCache)


async def index(request: web.Request) -> web.Response:
    library = request.app[CONTEXT_KEY].library
    texts = [
        {
            "url": text_url(d.slug),
            "title": d.title,
            "author": d.author,
            "description": d.description,
        }
        for d in library.documents.values()
    ]
    return await render(request, "index.html", title=_("The texts"), texts=texts)


async def text_page(request: web.Request) -> web.Response:
    library = request.app[CONTEXT_KEY].library
    slug = request.match_info["slug"]
    if slug not in library.documents:
        known = [(d.title, text_url(d.slug)) for d in library.documents.values()]
        return await render(
            request,
            "not_found.html",
            status=404,
            title=_("No such text"),
            message=_("There is no text called “{slug}”.").format(slug=slug[:80]),
            links=known,
        )
    rendered = request.app[CACHE_KEY].get(slug)
    body = rendered.html
    linked = request.query.get("hl", "")[:MAX_REF_CHARS]
    if linked:
        body = highlighted(body, linked)
    return await render(
        request,
        "text.html",
        title=rendered.title,
        body=body,
        linked=linked,
        linked_url=f"#{quote(linked, safe=':-_.')}" if linked else "",
        similar_url=f"/similar/{quote(linked, safe=':-_.')}" if linked else "",
        headers={"Cache-Control": "public, max-age=300"} if not linked else None,
    )


async def paragraph(request: web.Request) -> web.StreamResponse:
    """302 to the paragraph in its text, highlighted; forgiving like ``/quote``; else 404."""
    library = request.app[CONTEXT_KEY].library
    typed = request.match_info["ref"][:MAX_REF_CHARS]
    try:
        try:
            passage = library.get(typed)
        except BadReference:
            passage = library.resolve(typed)
    except BadReference as exc:
        links = [(ref, permalink(ref)) for ref in exc.candidates[:5]]
        return await render(
            request,
            "not_found.html",
            status=404,
            title=_("No such paragraph"),
            message=(
                _("No paragraph has the reference “{ref}”. The closest ones:")
                if links
                else _("No paragraph has the reference “{ref}”.")
            ).format(ref=typed),
            links=links,
        )
    except BotError as exc:
        return await render(
            request,
            "not_found.html",
            status=404,
            title=_("No such paragraph"),
            message=exc.message,
            links=[],
        )
    ref = passage.ref
    anchor = quote(ref, safe=":-_.")
    location = f"{text_url(passage.document)}?{urlencode({'hl': ref})}#{anchor}"
    raise web.HTTPFound(location)


async def _no_results(
    request: web.Request, query: str, *, error: str = "", status: int = 200
) -> web.Response:
    """The search page with no results: empty, or refused with the reason."""
    return await render(
        request,
        "search.html",
        status=status,
        title=_("Search"),
        error=error,
        query=query,
        results=[],
        page=1,
        pages=1,
        total=0,
        suggestions=[],
        nav={},
    )


async def search(request: web.Request) -> web.Response:
    context = request.app[CONTEXT_KEY]
    query = request.query.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        too_long = _("That search is too long: use at most {limit} characters.").format(
            limit=i18n.number(MAX_QUERY_CHARS)
        )
        return await _no_results(request, query[:MAX_QUERY_CHARS], error=too_long, status=400)
    query = query.strip()
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    if not query:
        return await _no_results(request, "")
    try:
        hits = context.engine.search(query, limit=MAX_RESULTS)
    except BotError as exc:
        return await _no_results(request, query, error=exc.message, status=400)
    pages = max(1, -(-len(hits) // PER_PAGE))
    page = min(page, pages)
    first = (page - 1) * PER_PAGE
    results = _results(request, hits[first : first + PER_PAGE], start=first + 1)
    suggestions = (
        []
        if hits
        else [(word, "/search?" + urlencode({"q": word})) for word in context.engine.suggest(query)]
    )

    def link(number: int) -> str:
        return "/search?" + urlencode({"q": query, "page": number})

    nav = {
        "previous": link(page - 1) if page > 1 else "",
        "next": link(page + 1) if page < pages else "",
    }
    return await render(
        request,
        "search.html",
        title=_("Search: {query}").format(query=query[:60]),
        error="",
        query=query,
        results=results,
        page=page,
        pages=pages,
        total=len(hits),
        suggestions=suggestions,
        nav=nav,
    )


def _results(request: web.Request, hits: Sequence[SearchHit], start: int) -> list[dict[str, Any]]:
    """Hits as the result lists of the search and More like this pages show them."""
    library = request.app[CONTEXT_KEY].library
    results = []
    for number, hit in enumerate(hits, start=start):
        passage = hit.passage
        results.append(
            {
                "number": number,
                "ref": passage.ref,
                "url": permalink(passage.ref),
                "document": library.documents[passage.document].title,
                "where": (
                    _("Note {label}").format(label=passage.label)
                    if isinstance(passage, Footnote)
                    else library.section_path(passage)
                ),
                "parts": snippet_parts(passage.text, hit.terms, width=300),
                "by_meaning": hit.by_meaning,
                "mark": result_mark(hit),
            }
        )
    return results


async def similar(request: web.Request) -> web.Response:
    """The passages closest in meaning to one paragraph: the web's More like this."""
    context = request.app[CONTEXT_KEY]
    typed = request.match_info["ref"][:MAX_REF_CHARS]
    try:
        passage = context.library.get(typed)
        hits = context.engine.similar(passage.ref, limit=SIMILAR_COUNT)
    except BotError:
        return await render(
            request,
            "not_found.html",
            status=404,
            title=_("No such paragraph"),
            message=_("No paragraph has the reference “{ref}”.").format(ref=typed),
            links=[],
        )
    return await render(
        request,
        "similar.html",
        title=_("More like {ref}").format(ref=passage.ref),
        ref=passage.ref,
        ref_url=permalink(passage.ref),
        where=context.library.section_path(passage)
        if not isinstance(passage, Footnote)
        else _("Note {label}").format(label=passage.label),
        results=_results(request, hits, start=1),
    )


def add_routes(app: web.Application) -> None:
    app[CACHE_KEY] = TextCache(app[CONTEXT_KEY].library)
    app.router.add_get("/", index)
    app.router.add_get("/texts/{slug}", text_page)
    app.router.add_get("/p/{ref}", paragraph)
    app.router.add_get("/search", search)
    app.router.add_get("/similar/{ref}", similar)
