"""Every kind of member data the bot stores, with how to export it and how to forget it.

A feature that stores rows about a member adds a :class:`MemberData` to :data:`MEMBER_DATA`, so that
``/me export`` and ``/me forget`` can never miss a table: a test checks that every table with a
member or user column is covered.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import i18n
from bot.i18n import N_, _
from bot.plural import ngettext
from bot.storage.database import Connection, Database

ExportFn = Callable[[Database, int], Awaitable[list[dict[str, Any]]]]
ForgetFn = Callable[[Connection, int], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class MemberData:
    """One area of member data. ``tables`` are the tables it covers (checked by a test)."""

    name: str
    tables: tuple[str, ...]
    export: ExportFn
    forget: ForgetFn


MEMBER_DATA: list[MemberData] = []
"""Filled by features: ``MEMBER_DATA.append(MemberData(...))`` in their storage module, which
:func:`all_member_data` imports so registration cannot be skipped."""


def all_member_data() -> list[MemberData]:
    """Import every storage module that registers member data, then return the registry."""
    import importlib
    import pkgutil

    import bot.storage as storage

    for module in pkgutil.iter_modules(storage.__path__):
        importlib.import_module(f"bot.storage.{module.name}")
    return list(MEMBER_DATA)


async def export_member(db: Database, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row about a user, by area, for a JSON download."""
    return {area.name: await area.export(db, user_id) for area in all_member_data()}


async def export_document(db: Database, user_id: int, now: datetime) -> bytes:
    """The JSON file ``/me export`` and the web page's download both hand out."""
    data = await export_member(db, user_id)
    payload = {"user_id": user_id, "exported_at": now.isoformat(), "data": data}
    return json.dumps(payload, ensure_ascii=False, indent=2, default=str).encode()


def export_filename(user_id: int) -> str:
    return f"my-data-{user_id}.json"


def forget_summary(counts: dict[str, int]) -> str:
    """What a member reads after forgetting, in Discord and on the web."""
    total = sum(counts.values())
    detail = ", ".join(
        f"{_(AREA_NAMES[name]) if name in AREA_NAMES else name.replace('_', ' ')}: {n}"
        for name, n in counts.items()
        if n
    )
    if detail:
        done = ngettext(
            "Done: {n} row about you was deleted ({detail}).",
            "Done: {n} rows about you were deleted ({detail}).",
            total,
        )
    else:
        done = ngettext(
            "Done: {n} row about you was deleted.", "Done: {n} rows about you were deleted.", total
        )
    # The detail names the storage areas (attendance, reading_log…) as the export file does.
    return _("{done} Anything you do from now on is recorded afresh.").format(
        done=done.format(n=i18n.number(total), detail=detail)
    )


AREA_NAMES: dict[str, str] = {
    "member_settings": N_("settings"),
    "streaks": N_("streaks"),
    "reading_log": N_("reading log"),
    "prompt_schedules": N_("prompts you created"),
    "meeting_attendance": N_("meeting attendance"),
    "meeting_corrections": N_("attendance corrections"),
    "meetings_started": N_("meetings you started"),
    "audit_log": N_("audit log"),
}
"""How a member reads each storage area's name in the summary of ``/me forget``."""


FORGET_WARNING = N_(
    "This deletes your attendance, streaks, reading log and every other row about you, "
    "on every server, and cannot be undone. Moderators' corrections you made stay, "
    "unsigned."
)


async def forget_member(db: Database, user_id: int) -> dict[str, int]:
    """Delete every row about a user in one transaction; return the count per area."""
    areas = all_member_data()
    counts: dict[str, int] = {}
    async with db.transaction() as conn:
        for area in areas:
            counts[area.name] = await area.forget(conn, user_id)
    return counts
