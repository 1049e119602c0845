"""Prompt pages: forms that call the actions, errors beside their field, and no reach across
servers by editing an id in a URL or a form."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.membership import ServerLayout
from bot.permissions import EMBED_LINKS, SEND_MESSAGES, VIEW_CHANNEL
from bot.storage import prompts as store
from tests.web.conftest import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL_A,
    CHANNEL_B,
    GUILD_A,
    GUILD_B,
    ROLE_A,
    ROLE_B,
    THREADS_A,
    FakeDiscord,
    FakeMembership,
    csrf_of,
    sign_in,
)
from web import WebContext

Client = TestClient[web.Request, web.Application]


def plan(**changes: Any) -> dict[str, Any]:
    fields = {
        "content": "reading",
        "document": "anti-ai",
        "start": "",
        "unit": "section",
        "paragraphs": "3",
        "text": "What stood out?",
        "channel": str(CHANNEL_A),
        "thread": "Discussion: {title}",
        "archive": "1440",
        "ping": "",
        "repeat": "weekly",
        "time": "18:00",
        "days": "sun",
        "timezone": "Europe/Berlin",
        "action": "save",
    }
    fields.update(changes)
    return fields


async def _post(client: Client, url: str, data: dict[str, Any], page: str) -> Any:
    data = {**data, "csrf_token": await csrf_of(client, page)}
    return await client.post(url, data=data, allow_redirects=False)


def _error_beside(html: str, field: str) -> str:
    """The error shown under ``field``'s input (and the input says it is described by it)."""
    assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"', html), html
    match = re.search(rf'<p class="field-error" id="err-{field}">([^<]+)</p>', html)
    assert match is not None, html
    return match[1]


async def test_a_moderator_creates_a_weekly_reading_plan_and_sees_its_calendar(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    new = f"/mod/{GUILD_A}/prompts/new"
    response = await _post(client, new, plan(ping=str(ROLE_A)), new)
    assert response.status == 303, await response.text()
    (schedule,) = await store.list_schedules(context.db, GUILD_A)
    assert schedule.content.kind == "reading" and schedule.recurrence.weekdays == (6,)
    assert schedule.options.thread_name == "Discussion: {title}"
    assert schedule.options.ping_role_id == ROLE_A
    page = await (await client.get(response.headers["Location"])).text()
    assert "Reading calendar" in page and "What stood out?" in page
    assert page.count("<time") >= 10  # next five runs and the calendar's dates
    listing = await (await client.get(f"/mod/{GUILD_A}/prompts")).text()
    assert f"#{schedule.id}" in listing and "Every Sunday at 18:00" in listing


async def test_preview_shows_the_first_post_and_five_runs_and_stores_nothing(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    new = f"/mod/{GUILD_A}/prompts/new"
    response = await _post(client, new, plan(action="preview"), new)
    html = await response.text()
    assert response.status == 200
    assert "Preview (not saved yet)" in html and "First post" in html
    preview = html.split('id="preview"')[1].split("</section>")[0]
    assert preview.count("<time") == 5
    assert await store.count_schedules(context.db, GUILD_A) == 0


async def test_previewing_an_edit_shows_its_next_post_and_runs_and_stores_nothing(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    new = f"/mod/{GUILD_A}/prompts/new"
    await _post(client, new, plan(), new)
    (before,) = await store.list_schedules(context.db, GUILD_A)
    url = f"/mod/{GUILD_A}/prompts/{before.id}"
    audit = await context.db.fetchall("SELECT id FROM audit_log")

    edit = plan(action="preview", time="09:30", days="mon", text="What would you change?")
    response = await _post(client, url, edit, url)
    html = await response.text()
    assert response.status == 200, html
    preview = html.split('id="preview"')[1].split("</section>")[0]
    assert "Every Monday at 09:30" in preview
    assert preview.count("<time") == 5 and "09:30" in preview and "18:00" not in preview
    assert "Next post" in html and "What would you change?" in html
    assert 'value="09:30"' in html  # the form keeps what was typed, to save it next
    assert await store.get_schedule(context.db, GUILD_A, before.id) == before
    assert await context.db.fetchall("SELECT id FROM audit_log") == audit

    # A bad field is said beside it, as a save would, and nothing is stored either.
    bad = await _post(client, url, plan(action="preview", repeat="cron", cron="61 * * * *"), url)
    assert bad.status == 400
    assert _error_beside(await bad.text(), "cron")
    assert await store.get_schedule(context.db, GUILD_A, before.id) == before


async def test_a_bad_cron_or_an_unknown_zone_is_said_beside_its_field_and_nothing_is_stored(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    new = f"/mod/{GUILD_A}/prompts/new"
    response = await _post(client, new, plan(repeat="cron", cron="61 * * * *"), new)
    assert response.status == 400
    assert "not a valid cron expression" in _error_beside(await response.text(), "cron")
    response = await _post(client, new, plan(timezone="Mars/Olympus"), new)
    assert response.status == 400
    assert "not a time zone" in _error_beside(await response.text(), "timezone")
    response = await _post(client, new, plan(time="25:00"), new)
    _error_beside(await response.text(), "time")
    response = await _post(client, new, plan(days="someday"), new)
    _error_beside(await response.text(), "days")
    response = await _post(client, new, plan(start="no-such-section"), new)
    _error_beside(await response.text(), "start")
    assert await store.count_schedules(context.db, GUILD_A) == 0


async def test_ids_of_another_server_in_a_url_or_a_form_reach_nothing(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, BOB)
    new_b = f"/mod/{GUILD_B}/prompts/new"
    created = await _post(client, new_b, plan(channel=str(CHANNEL_B)), new_b)
    assert created.status == 303, await created.text()
    (theirs,) = await store.list_schedules(context.db, GUILD_B)

    client.session.cookie_jar.clear()
    await sign_in(client, discord, ALICE)
    page = f"/mod/{GUILD_A}/prompts"
    # Server B's prompt id under server A's URL: not found, and B's prompt is as it was.
    assert (await client.get(f"{page}/{theirs.id}")).status == 404
    for action in ("pause", "skip", "run", "remove"):
        response = await _post(client, f"{page}/{theirs.id}/{action}", {}, page)
        assert response.status == 404, action
    edited = await _post(client, f"{page}/{theirs.id}", plan(time="07:00"), page)
    assert edited.status == 404
    # Server B's own URL: Alice is no member there.
    response = await _post(client, f"/mod/{GUILD_B}/prompts/{theirs.id}/pause", {}, page)
    assert response.status == 404
    # B's channel or role in A's form: refused beside the field.
    new_a = f"{page}/new"
    response = await _post(client, new_a, plan(channel=str(CHANNEL_B)), new_a)
    assert "this server’s text channels" in _error_beside(await response.text(), "channel")
    response = await _post(client, new_a, plan(ping=str(ROLE_B)), new_a)
    _error_beside(await response.text(), "ping")
    assert await store.count_schedules(context.db, GUILD_A) == 0
    after = await store.get_schedule(context.db, GUILD_B, theirs.id)
    assert after == theirs


async def test_a_member_posting_a_moderator_form_is_refused_and_nothing_changes(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, CAROL)
    csrf = await csrf_of(client, f"/me/{GUILD_A}")
    response = await client.post(f"/mod/{GUILD_A}/prompts/new", data={**plan(), "csrf_token": csrf})
    assert response.status == 403
    assert "For moderators only" in await response.text()
    assert await store.count_schedules(context.db, GUILD_A) == 0


async def test_edit_pause_skip_run_and_remove_go_through_the_actions(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    new = f"/mod/{GUILD_A}/prompts/new"
    await _post(client, new, plan(), new)
    (schedule,) = await store.list_schedules(context.db, GUILD_A)
    url = f"/mod/{GUILD_A}/prompts/{schedule.id}"
    first = schedule.next_run_at
    assert first is not None

    # Editing the time moves the next run; the plan keeps its place.
    form = await (await client.get(url)).text()
    assert 'value="18:00"' in form and 'value="sun"' in form
    response = await _post(client, url, plan(time="09:30"), url)
    assert response.status == 303, await response.text()
    edited = await store.get_schedule(context.db, GUILD_A, schedule.id)
    assert edited.next_run_at == first - timedelta(hours=8, minutes=30)

    assert (await _post(client, f"{url}/pause", {}, url)).status == 303
    paused = await store.get_schedule(context.db, GUILD_A, schedule.id)
    assert paused.status == "paused" and "alice" in (paused.paused_reason or "")
    page = await (await client.get(url)).text()
    assert "is paused" in page and ">Resume<" in page
    await _post(client, f"{url}/resume", {}, url)
    await _post(client, f"{url}/skip", {}, url)
    skipped = await store.get_schedule(context.db, GUILD_A, schedule.id)
    assert skipped.status == "active" and skipped.next_run_at == edited.next_run_at + timedelta(
        days=7
    )

    await _post(client, f"{url}/run", {}, url)
    runs = await context.db.fetchall(
        "SELECT status FROM prompt_runs WHERE schedule_id = ? AND manual = 1", (schedule.id,)
    )
    assert [tuple(r) for r in runs] == [("claimed",)]  # the bot's scheduler posts it

    confirm = await (await client.get(f"{url}/remove")).text()
    assert "Remove prompt" in confirm
    assert await store.count_schedules(context.db, GUILD_A) == 1
    assert (await _post(client, f"{url}/remove", {}, url)).status == 303
    assert await store.count_schedules(context.db, GUILD_A) == 0


async def test_run_now_and_the_form_refuse_a_channel_the_bot_cannot_post_in(
    client: Client, discord: FakeDiscord, members: FakeMembership, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    new = f"/mod/{GUILD_A}/prompts/new"
    await _post(client, new, plan(thread=""), new)
    (schedule,) = await store.list_schedules(context.db, GUILD_A)
    url = f"/mod/{GUILD_A}/prompts/{schedule.id}"
    # Someone takes Send Messages from the bot in the prompt's channel (the source says so).
    known = members.layouts[GUILD_A]
    members.layouts[GUILD_A] = ServerLayout(
        known.channels,
        known.roles,
        {CHANNEL_A: VIEW_CHANNEL, THREADS_A: VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS},
    )
    refused = await _post(client, f"{url}/run", {}, url)
    page = await (await client.get(refused.headers["Location"])).text()
    assert "The bot cannot post in #reading: it is missing Send Messages, Embed Links" in page
    runs = await context.db.fetchall(
        "SELECT id FROM prompt_runs WHERE schedule_id = ?", (schedule.id,)
    )
    assert runs == []  # nothing queued for the bot to fail on later
    form = await _post(client, new, plan(thread=""), new)
    assert form.status == 400
    assert "missing Send Messages" in _error_beside(await form.text(), "channel")
    # Another channel where it may post is fine (no thread asked: no thread permission needed).
    moved = await _post(client, new, plan(thread="", channel=str(THREADS_A)), new)
    assert moved.status == 303
