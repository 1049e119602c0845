"""The settings page: every /settings key, checked by the same rules, the server's own ids."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.actions.settings import RULES
from bot.storage.audit import list_entries
from bot.storage.guild_settings import get_settings
from tests.web.conftest import (
    ALICE,
    CHANNEL_A,
    CHANNEL_B,
    GUILD_A,
    ROLE_A,
    ROLE_B,
    FakeDiscord,
    csrf_of,
    sign_in,
)
from web import WebContext
from web.moderator_settings import FIELDS

Client = TestClient[web.Request, web.Application]
PAGE = f"/mod/{GUILD_A}/settings"


def test_the_page_has_every_settings_key() -> None:
    assert {f.key for f in FIELDS} == set(RULES)


async def _form(client: Client, **changes: str) -> dict[str, str]:
    html = await (await client.get(PAGE)).text()
    assert "Save settings" in html
    values = {
        "timezone": "UTC",
        "moderator_role_id": "",
        "log_channel_id": "",
        "prompt_grace_minutes": "60",
        "meeting_voice_minutes": "10",
        "meeting_from_events": "off",
        "streak_freezes_per_week": "0",
        "streak_counts_attendance": "off",
        "streak_cadence": "daily",
        "audit_retention_days": "365",
        "csrf_token": await csrf_of(client, PAGE),
    }
    values.update(changes)
    return values


async def test_saving_changes_only_what_changed_through_the_action(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    form = await _form(
        client,
        timezone="europe/berlin",
        moderator_role_id=str(ROLE_A),
        log_channel_id=str(CHANNEL_A),
        streak_cadence="weekly",
        meeting_from_events="on",
    )
    response = await client.post(PAGE, data=form, allow_redirects=False)
    assert response.status == 303
    stored = await get_settings(context.db, GUILD_A)
    assert stored["timezone"] == "Europe/Berlin"
    assert stored["moderator_role_id"] == ROLE_A and stored["log_channel_id"] == CHANNEL_A
    assert stored["streak_cadence"] == "weekly" and stored["meeting_from_events"] is True
    assert stored["prompt_grace_minutes"] == 60
    page = await (await client.get(PAGE)).text()
    assert "Saved: Time zone, Moderator role, Log channel" in page
    assert f'<option value="{ROLE_A}" selected>@Readers</option>' in page
    entries, _ = await list_entries(context.db, GUILD_A)
    assert len(entries) == 5 and all(e.actor_id == ALICE for e in entries)


async def test_one_bad_value_or_another_servers_id_saves_nothing(
    client: Client, discord: FakeDiscord, context: WebContext
) -> None:
    await sign_in(client, discord, ALICE)
    before = await get_settings(context.db, GUILD_A)
    for bad in (
        {"timezone": "Mars/Olympus"},
        {"moderator_role_id": str(ROLE_B)},
        {"log_channel_id": str(CHANNEL_B)},
        {"streak_freezes_per_week": "9"},
    ):
        form = await _form(client, prompt_grace_minutes="5", **bad)
        response = await client.post(PAGE, data=form)
        html = await response.text()
        (key,) = bad
        assert response.status == 400
        assert f'id="err-{key}"' in html and 'aria-invalid="true"' in html
        assert await get_settings(context.db, GUILD_A) == before
