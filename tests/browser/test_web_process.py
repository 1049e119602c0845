"""The web app as a process of its own: what a moderator does there, the bot's scheduler posts.

An operator may run ``python -m bot web`` beside ``python -m bot run``, on one database. The web
process cannot wake the bot's scheduler in memory: the change reaches it through the database
(the change counter the bot reads every second on SQLite; ``NOTIFY`` on PostgreSQL), and the
post must follow within five seconds, exactly once, on both databases.
"""

from __future__ import annotations

import asyncio
import time

from playwright.async_api import Page

from tests.browser.harness import audit
from tests.browser.webworld import WebWorld
from tests.e2e.waiting import until

CHANGE_REACHES_THE_BOT = 5.0
"""Seconds from a moderator's click on the web to the bot's post (the moderators' promise)."""
WATCHER_POLLS = 1.5
"""Longer than one read of the change counter by the bot (bot.storage.changes.POLL_SECONDS)."""


async def test_run_now_on_the_separate_site_is_posted_once_by_the_bot(
    web_alone: WebWorld, page: Page
) -> None:
    site = web_alone
    backend = site.world.dialect
    question = f"Which demand would you put first? (asked on the web, {backend})"
    general = site.guild.channel("general")
    await site.sign_in(page, site.mod, f"/mod/{site.guild.id}/prompts/new")
    assert page.url.startswith(site.base_url + f"/mod/{site.guild.id}/prompts/new")

    await page.get_by_label("Kind").select_option("question")
    await page.get_by_label("Question").fill(question)
    await page.get_by_label("Channel").select_option(label="#general")
    await page.get_by_label("Repeat").select_option("weekly")
    await page.get_by_label("Time of day").fill("18:00")
    await page.get_by_label("Days of the week").fill("sun")
    await page.get_by_role("button", name="Add prompt").click()
    await page.wait_for_url(f"**/mod/{site.guild.id}/prompts/*")
    schedule_id = int(page.url.rsplit("/", 1)[1])
    # Stored by the web process, in the database the bot reads: nothing is due yet.
    rows = await site.world.query(
        "SELECT status FROM prompt_schedules WHERE id = ?", (schedule_id,)
    )
    assert [row["status"] for row in rows] == ["active"]
    assert not [m for m in general.visible_messages() if question in m.content]

    await page.get_by_role("button", name="Run now").click()
    clicked = time.time()
    await page.wait_for_selector("p.notice[role=status]")
    await audit(page, f"web-alone-run-now-{backend}")
    post = await site.discord.wait_for_message(
        general, contains=question, timeout=CHANGE_REACHES_THE_BOT
    )
    assert post.author.bot and post.created_at - clicked < CHANGE_REACHES_THE_BOT

    async def recorded() -> bool:
        runs = await site.world.query(
            "SELECT status FROM prompt_runs WHERE schedule_id = ?", (schedule_id,)
        )
        return [row["status"] for row in runs] == ["posted"]

    # Once: the run is recorded as posted, and nothing more is posted while the bot reads the
    # counter again (every second on SQLite; a second post would come from a second claim).
    await until(recorded, timeout=5, what="the run to be recorded as posted, once")
    await asyncio.sleep(WATCHER_POLLS)
    assert len([m for m in general.visible_messages() if question in m.content]) == 1
    assert await recorded()
