"""Every moderator page under the pseudo-locale: any text left in plain English did not go
through the catalogs.

The pages are filled with what a running group has (meetings ended and running, corrections,
prompts paused and active, a reading plan with readers, audit entries, several pages of lists,
form errors, previews and notices), then read as a browser shows them: the visible text and the
``alt``, ``aria-label`` and ``placeholder`` a screen reader or an empty field shows. What the
group itself wrote (server, channel, meeting and text names, questions) is taken out first;
whatever is left must be accented.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from babel import Locale

from bot import i18n
from bot.actions import Actor
from bot.actions.meetings import correct_attendance
from bot.library import Library
from bot.storage import Database
from bot.storage import prompts as prompt_store
from bot.storage.reading_log import record_reading
from bot.streaks.progress import readable_sections
from tests.pseudo import VOCABULARY
from tests.web.conftest import (
    ALICE,
    CAROL,
    CHANNEL_A,
    GUILD_A,
    FakeDiscord,
    csrf_of,
    make_meeting,
    sign_in,
)

Client = TestClient[web.Request, web.Application]
NOW = datetime.now(UTC).replace(microsecond=0)
_SHOWN_ATTRIBUTES = ("alt", "aria-label", "placeholder")
_EN = Locale.parse("en")
_ENGLISH_CALENDAR = frozenset(
    name.lower()
    for width in ("abbreviated", "wide")
    for names in (_EN.days["format"][width], _EN.months["format"][width])
    for name in names.values()
)
"""English weekday and month names: a date written by ``strftime`` instead of Babel."""
_WORD = re.compile(r"(?<![\w./#@:{-])[A-Za-z]{2,}(?![\w/-])")


class _Visible(HTMLParser):
    """The text a reader sees or hears, outside scripts and styles, quotes of the published
    texts (only English editions exist) and the audit log's stored states (raw records)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in ("script", "style", "blockquote") or "state" in classes.split():
            self._hidden.append(tag)
        elif self._hidden and tag == self._hidden[-1]:
            self._hidden.append(tag)  # nested same tags inside a hidden one
        for name, value in attrs:
            if name in _SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return "\n".join(parser.parts)


def english_left(page: str, data: list[str]) -> list[str]:
    """Plain English in ``page``: a run of two unaccented words, or one of the bot's own words
    or an English weekday or month, once the group's own names in ``data`` are taken out."""
    text = visible_text(page)
    for value in sorted(data, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    found = []
    for line in text.splitlines():
        words = [(m.start(), m.group()) for m in _WORD.finditer(line)]
        for (start, word), following in zip(words, [*words[1:], None], strict=False):
            lowered = word.lower()
            if (len(word) >= 4 and lowered in VOCABULARY) or lowered in _ENGLISH_CALENDAR:
                found.append(word)
            elif following is not None and re.fullmatch(
                r"[\s,;()]+", line[start + len(word) : following[0]]
            ):
                found.append(f"{word} {following[1]}")
    return found


async def _meeting(db: Database, title: str, *, members: tuple[int, ...], ended: bool) -> int:
    return await make_meeting(db, GUILD_A, title, members=members, now=NOW, ended=ended)


async def test_no_moderator_page_is_left_in_plain_english(
    client: Client,
    discord: FakeDiscord,
    sqlite_db: Database,
    library: Library,
    pseudo_locale: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import web.group

    monkeypatch.setattr(web.group, "MEETINGS_PER_PAGE", 1)  # the pager shows with two meetings
    base = f"/mod/{GUILD_A}"
    ended = await _meeting(sqlite_db, "Chapter One", members=(CAROL, 555), ended=True)
    running = await _meeting(sqlite_db, "Chapter Two", members=(CAROL,), ended=False)
    actor = Actor(ALICE, GUILD_A, True, "alice")
    for n in range(26):  # more than a page of audit entries
        await correct_attendance(sqlite_db, actor, ended, 900 + n, present=True, now=NOW)
    sections = readable_sections(library.documents["anti-ai"])
    for reader in (777001, 777002):
        await record_reading(
            sqlite_db,
            guild_id=GUILD_A,
            user_id=reader,
            document="anti-ai",
            section=sections[0].slug,
            ref=f"anti-ai:{sections[0].slug}",
            read_on=NOW.date(),
            source="command",
            now=NOW,
        )

    await sign_in(client, discord, ALICE)
    assert (await client.get(f"/language/{pseudo_locale}", allow_redirects=False)).status == 302
    pages: dict[str, str] = {}

    async def post(url: str, data: dict[str, str], name: str) -> None:
        token = await csrf_of(client, url)
        response = await client.post(url, data={**data, "csrf_token": token})
        pages[name] = await response.text()

    plan = {
        "content": "reading",
        "document": "anti-ai",
        "start": sections[0].slug,
        "unit": "section",
        "paragraphs": "3",
        "text": "What stood out?",
        "channel": str(CHANNEL_A),
        "thread": "Talk: {title}",
        "archive": "1440",
        "ping": "",
        "repeat": "daily",
        "time": "18:00",
        "timezone": "Europe/Berlin",
    }
    await post(f"{base}/prompts/new", {**plan, "action": "preview"}, "preview")
    await post(f"{base}/prompts/new", {**plan, "repeat": "cron", "cron": "nope"}, "errors")
    await post(f"{base}/prompts/new", {**plan, "action": "save"}, "created")
    question = {**plan, "content": "question", "document": "", "start": "", "action": "save"}
    await post(f"{base}/prompts/new", question, "created question")
    schedules = await prompt_store.list_schedules(sqlite_db, GUILD_A)
    plan_id = next(s.id for s in schedules if s.content.kind == "reading")
    other = next(s.id for s in schedules if s.content.kind == "question")
    for action in ("skip", "run", "pause"):
        await post(f"{base}/prompts/{other}/{action}", {}, f"{action}ped")
    await post(f"{base}/prompts/{plan_id}", {**plan, "time": "19:00"}, "saved")
    correction = {"member": str(CAROL), "present": "no", "reason": "left early"}
    await post(f"{base}/meetings/{ended}/attendance", correction, "corrected")
    await post(f"{base}/meetings/{ended}/attendance", {"member": "x"}, "bad correction")
    for name, url in {
        "prompts": f"{base}/prompts",
        "new": f"{base}/prompts/new",
        "plan": f"{base}/prompts/{plan_id}",
        "paused": f"{base}/prompts/{other}",
        "remove": f"{base}/prompts/{other}/remove",
        "meetings": f"{base}/meetings",
        "meetings 2": f"{base}/meetings?page=2",
        "meeting": f"{base}/meetings/{ended}",
        "running": f"{base}/meetings/{running}",
        "member": f"{base}/attendance?member={CAROL}",
        "reading": f"{base}/reading?text=anti-ai",
        "audit": f"{base}/audit",
        "audit 2": f"{base}/audit?page=2",
        "audit errors": f"{base}/audit?member=x&by=y&from=z",
        "missing meeting": f"{base}/meetings/99999",
        "missing prompt": f"{base}/prompts/99999",
        "bad export": f"{base}/meetings/export.csv?from=yesterday",
        "meetings chart": f"{base}/meetings/chart.svg",
        "member chart": f"{base}/attendance/chart.svg?member={CAROL}",
        "reading chart": f"{base}/reading/chart.svg?text=anti-ai",
        # The member's pages a moderator passes through on the way.
        "me": "/me",
        "server": f"/me/{GUILD_A}",
    }.items():
        pages[name] = await (await client.get(url)).text()
    paused = await prompt_store.get_schedule(sqlite_db, GUILD_A, other)
    assert paused.status == "paused" and paused.paused_reason == "paused by alice"
    await post(f"{base}/prompts/{other}/remove", {}, "removed")
    document = library.documents["anti-ai"]
    data = [
        "Reading Group",
        "Chapter One",
        "Chapter Two",
        "What stood out?",
        "Talk: {title}",
        "left early",
        "Manifesto Bot",
        "Europe/Berlin",
        "UTC",
        "0 18 * * sun",  # input syntax: placeholders of what to type
        "sun",
        *(d.title for d in library.documents.values()),
        *(s.title for d in library.documents.values() for s in d.walk()),
        document.title,
        *i18n.NATIVE_NAMES.values(),
    ]
    left = {name: english_left(html_lib.unescape(page), data) for name, page in pages.items()}
    report = "\n".join(f"{name}: {sorted(set(words))}" for name, words in left.items() if words)
    assert not report, report


def test_the_check_sees_plain_english() -> None:
    """The detector itself: English left anywhere a reader sees it is found, accents are not."""
    assert english_left("<p>Zorbly wuzzle</p>", []) == ["Zorbly wuzzle"]  # any two words
    assert english_left('<img alt="Line chart">', [])  # what a screen reader says
    assert english_left("<p>Wed 04 Mar</p>", []) == ["Wed", "Mar"]
    assert english_left("<p>Ŕéɱöʋé · Remove</p>", []) == ["Remove"]  # one word of the bot's
    assert english_left("<p>Šàʋé çöŕŕéçţîöñ ẋẋ · Reading Group</p>", ["Reading Group"]) == []
    assert english_left("<script>var a = 'plain words';</script>", []) == []


@pytest.mark.parametrize(
    ("language", "held", "calendar", "present"),
    [
        ("de", "1 Treffen abgehalten.", "Lesekalender", "Mitglieder, die jeden Abschnitt"),
        ("ru", "Проведена 1 встреча.", "Календарь чтения", "Сколько участников прочитали"),
        ("es", "1 reunión celebrada.", "Calendario de lectura", "Miembros que han leído"),
    ],
)
async def test_moderator_pages_in_each_language(
    client: Client,
    discord: FakeDiscord,
    sqlite_db: Database,
    language: str,
    held: str,
    calendar: str,
    present: str,
) -> None:
    base = f"/mod/{GUILD_A}"
    await _meeting(sqlite_db, "Chapter One", members=(CAROL,), ended=True)
    await sign_in(client, discord, ALICE)
    await client.get(f"/language/{language}", allow_redirects=False)
    new = f"{base}/prompts/new"
    fields = {
        "content": "reading",
        "document": "anti-ai",
        "unit": "section",
        "channel": str(CHANNEL_A),
        "archive": "1440",
        "repeat": "weekly",
        "time": "18:00",
        "days": "sun",
        "timezone": "Europe/Berlin",
        "action": "save",
    }
    created = await client.post(new, data={**fields, "csrf_token": await csrf_of(client, new)})
    page = await created.text()
    assert calendar in page
    # Dates by Babel in the language: a Sunday's short name, not strftime's English "Sun".
    sunday = Locale.parse(language).days["format"]["abbreviated"][6]
    assert f">{sunday}" in page and ">Sun " not in page
    assert held in await (await client.get(f"{base}/meetings")).text()
    assert present in await (await client.get(f"{base}/reading?text=anti-ai")).text()
