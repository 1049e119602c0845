"""A moderator plans a reading group in a real browser, and the real bot posts what was planned.

The moderator creates a weekly reading plan on the web; the bot process (the web app runs in it,
but writes through the database and the change signal as a separate process would) posts its
first section once, with its thread, when it is due. The bot reads real time, so the run is made
due two seconds ahead by writing ``next_run_at`` and bumping the change counter, as any
moderator's change does. Editing the time moves the next run; pausing stops it; a member who is
not a moderator gets 403 and nothing of the server.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, Page

from tests.browser.conftest import visitor_address
from tests.browser.harness import DESKTOP, audit
from tests.browser.webworld import WebWorld
from tests.e2e.waiting import until

QUESTION = "What in this section would you put to the group?"


async def _make_due(web: WebWorld, schedule_id: int, at: float) -> None:
    """Due at ``at`` (unix seconds); the change counter tells the scheduler to look again."""
    await web.world.execute(
        "UPDATE prompt_schedules SET next_run_at = ? WHERE id = ?", (int(at), schedule_id)
    )
    await web.world.execute(
        "INSERT INTO change_counter (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = change_counter.version + 1"
    )


async def _schedule(web: WebWorld, schedule_id: int) -> dict[str, object]:
    rows = await web.world.query("SELECT * FROM prompt_schedules WHERE id = ?", (schedule_id,))
    return dict(rows[0])


def _bot_posts(web: WebWorld) -> list[object]:
    general = web.guild.channel("general")
    return [m for m in general.visible_messages() if m.author.bot and "Reading" in m.content]


async def _schedule_ids(web: WebWorld) -> set[int]:
    return {int(row["id"]) for row in await web.world.query("SELECT id FROM prompt_schedules")}


async def test_a_moderator_plans_edits_and_pauses_a_reading_plan(
    web: WebWorld, page: Page, browser: Browser
) -> None:
    # The world is shared: other tests may have stored prompts of their own before this one.
    stored = await _schedule_ids(web)
    await web.sign_in(page, web.mod, f"/me/{web.guild.id}")
    await page.get_by_role("link", name="Moderate").click()
    await page.wait_for_url(f"**/mod/{web.guild.id}/prompts")
    await audit(page, "mod-prompts")
    await page.get_by_role("link", name="New prompt").click()
    await audit(page, "mod-prompt-new")

    await page.get_by_label("Kind").select_option("reading")
    await page.get_by_label("Reading plan: text").select_option("anti-ai")
    await page.get_by_label("Question").fill(QUESTION)
    await page.get_by_label("Channel").select_option(label="#general")
    await page.get_by_label("Thread", exact=True).fill("On {title}")
    await page.get_by_label("Repeat").select_option("weekly")
    await page.get_by_label("Time of day").fill("18:00")
    await page.get_by_label("Days of the week").fill("sun")
    await page.get_by_label("Time zone").fill("Europe/Berlinn")
    await page.get_by_role("button", name="Add prompt").click()
    # The unknown zone is said beside its field, and nothing is stored.
    error = page.locator("#err-timezone")
    assert "not a time zone" in await error.inner_text()
    assert await page.get_by_label("Time zone").get_attribute("aria-invalid") == "true"
    assert await _schedule_ids(web) == stored
    await audit(page, "mod-prompt-errors")

    await page.get_by_label("Time zone").fill("Europe/Berlin")
    # The live preview (a same-origin script) shows the five runs as the form changes ...
    await page.locator("#live-preview #preview time").nth(4).wait_for()
    assert await _schedule_ids(web) == stored
    # ... and the Preview button does the same without it.
    await page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    assert await preview.locator("time").count() == 5
    assert await page.get_by_role("region", name="First post").count() == 1
    await audit(page, "mod-prompt-preview")
    await page.get_by_role("button", name="Add prompt").click()
    await page.wait_for_url(f"**/mod/{web.guild.id}/prompts/*")
    schedule_id = int(page.url.rsplit("/", 1)[1])
    calendar = page.get_by_role("region", name="Reading calendar")
    first_row = calendar.locator("tbody tr:not(.month)").first
    assert "Opening" in await first_row.inner_text()
    assert QUESTION in await first_row.inner_text()
    await audit(page, "mod-prompt-plan")

    # Due in two seconds: posted once, with its thread.
    due = int(time.time()) + 2
    await _make_due(web, schedule_id, due)
    post = await web.discord.wait_for_message(
        web.guild.channel("general"), contains="Reading", timeout=10
    )
    assert post.created_at - due > -0.05
    assert post.embed["title"] == "Opening" and QUESTION in post.content

    async def posted() -> bool:
        rows = await web.world.query(
            "SELECT status FROM prompt_runs WHERE schedule_id = ? AND status = 'posted'",
            (schedule_id,),
        )
        return bool(rows)

    await until(posted, timeout=10, what="the run to be recorded as posted")
    assert post.thread is not None and post.thread.name == "On Opening"

    # Editing the time moves the next run (to Sunday 07:15 in Berlin).
    await page.reload()
    before = (await _schedule(web, schedule_id))["next_run_at"]
    await page.get_by_label("Time of day").fill("07:15")
    await page.get_by_role("button", name="Save changes").click()
    await page.wait_for_selector("p.notice[role=status]")
    after = (await _schedule(web, schedule_id))["next_run_at"]
    assert isinstance(after, int) and after != before
    local = datetime.fromtimestamp(after, UTC).astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (6, 7, 15)
    assert (
        local.strftime("%H:%M")
        in await page.get_by_role("region", name="Reading calendar").inner_text()
    )

    # Paused, it posts nothing, even when due.
    await page.get_by_role("button", name="Pause").click()
    await page.get_by_role("button", name="Resume").wait_for()
    assert (await _schedule(web, schedule_id))["status"] == "paused"
    await _make_due(web, schedule_id, time.time() + 1)
    await asyncio.sleep(3)
    assert len(_bot_posts(web)) == 1

    await page.get_by_role("link", name="Remove…").click()
    await audit(page, "mod-prompt-remove")
    await page.goto(web.url(f"/mod/{web.guild.id}/settings"))
    await audit(page, "mod-settings")

    # A member of the server who is not a moderator: 403, and nothing of the server or its plan.
    other = await browser.new_context(
        viewport=DESKTOP, locale="en-GB", extra_http_headers={"X-Forwarded-For": visitor_address()}
    )
    try:
        member = await other.new_page()
        await web.sign_in(member, web.alice, f"/me/{web.guild.id}")
        assert await member.get_by_role("link", name="Moderate").count() == 0
        for path in ("prompts", f"prompts/{schedule_id}", "settings"):
            response = await member.goto(web.url(f"/mod/{web.guild.id}/{path}"))
            assert response is not None and response.status == 403, path
            body = await member.content()
            assert "Reading Group" not in body and QUESTION not in body and "#general" not in body
        await audit(member, "mod-forbidden")
    finally:
        await other.close()
