"""How schedules read in Discord: previews and list lines, built here so tests can read them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bot.i18n import _
from bot.scheduling.content import (
    Content,
    DocumentLookup,
    Escape,
    PlanFinished,
    PostOptions,
    PostPayload,
    render,
)
from bot.scheduling.recurrence import Recurrence
from bot.storage import prompts as store
from bot.storage.database import Database
from bot.storage.prompts import Run, Schedule

MANUAL_PAUSE: Final = "paused by "
"""How a moderator's pause is stored (``paused by alice``): data, read back in any language by
:func:`pause_reason`. The scheduler's own reasons are stored in the server's language."""
PREVIEW_RUNS: Final = 5
PAGE_SIZE: Final = 8
_EXCERPT: Final = 600


def pause_reason(stored: str | None) -> str:
    """Why a prompt is paused, in the reader's language: "by alice" for a moderator's pause."""
    if not stored:
        return _("by a moderator")
    if stored.startswith(MANUAL_PAUSE):
        return _("by {name}").format(name=stored[len(MANUAL_PAUSE) :])
    return stored


def stamp(moment: datetime, style: str = "f") -> str:
    """A Discord timestamp: every reader sees it in their own time zone."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def payload_text(payload: PostPayload) -> str:
    """The post as a moderator should check it: the message, the passage's start, the thread."""
    parts = [payload.content]
    if payload.embed_title:
        parts.append(f"> **{payload.embed_title}**")
    if payload.embed_text:
        text = payload.embed_text
        if len(text) > _EXCERPT:
            text = text[:_EXCERPT].rstrip() + "…"
        parts.append("\n".join(f"> {line}" if line else ">" for line in text.splitlines()))
    if payload.thread_name:
        parts.append(_("Thread: **{name}**").format(name=payload.thread_name))
    if payload.reading is not None:
        parts.append(_("With a **Mark as read** button."))
    return "\n".join(parts)


def preview(
    *,
    title: str,
    channel_id: int,
    content: Content,
    recurrence: Recurrence,
    options: PostOptions,
    payload: PostPayload | None,
    runs: Sequence[datetime],
    status: str = "active",
    paused_reason: str | None = None,
) -> str:
    """The answer to ``/prompt add`` and ``/prompt preview``: when, where, and exactly what."""
    lines = [
        _("**{title}** in {channel}").format(title=title, channel=f"<#{channel_id}>"),
        f"{recurrence.describe()}.",
        content.describe() + ".",
    ]
    if options.ping_role_id:
        lines.append(_("Pings {role}.").format(role=f"<@&{options.ping_role_id}>"))
    if status == "paused":
        lines.append(_("**Paused**: {reason}.").format(reason=pause_reason(paused_reason)))
    elif status == "finished":
        lines.append(_("**Finished**: nothing more to post."))
    if status == "active" and runs:
        lines.append(
            _("Next runs: {runs}").format(runs=", ".join(stamp(r) for r in runs[:PREVIEW_RUNS]))
        )
    elif status == "active":
        lines.append(_("No future runs."))
    lines.append("")
    lines.append(
        _("**Next post**") if payload is not None else _("**Next post**: none (plan finished)")
    )
    if payload is not None:
        lines.append(payload_text(payload))
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1999] + "…"


def list_page(schedules: Sequence[Schedule], last: Mapping[int, Run], page: int, pages: int) -> str:
    if not schedules:
        return _("No prompts yet. Add one with `/prompt add`.")
    lines = [_("**Prompts** (page {page} of {pages})").format(page=page + 1, pages=pages)]
    for s in schedules:
        if s.status == "active" and s.next_run_at is not None:
            when = _("next {when} ({relative})").format(
                when=stamp(s.next_run_at), relative=stamp(s.next_run_at, "R")
            )
        elif s.status == "paused":
            when = _("**paused**: {reason}").format(reason=pause_reason(s.paused_reason))
        else:
            when = _("**finished**")
        previous = last.get(s.id)
        tail = ""
        if previous is not None and previous.status == "failed":
            tail = " · " + _("last run failed")
        elif previous is not None and previous.status == "posted" and previous.posted_at:
            tail = " · " + _("last posted {when}").format(when=stamp(previous.posted_at, "R"))
        lines.append(
            f"`#{s.id}` <#{s.channel_id}> · {s.recurrence.describe()} · {s.content.describe()}"
            f"\n  {when}{tail}"
        )
    text = "\n".join(lines)
    return text if len(text) <= 2000 else text[:1999] + "…"


def next_post(schedule: Schedule, documents: DocumentLookup, escape: Escape) -> PostPayload | None:
    """What the schedule would post next; None once its reading plan is finished."""
    try:
        return render(schedule.content, schedule.state, schedule.options, documents, escape).payload
    except PlanFinished:
        return None


def schedule_preview(
    title: str, schedule: Schedule, documents: DocumentLookup, escape: Escape, now: datetime
) -> str:
    """:func:`preview` of a stored schedule: its next post and its next runs from ``now``."""
    return preview(
        title=title,
        channel_id=schedule.channel_id,
        content=schedule.content,
        recurrence=schedule.recurrence,
        options=schedule.options,
        payload=next_post(schedule, documents, escape),
        runs=schedule.recurrence.upcoming(now, PREVIEW_RUNS),
        status=schedule.status,
        paused_reason=schedule.paused_reason,
    )


@dataclass(frozen=True, slots=True)
class ListPage:
    text: str
    page: int
    """Zero-based, clamped to the pages there are."""
    pages: int


async def list_of(db: Database, guild_id: int, page: int) -> ListPage:
    """One page of a server's prompts with their last runs, as ``/prompt list`` shows it."""
    total = await store.count_schedules(db, guild_id)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    schedules = await store.list_schedules(db, guild_id, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    last = await store.last_runs(db, [s.id for s in schedules])
    return ListPage(list_page(schedules, last, page, pages), page, pages)
