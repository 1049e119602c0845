"""A member's pages: only their own servers, their own data; settings, export and forget."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from aiohttp import web
from aiohttp.test_utils import TestClient
from babel.dates import format_date

from bot.storage import Database
from bot.storage import streaks as store
from bot.storage.reading_log import record_reading
from tests.web.conftest import (
    ALICE,
    BOB,
    GUILD_A,
    GUILD_B,
    FakeDiscord,
    FakeMembership,
    csrf_of,
    sign_in,
)
from web import WebContext

Client = TestClient[web.Request, web.Application]
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


async def _read(db: Database, guild: int, user: int, section: str, day: date) -> None:
    await record_reading(
        db,
        guild_id=guild,
        user_id=user,
        document="anti-ai",
        section=section,
        ref=f"anti-ai:{section}",
        read_on=day,
        source="command",
        now=NOW,
    )


async def test_member_pages_need_sign_in(client: Client) -> None:
    for page in ("/me", f"/me/{GUILD_A}", "/me/export", "/me/forget"):
        response = await client.get(page)
        assert response.status == 401
        assert "Sign in" in await response.text()


async def test_server_page_shows_progress_streak_heatmap(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    today = datetime.now(UTC).date()
    await _read(sqlite_db, GUILD_A, ALICE, "introduction", today)
    await _read(sqlite_db, GUILD_A, BOB, "immediate-demands", today)  # someone else's
    await sign_in(client, discord, ALICE)
    response = await client.get(f"/me/{GUILD_A}")
    html = await response.text()
    assert response.status == 200
    assert "Reading Group" in html
    assert "Current streak</dt><dd>1 day" in html
    assert "Read: </span>" in html and "#anti-ai:introduction" in html
    # The heatmap cell of today, its date written by Babel for the page's language.
    assert f"{format_date(today, 'medium', locale='en')}: 1 reading" in html
    assert response.headers["Cache-Control"] == "no-store"


async def test_another_servers_page_is_404_without_its_data(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    await _read(sqlite_db, GUILD_B, BOB, "immediate-demands", datetime.now(UTC).date())
    await sign_in(client, discord, ALICE)
    for page in (f"/me/{GUILD_B}", "/me/333", f"/me/{GUILD_B}0"):
        response = await client.get(page)
        html = await response.text()
        assert response.status == 404, page
        main = html.split("<main")[1].split("</main>")[0]
        assert "Other Group" not in html and "Streak" not in main and "immediate" not in main
    posted = await client.post(
        f"/me/{GUILD_B}/reminder", data={"csrf_token": await csrf_of(client), "time": "20:30"}
    )
    assert posted.status == 404
    assert (await store.get_member_settings(sqlite_db, ALICE)).reminder_minute is None


async def test_leaving_a_server_closes_its_page_within_the_cache_time(
    client: Client, discord: FakeDiscord, members: FakeMembership
) -> None:
    await sign_in(client, discord, ALICE)
    assert (await client.get(f"/me/{GUILD_A}")).status == 200
    members.guilds[GUILD_A][1].discard(ALICE)
    assert (await client.get(f"/me/{GUILD_A}")).status == 404  # the fake source is not cached
    assert "Reading Group" not in await (await client.get("/me")).text()


async def test_post_without_csrf_is_refused_and_changes_nothing(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    await sign_in(client, discord, ALICE)
    await _read(sqlite_db, GUILD_A, ALICE, "introduction", datetime.now(UTC).date())
    for page, form in (
        ("/me/privacy", {"private": "yes"}),
        ("/me/timezone", {"zone": "Europe/Paris"}),
        (f"/me/{GUILD_A}/reminder", {"time": "20:30"}),
        ("/me/forget", {}),
    ):
        for extra in ({}, {"csrf_token": "wrong"}):
            response = await client.post(page, data={**form, **extra})
            assert response.status == 403, page
            assert "nothing was changed" in await response.text()
    settings = await store.get_member_settings(sqlite_db, ALICE)
    assert not settings.private and settings.timezone is None and settings.reminder_minute is None
    assert await store.sections_read(sqlite_db, GUILD_A, ALICE)


async def test_post_from_another_origin_is_refused(client: Client, discord: FakeDiscord) -> None:
    await sign_in(client, discord, ALICE)
    token = await csrf_of(client)
    response = await client.post(
        "/me/privacy",
        data={"csrf_token": token, "private": "yes"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status == 403


async def test_settings_forms_change_settings(
    client: Client, discord: FakeDiscord, sqlite_db: Database, context: WebContext
) -> None:
    woken: list[bool] = []
    context.reminders_changed = lambda: woken.append(True)
    await sign_in(client, discord, ALICE)
    token = await csrf_of(client)
    html = await (await client.get("/me")).text()
    assert '<option value="Europe/Paris">' in html  # the searchable list of zones
    response = await client.post("/me/timezone", data={"csrf_token": token, "zone": "europe/paris"})
    assert response.status == 200 and "Europe/Paris" in await response.text()
    bad = await client.post("/me/timezone", data={"csrf_token": token, "zone": "Mars/Olympus"})
    assert bad.status == 400
    await client.post("/me/privacy", data={"csrf_token": token, "private": "yes"})
    await client.post(f"/me/{GUILD_A}/reminder", data={"csrf_token": token, "time": "20:30"})
    wrong = await client.post(
        f"/me/{GUILD_A}/reminder", data={"csrf_token": token, "time": "25:99"}
    )
    assert "not a time of day" in await wrong.text()
    settings = await store.get_member_settings(sqlite_db, ALICE)
    assert settings.timezone == "Europe/Paris"
    assert settings.private
    assert settings.reminder_minute == 20 * 60 + 30 and settings.reminder_guild_id == GUILD_A
    assert woken


async def test_export_is_the_same_json_as_me_export(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    from bot.privacy import export_member

    await _read(sqlite_db, GUILD_A, ALICE, "introduction", datetime.now(UTC).date())
    await sign_in(client, discord, ALICE)
    response = await client.get("/me/export")
    assert response.status == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="my-data-{ALICE}.json"'
    body = json.loads(await response.read())
    assert body["user_id"] == ALICE
    expected = json.loads(json.dumps(await export_member(sqlite_db, ALICE), default=str))
    assert body["data"] == expected
    assert body["data"]["reading_log"]


async def test_forget_confirms_then_deletes(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    await _read(sqlite_db, GUILD_A, ALICE, "introduction", datetime.now(UTC).date())
    await _read(sqlite_db, GUILD_A, BOB, "introduction", datetime.now(UTC).date())
    await sign_in(client, discord, ALICE)
    page = await (await client.get("/me/forget")).text()
    assert "cannot be undone" in page and 'action="/me/forget"' in page
    assert await store.sections_read(sqlite_db, GUILD_A, ALICE)  # the page alone deletes nothing
    done = await client.post("/me/forget", data={"csrf_token": await csrf_of(client, "/me/forget")})
    assert done.status == 200
    assert "rows about you were deleted" in await done.text()
    assert not await store.sections_read(sqlite_db, GUILD_A, ALICE)
    assert await store.sections_read(sqlite_db, GUILD_A, BOB)
