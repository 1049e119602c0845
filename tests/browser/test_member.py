"""A member's pages in a real browser: another server's pages stay closed, forms need their CSRF
token, and export and forget do what ``/me export`` and ``/me forget`` do.

The bot and emulator are the session's (see conftest); each test has a fresh browser context and
uses the people its assertions are about, so the tests do not depend on one another's order.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.async_api import BrowserContext, Page

from tests.browser.harness import audit
from tests.browser.webworld import WebWorld
from tests.e2e.waiting import until

SECTION = "technocommunist:the-class-of-the-new-century"


async def _settings(web: WebWorld, user_id: int) -> list[dict[str, object]]:
    rows = await web.world.query(
        "SELECT timezone, private, reminder_minute, reminder_guild_id FROM member_settings "
        "WHERE user_id = ?",
        (user_id,),
    )
    return [dict(row) for row in rows]


async def _readings(web: WebWorld, user_id: int) -> list[str]:
    rows = await web.world.query(
        "SELECT ref FROM reading_log WHERE user_id = ? ORDER BY ref", (user_id,)
    )
    return [str(row["ref"]) for row in rows]


async def test_another_servers_pages_answer_not_found_with_none_of_its_data(
    web: WebWorld, context: BrowserContext, page: Page
) -> None:
    await web.sign_in(page, web.alice)
    before = await _settings(web, web.alice.id)
    unknown = web.other.id + 12345
    for guild_id in (web.other.id, unknown):
        response = await page.goto(web.url(f"/me/{guild_id}"))
        assert response is not None and response.status == 404, guild_id
        body = await page.content()
        assert "Other Server" not in body and "Carol" not in body and "carol" not in body
        assert await page.locator("h1").inner_text() == "Server not found"
    await audit(page, "server-not-found")

    # Its forms are closed too, with a valid CSRF token: nothing is stored for that server.
    await page.goto(web.url(f"/me/{web.guild.id}"))
    token = await page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    answer = await context.request.post(
        web.url(f"/me/{web.other.id}/reminder"),
        form={"csrf_token": token, "time": "08:00"},
        max_redirects=0,
    )
    assert answer.status == 404 and "Other Server" not in await answer.text()
    assert await _settings(web, web.alice.id) == before

    # A cookie that lists the other server (forged with the app's own key) opens nothing:
    # membership is the bot's answer, never the session's list.
    claims_both = await web.session_cookie(web.alice, [web.guild.id, web.other.id])
    await web.set_session_cookie(context, claims_both)
    response = await page.goto(web.url(f"/me/{web.other.id}"))
    assert response is not None and response.status == 404
    await page.goto(web.url("/me"))
    assert await page.locator("#main ul.servers a").all_inner_texts() == ["Reading Group"]


async def test_a_member_of_both_servers_sees_both(web: WebWorld, page: Page) -> None:
    await web.sign_in(page, web.bob)
    names = await page.locator("#main ul.servers a").all_inner_texts()
    assert sorted(names) == ["Other Server", "Reading Group"]
    response = await page.goto(web.url(f"/me/{web.other.id}"))
    assert response is not None and response.status == 200
    assert await page.locator("h1").inner_text() == "Other Server"


async def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    web: WebWorld, context: BrowserContext, page: Page
) -> None:
    member = web.world.mod
    await web.sign_in(page, member)
    await member.run("/read section", section=SECTION)
    before = await _settings(web, member.id)
    token = await page.locator("form[action='/me/privacy'] input[name=csrf_token]").get_attribute(
        "value"
    )
    assert token
    refusals: dict[str, tuple[dict[str, str | float | bool], dict[str, str]]] = {
        "no token": ({"private": "yes"}, {}),
        "wrong token": ({"private": "yes", "csrf_token": "x" * len(token)}, {}),
        "other site": ({"private": "yes", "csrf_token": token}, {"Origin": "http://evil.example"}),
    }
    for label, (form, headers) in refusals.items():
        answer = await context.request.post(
            web.url("/me/privacy"), form=form, headers=headers, max_redirects=0
        )
        assert answer.status == 403, label
        assert "nothing was changed" in await answer.text(), label
    forget = await context.request.post(web.url("/me/forget"), form={}, max_redirects=0)
    assert forget.status == 403
    logout = await context.request.post(web.url("/logout"), form={}, max_redirects=0)
    assert logout.status == 403
    response = await page.goto(web.url("/me"))  # still signed in
    assert response is not None and response.status == 200
    assert await _settings(web, member.id) == before
    assert await _readings(web, member.id) == [SECTION]

    # The same request with its token does change it, and so does the page's own form: the
    # refusals above could have failed.
    accepted = await context.request.post(
        web.url("/me/privacy"), form={"private": "yes", "csrf_token": token}, max_redirects=0
    )
    assert accepted.status == 303
    assert [row["private"] for row in await _settings(web, member.id)] == [1]
    await page.reload()
    await page.get_by_label("Appear on leaderboards; others may see my streak").check()
    await page.get_by_role("button", name="Save privacy").click()
    await page.wait_for_url(web.url("/me"))
    assert "leaderboards" in await page.locator("#main [role=status]").inner_text()
    assert [row["private"] for row in await _settings(web, member.id)] == [0]


async def test_a_bad_time_zone_is_explained_and_a_good_one_is_saved(
    web: WebWorld, page: Page
) -> None:
    member = web.world.guild.add_member("erin")
    await web.sign_in(page, member)
    await page.get_by_label("Time zone for your streak days").fill("Mars/Olympus_Mons")
    await page.get_by_role("button", name="Save time zone").click()
    assert await page.locator("#main [role=alert]").is_visible()
    assert await _settings(web, member.id) in ([], [{"timezone": None}])
    await audit(page, "me-bad-time-zone")
    await page.get_by_label("Time zone for your streak days").fill("Europe/Paris")
    await page.get_by_role("button", name="Save time zone").click()
    await page.wait_for_url(web.url("/me"))
    assert [row["timezone"] for row in await _settings(web, member.id)] == ["Europe/Paris"]


async def test_export_then_forget_through_the_browser(
    web: WebWorld, page: Page, tmp_path: Path
) -> None:
    member = web.world.guild.add_member("frank")
    bystander = web.world.guild.add_member("gina")
    await member.run("/read section", section=SECTION)
    await bystander.run("/read section", section=SECTION)
    await web.sign_in(page, member)

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download all your data (JSON)").click()
    download = await waiting.value
    assert download.suggested_filename == f"my-data-{member.id}.json"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["user_id"] == member.id
    rows = [row for area in exported["data"].values() for row in area]
    assert any(row.get("ref") == SECTION for row in rows), exported
    assert str(bystander.id) not in saved.read_text(encoding="utf-8")

    await page.get_by_role("link", name="Delete all your data…").click()
    await page.wait_for_url(web.url("/me/forget"))
    await audit(page, "forget")
    assert await _readings(web, member.id) == [SECTION]  # the page only asks
    await page.get_by_role("button", name="Delete my data").click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "Your data was deleted"
    assert "rows about you were deleted" in await page.locator("#main").inner_text()
    await audit(page, "forgotten")
    await until(lambda: _no_rows(web, member.id), what="frank's rows to be deleted")
    assert await _readings(web, bystander.id) == [SECTION]  # nobody else's


async def _no_rows(web: WebWorld, user_id: int) -> bool:
    return await _readings(web, user_id) == []


async def test_who_left_a_server_is_refused_its_pages_by_the_bots_answer(
    web: WebWorld, page: Page
) -> None:
    leaver = web.guild.add_member("hank")
    web.other.add_member(leaver.user)
    stayer = web.guild.add_member("ivy")
    web.other.add_member(stayer.user)
    # Both sign in while in both servers (their sessions list both), landing on Reading Group.
    await web.sign_in(page, leaver, next_path=f"/me/{web.guild.id}")
    web.other.remove_member(web.other.member("hank"))
    response = await page.goto(web.url(f"/me/{web.other.id}"))
    assert response is not None and response.status == 404
    assert "Other Server" not in await page.content()
    asked = web.discord.last_call("GET /guilds/{guild_id}/members/{user_id}")
    assert asked.params == {"guild_id": str(web.other.id), "user_id": str(leaver.id)}

    await page.context.clear_cookies()
    await web.sign_in(page, stayer, next_path=f"/me/{web.guild.id}")
    # Discord cannot be asked: a page that says so, neither the server's data nor a 404.
    # (503: discord.py retries a 500 for seconds before giving up, a 503 at once.)
    web.discord.faults.server_error("GET /guilds/{guild_id}/members/{user_id}", 503)
    response = await page.goto(web.url(f"/me/{web.other.id}"))
    assert response is not None and response.status == 503
    assert "Other Server" not in await page.locator("#main").inner_text()
    await audit(page, "server-unavailable")
    response = await page.goto(web.url(f"/me/{web.other.id}"))
    assert response is not None and response.status == 200
    assert await page.locator("h1").inner_text() == "Other Server"
