"""The audit log on both databases: filtered pages, retention, and member data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.privacy import export_member, forget_member
from bot.storage import audit
from bot.storage.database import Database
from bot.storage.guild_settings import set_setting

GUILD, OTHER = 1, 2
MOD, ALICE = 10, 20
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


async def write(db: Database, entry: audit.Audit, at: datetime, guild: int = GUILD) -> None:
    async with db.transaction() as conn:
        await entry.write(conn, guild, before={"status": "active"}, after={"x": 1}, at=at)


async def test_entries_filter_by_action_actor_and_time_newest_first_in_pages(
    db: Database,
) -> None:
    for day in range(5):
        await write(db, audit.Audit(MOD, "prompt.edit", "prompt:1"), NOW - timedelta(days=day))
    await write(db, audit.Audit(ALICE, "attendance.add", "meeting:3", member_id=5), NOW)
    await write(db, audit.Audit(MOD, "prompt.pause", "prompt:1"), NOW, guild=OTHER)

    page, total = await audit.list_entries(db, GUILD, page_size=4)
    assert total == 6 and len(page) == 4
    assert [e.at for e in page] == sorted((e.at for e in page), reverse=True)
    rest, _ = await audit.list_entries(db, GUILD, page=1, page_size=4)
    assert len(rest) == 2 and not {e.id for e in rest} & {e.id for e in page}
    prompts, n = await audit.list_entries(db, GUILD, action="prompt")
    assert n == 5 and {e.action for e in prompts} == {"prompt.edit"}
    assert prompts[0].before == {"status": "active"} and prompts[0].after == {"x": 1}
    by_alice, n = await audit.list_entries(db, GUILD, actor_id=ALICE)
    assert n == 1 and by_alice[0].member_id == 5 and by_alice[0].target == "meeting:3"
    window, n = await audit.list_entries(
        db, GUILD, since=NOW - timedelta(days=2), until=NOW - timedelta(hours=1)
    )
    assert n == 2 and all(NOW - timedelta(days=2) <= e.at < NOW for e in window)


async def test_old_entries_are_pruned_per_server_retention(db: Database) -> None:
    await write(db, audit.Audit(MOD, "prompt.edit"), NOW - timedelta(days=400))
    await write(db, audit.Audit(MOD, "prompt.edit"), NOW - timedelta(days=40))
    await write(db, audit.Audit(MOD, "prompt.edit"), NOW - timedelta(days=40), guild=OTHER)
    await set_setting(db, OTHER, "audit_retention_days", 30)
    assert await audit.prune(db, NOW) == 2  # 400 days here (default 365), 40 days there
    assert (await audit.list_entries(db, GUILD))[1] == 1
    assert (await audit.list_entries(db, OTHER))[1] == 0


async def test_a_member_exports_and_forgets_what_the_log_says_about_them(db: Database) -> None:
    await write(db, audit.Audit(MOD, "attendance.add", "meeting:3", member_id=ALICE), NOW)
    await write(db, audit.Audit(ALICE, "prompt.create", "prompt:2"), NOW)
    exported = (await export_member(db, ALICE))["audit_log"]
    assert {row["action"] for row in exported} == {"attendance.add", "prompt.create"}
    assert (await forget_member(db, ALICE))["audit_log"] == 2
    left, n = await audit.list_entries(db, GUILD)
    assert n == 1 and left[0].action == "prompt.create" and left[0].actor_id is None
    assert (await export_member(db, ALICE))["audit_log"] == []
