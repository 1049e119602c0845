"""A moderator runs meetings from the browser: a correction made on the meetings page shows in
the audit log page and in ``/attendance member``, the CSV download is ``/attendance export``'s
file, and every page passes the harness's audit (screenshots, 375 px, axe-core).
"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page

from tests.browser.harness import audit
from tests.browser.webworld import WebWorld


async def test_a_correction_in_the_browser_reaches_the_audit_log_and_discord(
    web: WebWorld, page: Page, tmp_path: Path
) -> None:
    mod, member = web.world.mod, web.bob
    started = await mod.run("/meeting start", title="Browser night")
    assert "Browser night" in started.text or started.ephemeral, started.text
    rows = await web.world.query(
        "SELECT id FROM meetings WHERE guild_id = ? AND title = ?", (web.guild.id, "Browser night")
    )
    meeting_id = int(rows[0]["id"])

    await web.sign_in(page, mod, f"/mod/{web.guild.id}/meetings")
    await page.goto(web.url(f"/mod/{web.guild.id}/meetings"))
    await audit(page, "mod-meetings")
    await page.get_by_role("link", name=f"#{meeting_id} Browser night").click()
    await page.get_by_label("Member (Discord id)").fill(str(member.id))
    await page.get_by_label("Reason (kept in the audit log)").fill("came without pressing")
    await page.get_by_role("button", name="Save correction").click()
    notice = page.locator("p.notice[role=status]")
    said = await notice.inner_text()
    shown = member.nick or member.user.global_name or member.user.username
    assert f"Member {shown} ({member.id}) was added to meeting #{meeting_id}" in said
    assert await page.locator("table.roster tbody tr", has_text=str(member.id)).count() == 1
    await audit(page, "mod-meeting")

    # Discord sees it: /attendance member marks the meeting as attended.
    report = await mod.run("/attendance member", member=member)
    line = next(x for x in report.text.splitlines() if f"#{meeting_id} Browser night" in x)
    assert line.startswith("✅"), report.text

    # The audit log page shows who, what, before and after, with the reason.
    await (
        page.get_by_role("navigation", name=f"Moderate {web.guild.name}")
        .get_by_role("link", name="Audit log")
        .click()
    )
    entry = page.locator("table.audit tbody tr", has_text="Attendance added").first
    text = await entry.inner_text()
    assert str(mod.id) in text and str(member.id) in text and "came without pressing" in text
    await audit(page, "mod-audit")

    # The CSV download is the very file /attendance export sends.
    await page.goto(web.url(f"/mod/{web.guild.id}/meetings"))
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="Download CSV").click()
    download = await waiting.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    export = await mod.run("/attendance export")
    [attachment] = export.attachments
    assert download.suggested_filename == attachment.filename
    assert saved.read_bytes() == attachment.data

    await page.goto(web.url(f"/mod/{web.guild.id}/attendance?member={member.id}"))
    assert "yes (added by a moderator)" in await page.locator("#main").inner_text()
    await audit(page, "mod-member-attendance")
    await page.goto(web.url(f"/mod/{web.guild.id}/reading"))
    assert await page.locator("table.readers tbody tr").count() > 0
    chart = page.locator("figure.chart img")
    assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
    await audit(page, "mod-reading")


async def test_a_member_opening_the_pages_gets_403_and_no_data(web: WebWorld, page: Page) -> None:
    await web.sign_in(page, web.alice)
    for path in ("meetings", "audit", "reading"):
        response = await page.goto(web.url(f"/mod/{web.guild.id}/{path}"))
        assert response is not None and response.status == 403, path
        assert "Browser night" not in await page.content()
    await audit(page, "mod-forbidden")
