"""The public pages: texts, permalinks, search, health, errors, headers."""

from __future__ import annotations

import re

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.library import Library
from bot.search import SearchEngine

Client = TestClient[web.Request, web.Application]


async def test_index_lists_every_text(client: Client, library: Library) -> None:
    response = await client.get("/")
    html = await response.text()
    assert response.status == 200
    for document in library.documents.values():
        assert f'href="/texts/{document.slug}"' in html


async def test_text_page_has_every_paragraph_ref_as_its_id(
    client: Client, library: Library
) -> None:
    html = await (await client.get("/texts/anti-ai")).text()
    ids = set(re.findall(r'<p id="([^"]+)" class="para"', html))
    expected = {p.ref for p in library.paragraphs("anti-ai")}
    assert ids == expected
    assert 'id="anti-ai:immediate-demands:2"' in html


async def test_footnotes_link_both_ways(client: Client, library: Library) -> None:
    html = await (await client.get("/texts/anti-ai")).text()
    cited = next(p for p in library.paragraphs("anti-ai") if p.notes)
    label = cited.notes[0]
    assert f'href="#anti-ai:note:{label}" id="cite-{cited.ref}-{label}"' in html
    assert f'<li id="anti-ai:note:{label}"' in html
    assert f'href="#cite-{cited.ref}-{label}"' in html


async def test_unknown_text_is_a_404_page(client: Client) -> None:
    response = await client.get("/texts/no-such-text")
    assert response.status == 404
    assert "There is no text called" in await response.text()


async def test_permalink_redirects_to_the_highlighted_paragraph(client: Client) -> None:
    response = await client.get("/p/anti-ai:immediate-demands:2", allow_redirects=False)
    assert response.status == 302
    location = response.headers["Location"]
    assert location == ("/texts/anti-ai?hl=anti-ai:immediate-demands:2#anti-ai:immediate-demands:2")
    html = await (await client.get(location.split("#")[0])).text()
    assert 'id="anti-ai:immediate-demands:2" class="para hl" aria-current="location"' in html


async def test_permalink_forgives_like_quote(client: Client) -> None:
    response = await client.get("/p/anti ai immediate 2", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"].endswith("#anti-ai:immediate-demands:2")


async def test_unknown_permalink_suggests_the_closest(client: Client) -> None:
    response = await client.get("/p/anti-ai:immediate-demandz:99")
    html = await response.text()
    assert response.status == 404
    assert 'href="/p/anti-ai:immediate-demands' in html
    assert "Traceback" not in html


async def test_search_bolds_matches_and_links_paragraphs(client: Client) -> None:
    response = await client.get("/search", params={"q": "sledgehammer"})
    html = await response.text()
    assert response.status == 200
    assert re.search(r"<strong>[Ss]ledgehammer", html)
    assert 'href="/p/anti-ai:' in html


async def test_search_pages(client: Client) -> None:
    first = await (await client.get("/search", params={"q": "machines"})).text()
    assert "page 1 of" in first
    assert 'rel="next" href="/search?q=machines&amp;page=2"' in first
    second = await (await client.get("/search", params={"q": "machines", "page": "2"})).text()
    assert "page 2 of" in second and 'rel="prev"' in second
    assert '<ol class="results" start="11">' in second
    beyond = await (await client.get("/search", params={"q": "machines", "page": "999"})).text()
    assert "page 999" not in beyond


async def test_over_long_search_is_a_clear_400(client: Client) -> None:
    response = await client.get("/search", params={"q": "word " * 500})
    html = await response.text()
    assert response.status == 400
    assert "too long" in html


async def test_search_without_results_suggests_words(client: Client) -> None:
    html = await (await client.get("/search", params={"q": "sledgehamer"})).text()
    assert "sledgehammer" in html


async def test_search_box_on_every_page(client: Client) -> None:
    for page in ("/", "/texts/technocommunist", "/search?q=ai", "/nowhere"):
        assert 'role="search"' in await (await client.get(page)).text()


async def test_security_headers_on_every_response(client: Client) -> None:
    for page in ("/", "/texts/anti-ai", "/nowhere", "/healthz"):
        response = await client.get(page)
        csp = response.headers["Content-Security-Policy"]
        # Scripts only from the site's own files (the live preview): never inline or eval.
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
        assert "'unsafe-inline'" not in csp and "default-src 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


async def test_templates_escape_user_text(client: Client) -> None:
    html = await (await client.get("/search", params={"q": "<script>alert(1)</script>"})).text()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


async def test_healthz_is_json(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["texts"] == 2


async def test_search_marks_the_results_found_by_meaning(
    client: Client, engine: SearchEngine
) -> None:
    html = await (await client.get("/search?q=kids")).text()
    listed = html[html.index('<ol class="results"') :]
    items = re.findall(r"<li>.*?</li>", listed[: listed.index("</ol>")], re.S)
    hits = engine.search("kids", limit=len(items))
    assert items and len(items) == len(hits)
    assert any(hit.by_meaning for hit in hits)
    for item, hit in zip(items, hits, strict=True):
        assert hit.passage.ref in item
        assert ("found by meaning" in item) == hit.by_meaning


async def test_more_like_this_lists_the_closest_passages_but_not_the_neighbours(
    client: Client, engine: SearchEngine
) -> None:
    ref = "anti-ai:introduction:3"
    response = await client.get(f"/similar/{ref}")
    html = await response.text()
    assert response.status == 200
    linked = re.findall(r'<h2><a href="/p/([^"]+)">', html)
    assert linked == [hit.passage.ref for hit in engine.similar(ref)]
    assert len(linked) == 5
    assert not {ref, "anti-ai:introduction:2", "anti-ai:introduction:4"} & set(linked)


async def test_a_linked_paragraph_offers_more_like_this(client: Client) -> None:
    html = await (await client.get("/texts/anti-ai?hl=anti-ai:introduction:3")).text()
    assert 'href="/similar/anti-ai:introduction:3">More like this</a>' in html


async def test_more_like_this_for_an_unknown_paragraph_is_a_404_page(client: Client) -> None:
    response = await client.get("/similar/anti-ai:nowhere:9")
    assert response.status == 404
    assert "No paragraph has the reference" in await response.text()
