"""Web pages in each shipped language: the signed-in member's Discord locale, else the browser's
Accept-Language, else English, and the switcher's choice over both."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.web.conftest import ALICE, FakeDiscord, sign_in

Client = TestClient[web.Request, web.Application]

HEADINGS = {
    "en": "<h1>The texts</h1>",
    "es": "<h1>Los textos</h1>",
    "de": "<h1>Die Texte</h1>",
    "ru": "<h1>Тексты</h1>",
}


@pytest.mark.parametrize(
    ("accept", "language"),
    [("es-ES,es;q=0.9", "es"), ("de-DE,de;q=0.8,en;q=0.5", "de"), ("ru", "ru"), ("", "en")],
)
async def test_a_page_speaks_the_browsers_language(
    client: Client, accept: str, language: str
) -> None:
    html = await (await client.get("/", headers={"Accept-Language": accept})).text()
    assert f'<html lang="{language}">' in html
    assert HEADINGS[language] in html


async def test_an_unshipped_language_falls_to_the_next_choice_then_english(client: Client) -> None:
    html = await (await client.get("/", headers={"Accept-Language": "ja,ru;q=0.5"})).text()
    assert HEADINGS["ru"] in html
    html = await (await client.get("/", headers={"Accept-Language": "ja"})).text()
    assert HEADINGS["en"] in html


async def test_the_switcher_remembers_a_choice_over_the_browsers(client: Client) -> None:
    switched = await client.get("/language/de?next=/texts/anti-ai", allow_redirects=False)
    assert switched.status == 302 and switched.headers["Location"] == "/texts/anti-ai"
    html = await (await client.get("/", headers={"Accept-Language": "es"})).text()
    assert HEADINGS["de"] in html
    # Every page offers the switch, each language named in itself.
    assert 'href="/language/ru?next=/"' in html and ">Русский<" in html
    assert (await client.get("/language/xx", allow_redirects=False)).status == 404


async def test_a_signed_in_member_gets_their_discord_language(
    client: Client, discord: FakeDiscord
) -> None:
    discord.users[ALICE]["user"]["locale"] = "es-ES"
    await sign_in(client, discord, ALICE)
    html = await (await client.get("/me", headers={"Accept-Language": "de"})).text()
    assert "<h1>Tu lectura</h1>" in html
