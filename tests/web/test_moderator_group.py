"""Moderators' meetings, reading and audit pages: gate, corrections, CSV, privacy."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.actions import Actor
from bot.actions.meetings import correct_attendance
from bot.library import Library
from bot.meetings.export import export_file
from bot.scheduling.content import Content
from bot.scheduling.recurrence import build_recurrence
from bot.storage import Database
from bot.storage import meetings as meeting_store
from bot.storage import prompts as prompt_store
from bot.storage import streaks as streak_store
from bot.storage.reading_log import record_reading
from bot.streaks.progress import readable_sections
from tests.web.conftest import (
    ALICE,
    BOB,
    CAROL,
    GUILD_A,
    GUILD_B,
    FakeDiscord,
    FakeMembership,
    csrf_of,
    make_meeting,
    sign_in,
)

Client = TestClient[web.Request, web.Application]
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
PAGES = ("meetings", "reading", "audit", "attendance?member=1", "meetings/export.csv")


async def _meeting(db: Database, guild: int, title: str, *, members: tuple[int, ...]) -> int:
    return await make_meeting(db, guild, title, members=members, now=NOW)


def _main(html: str) -> str:
    return html.split("<main")[1].split("</main>")[0]


async def test_a_member_gets_403_and_no_data(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    await _meeting(sqlite_db, GUILD_A, "Secret Chapter Night", members=(ALICE, 424242))
    await sign_in(client, discord, CAROL)
    for page in PAGES:
        response = await client.get(f"/mod/{GUILD_A}/{page}")
        html = await response.text()
        assert response.status == 403, page
        assert "Secret Chapter Night" not in html and "424242" not in html
        assert "Reading Group" not in _main(html)


async def test_meetings_page_shows_rosters_and_chart(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    meeting = await _meeting(sqlite_db, GUILD_A, "Chapter One", members=(CAROL, 555))
    await sign_in(client, discord, ALICE)
    response = await client.get(f"/mod/{GUILD_A}/meetings")
    html = await response.text()
    assert response.status == 200
    assert f'<a href="/mod/{GUILD_A}/meetings/{meeting}">#{meeting} Chapter One</a>' in html
    assert "<td>2</td>" in html
    one = await (await client.get(f"/mod/{GUILD_A}/meetings/{meeting}")).text()
    assert "2 present" in one and ">555<" in one
    assert "checked in" in one  # the wording of /attendance meeting (bot.meetings.render)
    chart = await client.get(f"/mod/{GUILD_A}/meetings/chart.svg")
    assert chart.status == 200
    assert chart.content_type == "image/svg+xml"
    svg = await chart.text()
    assert "<svg" in svg and "<script" not in svg.split("<defs>")[0]
    assert "script-src" not in chart.headers["Content-Security-Policy"]


async def test_pages_name_members_escaped_and_show_ids_discord_cannot_name(
    client: Client, discord: FakeDiscord, members: FakeMembership, sqlite_db: Database
) -> None:
    hostile = "<b>@everyone</b> Carol"
    members.names = {CAROL: hostile, ALICE: "Alice Moderator"}
    meeting = await _meeting(sqlite_db, GUILD_A, "Names", members=(CAROL, 555))
    await correct_attendance(
        sqlite_db, Actor(ALICE, GUILD_A, True, "alice"), meeting, CAROL, present=False, now=NOW
    )
    await correct_attendance(
        sqlite_db, Actor(ALICE, GUILD_A, True, "alice"), meeting, CAROL, present=True, now=NOW
    )
    await sign_in(client, discord, ALICE)
    escaped = "&lt;b&gt;@everyone&lt;/b&gt; Carol"
    roster = _main(await (await client.get(f"/mod/{GUILD_A}/meetings/{meeting}")).text())
    assert f'>{escaped}</a> <span class="hint">{CAROL}</span>' in roster
    assert hostile not in roster
    assert ">555</a>" in roster  # no longer a member: Discord has no name, the id stands in
    history = _main(await (await client.get(f"/mod/{GUILD_A}/attendance?member={CAROL}")).text())
    assert f"Attendance of {escaped}" in history and hostile not in history
    audit = _main(await (await client.get(f"/mod/{GUILD_A}/audit")).text())
    assert f'<td>Alice Moderator <span class="hint">{ALICE}</span></td>' in audit
    assert f">{escaped}</a>" in audit and hostile not in audit


async def test_correction_is_audited_with_its_reason(
    client: Client, discord: FakeDiscord, sqlite_db: Database, members: FakeMembership
) -> None:
    members.names = {CAROL: "<i>Carol</i>"}
    meeting = await _meeting(sqlite_db, GUILD_A, "Chapter Two", members=())
    await sign_in(client, discord, ALICE)
    token = await csrf_of(client, f"/mod/{GUILD_A}/meetings/{meeting}")
    posted = await client.post(
        f"/mod/{GUILD_A}/meetings/{meeting}/attendance",
        data={"csrf_token": token, "member": f"<@{CAROL}>", "present": "yes", "reason": "late"},
    )
    assert posted.status == 200
    notice = await posted.text()
    assert f"Member &lt;i&gt;Carol&lt;/i&gt; ({CAROL}) was added to meeting #{meeting}" in notice
    present = await meeting_store.attendance_of(sqlite_db, meeting)
    assert [a.member_id for a in present] == [CAROL]
    audit = await (await client.get(f"/mod/{GUILD_A}/audit?action=attendance")).text()
    assert "attendance.add" in audit and "late" in audit and str(CAROL) in audit
    filtered = await (await client.get(f"/mod/{GUILD_A}/audit?member=999")).text()
    assert "attendance.add" not in filtered
    history = await (await client.get(f"/mod/{GUILD_A}/attendance?member={CAROL}")).text()
    assert "1 of 1 meeting attended (100%)" in history


async def test_a_correction_without_csrf_changes_nothing(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    meeting = await _meeting(sqlite_db, GUILD_A, "Chapter Three", members=())
    await sign_in(client, discord, ALICE)
    for data in ({}, {"csrf_token": "forged"}):
        posted = await client.post(
            f"/mod/{GUILD_A}/meetings/{meeting}/attendance",
            data={**data, "member": str(CAROL), "present": "yes"},
        )
        assert posted.status == 403
    assert await meeting_store.attendance_of(sqlite_db, meeting) == []


async def test_a_moderator_of_a_cannot_correct_in_b_by_editing_ids(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    theirs = await _meeting(sqlite_db, GUILD_B, "Other Group Night", members=(BOB,))
    await sign_in(client, discord, ALICE)
    token = await csrf_of(client, f"/mod/{GUILD_A}/meetings")
    form = {"csrf_token": token, "member": str(BOB), "present": "no"}
    # B's meeting under A's address: looked up in A only, so not found.
    inside = await client.post(f"/mod/{GUILD_A}/meetings/{theirs}/attendance", data=form)
    said = await inside.text()
    assert f"There is no meeting #{theirs}" in said and "Other Group Night" not in said
    page = await client.get(f"/mod/{GUILD_A}/meetings/{theirs}")
    assert page.status == 404 and "Other Group Night" not in await page.text()
    # B's address: Alice is not in B, so the gate answers 404.
    outside = await client.post(f"/mod/{GUILD_B}/meetings/{theirs}/attendance", data=form)
    assert outside.status == 404
    assert [a.member_id for a in await meeting_store.attendance_of(sqlite_db, theirs)] == [BOB]


async def test_csv_download_is_the_attendance_export_file(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    await _meeting(sqlite_db, GUILD_A, "=cmd|' /C calc'!A0", members=(ALICE, CAROL))
    await _meeting(sqlite_db, GUILD_B, "Not ours", members=(BOB,))
    await sign_in(client, discord, ALICE)
    response = await client.get(f"/mod/{GUILD_A}/meetings/export.csv")
    assert response.status == 200
    assert re.fullmatch(
        rf'attachment; filename="attendance-{GUILD_A}-\d{{8}}\.csv"',
        response.headers["Content-Disposition"],
    )
    expected = io.BytesIO()
    await export_file(sqlite_db, GUILD_A, None, None, expected)
    body = await response.read()
    assert body == expected.getvalue()
    assert b"Not ours" not in body and b"'=cmd" in body
    bad = await client.get(f"/mod/{GUILD_A}/meetings/export.csv?from=yesterday")
    assert "Meetings" in await bad.text()  # back on the page with the date error


async def _read(db: Database, user: int, section: str, day: date) -> None:
    await record_reading(
        db,
        guild_id=GUILD_A,
        user_id=user,
        document="anti-ai",
        section=section,
        ref=f"anti-ai:{section}",
        read_on=day,
        source="command",
        now=NOW,
    )


async def test_reading_page_counts_private_members_but_never_names_them(
    client: Client,
    discord: FakeDiscord,
    members: FakeMembership,
    sqlite_db: Database,
    library: Library,
) -> None:
    today = datetime.now(UTC).date()
    first, second, third = (s.slug for s in readable_sections(library.documents["anti-ai"])[:3])
    shy, open_reader, behind = 777001, 777002, 777003
    for reader in (shy, open_reader):
        await _read(sqlite_db, reader, first, today)
        await _read(sqlite_db, reader, second, today)
    await _read(sqlite_db, behind, first, today)
    await streak_store.set_private(sqlite_db, shy, True, now=NOW)
    schedule = await prompt_store.create_schedule(
        sqlite_db,
        prompt_store.NewSchedule(
            guild_id=GUILD_A,
            channel_id=5001,
            creator_id=ALICE,
            content=Content(kind="reading", document="anti-ai", start=first),
            recurrence=build_recurrence("daily", "UTC", now=NOW, at="18:00"),
        ),
        now=NOW,
    )
    async with sqlite_db.transaction() as conn:  # two sections posted: the third is next
        await conn.execute(
            "UPDATE prompt_schedules SET state = ? WHERE id = ?",
            (json.dumps({"next": third}), schedule.id),
        )
    members.guilds[GUILD_A][1].update({shy, open_reader, behind})
    members.names = {shy: "Shy Reader", open_reader: "Opal"}
    await sign_in(client, discord, ALICE)
    response = await client.get(f"/mod/{GUILD_A}/reading?text=anti-ai")
    html = await response.text()
    assert response.status == 200
    assert str(shy) not in html and "Shy Reader" not in html
    assert f'member={open_reader}">Opal</a>' in html
    assert f">{behind}</a>" in html  # Discord has no name for them: shown by id
    assert "2 on track" in html and "1 behind" in html
    assert "1 member who keeps their reading private" in html
    # The table: 3 readers of the first section, 2 of the second.
    assert re.search(rf"{first}\">[^<]+</a></th><td>3</td>", html), html
    assert re.search(rf"{second}\">[^<]+</a></th><td>2</td>", html), html
    chart = await client.get(f"/mod/{GUILD_A}/reading/chart.svg?text=anti-ai")
    assert chart.status == 200 and "<svg" in await chart.text()


async def test_audit_log_pages_and_filters(
    client: Client, discord: FakeDiscord, sqlite_db: Database
) -> None:
    meeting = await _meeting(sqlite_db, GUILD_A, "Paged", members=())
    actor = Actor(ALICE, GUILD_A, True, "alice")
    for n in range(30):
        await correct_attendance(
            sqlite_db, actor, meeting, 900 + n, present=True, now=NOW + timedelta(minutes=n)
        )
    await sign_in(client, discord, ALICE)
    first = await (await client.get(f"/mod/{GUILD_A}/audit")).text()
    assert "30 entries" in first and "Page 1 of 2" in first
    assert "member <a" in first and ">929<" in first and ">904<" not in first
    assert f'href="/mod/{GUILD_A}/audit?page=2">Next</a>' in first
    second = await (await client.get(f"/mod/{GUILD_A}/audit?page=2")).text()
    assert ">904<" in second
    assert f'href="/mod/{GUILD_A}/audit?page=1">Previous</a>' in second
    assert ">Next</a>" not in second
    bad = await (await client.get(f"/mod/{GUILD_A}/audit?member=someone")).text()
    assert "must be a Discord id" in bad


def test_the_chart_library_is_imported_only_when_a_chart_is_drawn() -> None:
    import subprocess
    import sys

    probe = "import sys, web.app, web.group; print('pygal' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
