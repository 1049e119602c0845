"""The public reader in a real browser: texts, permalinks from ``/quote``, search, bad input.

The bot and emulator are the session's (see conftest): the ``/quote`` embed's link comes from the
bot's own reply through the emulator, as a member in Discord would click it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from playwright.async_api import Page

from tests.browser.harness import PHONE, audit, horizontal_overflow
from tests.browser.webworld import WebWorld

REF = "anti-ai:introduction:3"
REF_SHAPE = re.compile(r"^[a-z0-9-]+:[a-z0-9-]+:\d+$")


async def _is_highlighted(page: Page, ref: str) -> bool:
    highlighted: bool = await page.evaluate(
        """(ref) => {
            const target = document.getElementById(ref);
            if (!target) return false;
            const marked = target.matches(":target") || target.classList.contains("hl");
            const others = [...document.querySelectorAll(".para")].filter((p) => p !== target);
            const look = (e) => getComputedStyle(e).backgroundColor;
            const differs = others.length > 0 && others.every((p) => look(p) !== look(target));
            return marked && differs;
        }""",
        ref,
    )
    return highlighted


async def _in_view(page: Page, ref: str) -> bool:
    visible: bool = await page.evaluate(
        """(ref) => {
            const box = document.getElementById(ref).getBoundingClientRect();
            return box.top >= 0 && box.top < window.innerHeight;
        }""",
        ref,
    )
    return visible


async def test_a_quote_embeds_link_lands_on_the_highlighted_paragraph(
    web: WebWorld, page: Page
) -> None:
    reply = await web.alice.run("/quote", reference=REF)
    link = reply.embed.get("url")
    assert link, f"the /quote embed has no link: {reply.embed}"
    assert unquote(link) == web.url(f"/p/{REF}")
    await page.set_viewport_size(PHONE)
    response = await page.goto(link)
    assert response is not None and response.ok
    landed = urlsplit(page.url)
    assert landed.path == "/texts/anti-ai" and unquote(landed.fragment) == REF
    assert await _is_highlighted(page, REF)
    assert await _in_view(page, REF)
    assert await horizontal_overflow(page) == 0
    await audit(page, "text-highlighted", full_page=False)
    # More like this, as the /quote button offers it in Discord: five passages by meaning.
    await page.get_by_role("link", name="More like this").click()
    await page.wait_for_url(re.compile(r"/similar/"))
    close = page.locator("#main ol.results > li")
    assert await close.count() == 5
    assert await page.locator("#main ol.results .meaning").count() == 5
    await audit(page, "similar")


async def test_the_texts_read_whole_with_a_permalink_per_paragraph(
    web: WebWorld, page: Page
) -> None:
    await page.goto(web.url("/"))
    await audit(page, "index")
    assert await page.get_by_role("search").count() == 1
    texts = page.locator("#main a[href^='/texts/']")
    assert await texts.count() == 2
    await texts.first.click()
    await page.wait_for_url(re.compile(r"/texts/[a-z0-9-]+$"))
    ids = await page.locator("#main .para").evaluate_all("(ps) => ps.map((p) => p.id)")
    assert len(ids) > 20 and all(REF_SHAPE.match(i) for i in ids), ids[:5]
    assert len(set(ids)) == len(ids)
    # Every in-page link (table of contents, footnotes and their way back) has its target.
    broken = await page.evaluate(
        """() => [...document.querySelectorAll("a[href^='#']")]
            .map((a) => decodeURIComponent(a.getAttribute("href").slice(1)))
            .filter((id) => id && !document.getElementById(id))"""
    )
    assert broken == []
    assert await page.get_by_role("search").count() == 1
    await audit(page, "text", full_page=False)


async def test_search_bolds_the_words_pages_and_links_to_paragraphs(
    web: WebWorld, page: Page
) -> None:
    await page.goto(web.url("/"))
    await page.get_by_label("Search the texts").fill("workres")  # a typo, forgiven
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_url(re.compile(r"/search\?"))
    results = page.locator("#main ol.results > li")
    assert await results.count() > 0
    bold = await page.locator("#main ol.results strong").all_inner_texts()
    assert bold and all("work" in word.lower() for word in bold), bold
    await audit(page, "search")
    if await page.get_by_role("link", name="Next page").count():
        await page.get_by_role("link", name="Next page").click()
        await page.wait_for_url(re.compile(r"page=2"))
        assert await results.count() > 0
    first = page.locator("#main ol.results > li h2 a").first
    await first.click()
    await page.wait_for_load_state()
    ref = unquote(urlsplit(page.url).fragment)
    assert REF_SHAPE.match(ref) and await _is_highlighted(page, ref)


async def test_search_says_why_a_result_sharing_no_word_is_there(web: WebWorld, page: Page) -> None:
    # Note 12 quotes a headline; the paragraph citing it comes next, brought by the note.
    await page.goto(web.url("/search?q=A+Debate+About+A.I.+Plays+Out+on+the+Subway+Walls"))
    results = page.locator("#main ol.results > li")
    assert "Note 12" in await results.nth(0).inner_text()
    marks = await page.locator("#main ol.results .meaning").all_inner_texts()
    assert marks and marks[0] == "↳ through its note 12", marks
    assert await results.nth(1).locator("strong").all_inner_texts() == ["12"]
    await audit(page, "search-through-a-note", full_page=False)
    await page.goto(web.url("/search?q=kids"))
    marks = await page.locator("#main ol.results .meaning").all_inner_texts()
    assert marks and all(mark == "≈ found by meaning" for mark in marks), marks


async def test_bad_addresses_and_queries_get_a_clear_page(web: WebWorld, page: Page) -> None:
    response = await page.goto(web.url("/texts/no-such-text"))
    assert response is not None and response.status == 404
    await audit(page, "text-not-found")

    response = await page.goto(web.url("/p/anti-ai:introduction:999"))
    assert response is not None and response.status == 404
    suggestions = await page.locator("#main ul.suggestions a").all_inner_texts()
    assert suggestions and all(s.startswith("anti-ai:") for s in suggestions), suggestions
    await audit(page, "paragraph-not-found")

    response = await page.goto(web.url("/p/anti-ai introduction 3"))  # forgiving, like /quote
    assert response is not None and response.ok
    assert unquote(urlsplit(page.url).fragment) == REF

    response = await page.goto(web.url("/search?q=" + "solidarity " * 500))
    assert response is not None and response.status == 400
    assert "too long" in await page.locator("#main [role=alert]").inner_text()
    await audit(page, "search-too-long")

    response = await page.goto(web.url("/search"))
    assert response is not None and response.ok
    assert await page.locator("#main p").first.inner_text()  # says what to type
    await audit(page, "search-empty")

    for junk in ("/search?q=workers&page=-1", "/search?q=workers&page=abc", "/p/%00"):
        response = await page.goto(web.url(junk))
        assert response is not None and response.status < 500, junk
        assert "Traceback" not in await page.content(), junk
