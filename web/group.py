"""Moderators' pages for running the group: meetings and attendance, the group's reading, the
audit log.

Every handler sits behind the moderator gate (:func:`web.moderator.moderator_page`) and acts
through :mod:`bot.actions` with the gate's :class:`bot.actions.Actor`; the ids a form carries
are only ever looked up inside the server of the URL, so editing them reaches nothing of
another server. Queries are :mod:`bot.storage`'s, wording and rates :mod:`bot.meetings`' and
:mod:`bot.streaks`', charts :mod:`web.charts`' (pygal, imported when a chart is drawn).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, Final, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import i18n
from bot.actions import meetings as meeting_actions
from bot.errors import BotError
from bot.i18n import N_, _
from bot.meetings.attendance import date_range, rate_over_time
from bot.meetings.errors import UnknownMeeting
from bot.meetings.export import export_file, export_filename
from bot.meetings.render import SOURCE_LABEL, voice_duration
from bot.storage import audit as audit_store
from bot.storage import group_reading
from bot.storage import meetings as store
from bot.storage import prompts as prompt_store
from bot.storage.streaks import guild_zone
from bot.streaks.group import (
    section_readers,
    sections_posted,
    week_ends,
)
from bot.streaks.progress import readable_sections
from web.moderator import PREFIX, Moderating, moderator_page, names_of, not_found
from web.render import CONTEXT_KEY, render
from web.sessions import flash
from web.textbody import text_url

T = TypeVar("T")
MEETINGS_PER_PAGE: Final = 25
CHART_MEETINGS: Final = 52
READING_WEEKS: Final = 8
NAMED_LIMIT: Final = 200
"""Members named per list on the reading page; the rest are counted."""
_MENTION: Final = re.compile(r"<@!?(\d+)>")


def _plain(message: str) -> str:
    """A domain message written for Discord, for a page: ``<@id>`` becomes "member id"."""
    return _MENTION.sub(lambda found: _("member {id}").format(id=found[1]), message).replace(
        "`", ""
    )


def _page_number(request: web.Request) -> int:
    try:
        return max(0, int(request.query.get("page", "1")) - 1)
    except ValueError:
        return 0


def _when(moment: datetime | None, zone: ZoneInfo) -> dict[str, str] | None:
    if moment is None:
        return None
    return {"iso": moment.isoformat(), "text": i18n.moment(moment.astimezone(zone))}


def _member_id(text: str) -> int | None:
    """A member as a moderator types one: an id, or a mention copied from Discord."""
    found = re.fullmatch(r"\s*(?:<@!?)?(\d{1,20})>?\s*", text)
    return int(found[1]) if found else None


# --- Meetings and attendance --------------------------------------------------------------------


async def meetings_page(request: web.Request, mod: Moderating) -> web.Response:
    context = request.app[CONTEXT_KEY]
    page = _page_number(request)
    zone = await guild_zone(context.db, mod.guild_id)
    counted, total = await store.meetings_page(
        context.db, mod.guild_id, page=page, page_size=MEETINGS_PER_PAGE
    )
    shown = [
        {
            "id": item.meeting.id,
            "title": item.meeting.title,
            "started": _when(item.meeting.started_at, zone),
            "ended": _when(item.meeting.ended_at, zone),
            "present": item.present,
        }
        for item in counted
    ]
    chart = await store.recent_counts(context.db, mod.guild_id, limit=CHART_MEETINGS)
    pages = max(1, -(-total // MEETINGS_PER_PAGE))
    return await render(
        request,
        "mod_meetings.html",
        section="meetings",
        title=_("Meetings · {server}").format(server=mod.server),
        mod=mod,
        zone=zone.key,
        meetings=shown,
        total=total,
        page=page + 1,
        pages=pages,
        chart=[
            {
                "title": c.meeting.title,
                "day": i18n.day(c.meeting.started_at.astimezone(zone)),
                "present": c.present,
            }
            for c in chart
        ],
        flash=await flash(request),
    )


async def meeting_page(request: web.Request, mod: Moderating) -> web.Response:
    """One meeting: its roster as ``/attendance meeting`` words it, and the correction form."""
    context = request.app[CONTEXT_KEY]
    zone = await guild_zone(context.db, mod.guild_id)
    try:
        meeting = await store.get_meeting(
            context.db, mod.guild_id, int(request.match_info["meeting_id"])
        )
    except UnknownMeeting:
        raise await not_found(
            request,
            _("Meeting not found"),
            _("There is no meeting of this server at this address."),
        ) from None
    attendance, voice = (await store.rosters(context.db, [meeting.id], now=context.clock()))[
        meeting.id
    ]
    present = {a.member_id for a in attendance}
    names = await names_of(request, mod.guild_id, [*present, *voice])
    return await render(
        request,
        "mod_meeting.html",
        names=names,
        section="meetings",
        title=_("Meeting #{id} · {server}").format(id=meeting.id, server=mod.server),
        mod=mod,
        zone=zone.key,
        m={
            "id": meeting.id,
            "title": meeting.title,
            "started": _when(meeting.started_at, zone),
            "ended": _when(meeting.ended_at, zone),
            "present": len(attendance),
        },
        roster=[
            {
                "member_id": a.member_id,
                "how": _(SOURCE_LABEL[a.source]),
                "at": _when(a.recorded_at, zone),
                "voice": voice_duration(voice[a.member_id]) if a.member_id in voice else "",
            }
            for a in attendance
        ],
        voice_only=[
            {"member_id": member, "voice": voice_duration(stretch)}
            for member, stretch in sorted(voice.items())
            if member not in present and stretch > timedelta()
        ],
        flash=await flash(request),
    )


async def meetings_chart(request: web.Request, mod: Moderating) -> web.Response:
    from web.charts import line_chart, svg_response

    context = request.app[CONTEXT_KEY]
    zone = await guild_zone(context.db, mod.guild_id)
    counted = await store.recent_counts(context.db, mod.guild_id, limit=CHART_MEETINGS)
    labels = [c.meeting.started_at.astimezone(zone).strftime("%Y-%m-%d") for c in counted]
    svg = await asyncio.to_thread(
        line_chart,
        _("Members present per meeting"),
        labels,
        [(_("Present"), [c.present for c in counted])],
    )
    return svg_response(svg)


async def correct(request: web.Request, mod: Moderating) -> web.StreamResponse:
    """Add or remove a member's attendance; the meeting is looked up in the URL's server only."""
    context = request.app[CONTEXT_KEY]
    form = await request.post()
    meeting_id = int(request.match_info["meeting_id"])
    back = f"{mod.base}/meetings/{meeting_id}"
    member_id = _member_id(str(form.get("member", "")))
    choice = form.get("present")
    if member_id is None:
        await flash(request, _("Give the member’s Discord id (or paste their mention)."))
        raise web.HTTPSeeOther(back)
    if choice not in ("yes", "no"):
        await flash(request, _("Choose whether to add or remove the attendance."))
        raise web.HTTPSeeOther(back)
    present = choice == "yes"
    try:
        await meeting_actions.correct_attendance(
            context.db,
            mod.actor,
            meeting_id,
            member_id,
            present=present,
            now=context.clock(),
            reason=str(form.get("reason", ""))[:1000],
        )
    except BotError as exc:
        await flash(request, _plain(exc.message))
        unknown = isinstance(exc, UnknownMeeting)
        raise web.HTTPSeeOther(f"{mod.base}/meetings" if unknown else back) from None
    done = (
        _("Member {member} was added to meeting #{id}.")
        if present
        else _("Member {member} was removed from meeting #{id}.")
    )
    # Named as on the meeting's roster; the id stays, since it is what the moderator typed.
    name = (await names_of(request, mod.guild_id, [member_id])).get(member_id)
    member = f"{name} ({member_id})" if name else str(member_id)
    await flash(request, done.format(member=member, id=meeting_id))
    raise web.HTTPSeeOther(back)


async def export(request: web.Request, mod: Moderating) -> web.StreamResponse:
    """The ``/attendance export`` file: the same function writes it, so the bytes are the same."""
    context = request.app[CONTEXT_KEY]
    zone = await guild_zone(context.db, mod.guild_id)
    try:
        lo, hi = date_range(
            request.query.get("from") or None, request.query.get("to") or None, zone
        )
    except BotError as exc:
        await flash(request, _plain(exc.message))
        raise web.HTTPSeeOther(f"{mod.base}/meetings") from None
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="'
            f'{export_filename(mod.guild_id, datetime.now(UTC))}"',
            "Cache-Control": "no-store",
        }
    )
    with tempfile.TemporaryFile() as raw:
        await export_file(context.db, mod.guild_id, lo, hi, raw)
        raw.seek(0)
        await response.prepare(request)
        while chunk := raw.read(64 * 1024):
            await response.write(chunk)
    await response.write_eof()
    return response


async def _member_history(request: web.Request, mod: Moderating) -> tuple[int, list[Any]]:
    member_id = _member_id(request.query.get("member", ""))
    if member_id is None:
        raise web.HTTPSeeOther(f"{mod.base}/meetings")
    context = request.app[CONTEXT_KEY]
    return member_id, await store.member_history(context.db, mod.guild_id, member_id)


async def member_page(request: web.Request, mod: Moderating) -> web.Response:
    context = request.app[CONTEXT_KEY]
    zone = await guild_zone(context.db, mod.guild_id)
    member_id, history = await _member_history(request, mod)
    held = [(m, a) for m, a in history if m.ended_at is not None]
    came = sum(1 for _m, a in held if a is not None)
    rates = rate_over_time([a is not None for _m, a in reversed(held)])
    name = (await names_of(request, mod.guild_id, [member_id])).get(member_id)
    return await render(
        request,
        "mod_member.html",
        flash=await flash(request),
        section="meetings",
        title=_("Attendance of {member} · {server}").format(
            member=name or _("member {id}").format(id=member_id), server=mod.server
        ),
        mod=mod,
        member_id=member_id,
        name=name,
        zone=zone.key,
        held=len(held),
        came=came,
        rate=i18n.percent(came / len(held)) if held else "",
        history=[
            {
                "id": m.id,
                "title": m.title,
                "started": _when(m.started_at, zone),
                "running": m.ended_at is None,
                "how": _(SOURCE_LABEL[a.source]) if a is not None else "",
                "present": a is not None,
                "rate": i18n.percent(rate) if rate is not None else "",
            }
            for (m, a), rate in zip(history, _rates_newest_first(history, rates), strict=True)
        ],
    )


def _rates_newest_first(history: list[Any], rates: list[float]) -> list[float | None]:
    """The running rate beside each meeting of the (newest-first) history; None while running."""
    remaining = list(reversed(rates))
    return [None if m.ended_at is None else remaining.pop(0) for m, _a in history]


async def member_chart(request: web.Request, mod: Moderating) -> web.Response:
    from web.charts import line_chart, svg_response

    context = request.app[CONTEXT_KEY]
    zone = await guild_zone(context.db, mod.guild_id)
    member_id, history = await _member_history(request, mod)
    held = [(m, a) for m, a in reversed(history) if m.ended_at is not None]
    rates = rate_over_time([a is not None for _m, a in held])
    labels = [m.started_at.astimezone(zone).strftime("%Y-%m-%d") for m, _a in held]
    svg = await asyncio.to_thread(
        partial(
            line_chart,
            _("Attendance rate of member {member}").format(member=member_id),
            labels,
            [(_("Rate"), rates)],
            percent=True,
        )
    )
    return svg_response(svg)


# --- The group's reading ------------------------------------------------------------------------


def _document(request: web.Request) -> Any:
    library = request.app[CONTEXT_KEY].library
    slug = request.query.get("text") or request.match_info.get("slug") or ""
    if slug not in library.documents:
        slug = next(iter(library.documents))
    return library.documents[slug]


async def _readers(request: web.Request, mod: Moderating) -> tuple[Any, list[Any], list[date]]:
    context = request.app[CONTEXT_KEY]
    document = _document(request)
    zone = await guild_zone(context.db, mod.guild_id)
    today = context.clock().astimezone(zone).date()
    ends = week_ends(today, READING_WEEKS)
    firsts = await group_reading.first_reads(context.db, mod.guild_id, document.slug, weeks=ends)
    return document, section_readers(readable_sections(document), firsts, ends), ends


async def _plans(request: web.Request, mod: Moderating, document: Any) -> list[dict[str, Any]]:
    """Running section-by-section reading plans of this text, with who is on track."""
    context = request.app[CONTEXT_KEY]
    sections = readable_sections(document)
    plans = []
    for schedule in await prompt_store.list_schedules(context.db, mod.guild_id, limit=200):
        content = schedule.content
        if (
            content.kind != "reading"
            or content.unit != "section"
            or content.document != document.slug
            or schedule.status != "active"
            or content.start is None
        ):
            continue
        posted = sections_posted(
            sections,
            content.start,
            schedule.state.get("next"),
            started="next" in schedule.state,
        )
        standing = await group_reading.plan_standing(
            context.db,
            mod.guild_id,
            document.slug,
            posted,
            schedule_id=schedule.id,
            named=NAMED_LIMIT,
        )
        titles = {s.slug: s.title for s in sections}
        plans.append(
            {
                "id": schedule.id,
                "due": [titles[s] for s in standing.due],
                "standing": standing,
                "on_track": standing.on_track,
                "behind": standing.behind,
            }
        )
    return plans


async def reading_page(request: web.Request, mod: Moderating) -> web.Response:
    context = request.app[CONTEXT_KEY]
    document, rows, ends = await _readers(request, mod)
    plans = await _plans(request, mod, document)
    return await render(
        request,
        "mod_reading.html",
        flash=await flash(request),
        section="reading",
        title=_("The group’s reading · {server}").format(server=mod.server),
        mod=mod,
        document=document,
        texts=[
            {"slug": d.slug, "title": d.title, "current": d.slug == document.slug}
            for d in context.library.documents.values()
        ],
        text_url=text_url(document.slug),
        rows=rows,
        weeks=[end.isoformat() for end in ends],
        plans=plans,
        names=await names_of(
            request, mod.guild_id, [m for p in plans for m in (*p["on_track"], *p["behind"])]
        ),
        chart_url=f"{mod.base}/reading/chart.svg?{urlencode({'text': document.slug})}",
    )


async def reading_chart(request: web.Request, mod: Moderating) -> web.Response:
    from web.charts import bar_chart, svg_response

    document, rows, _ends = await _readers(request, mod)
    svg = await asyncio.to_thread(
        bar_chart,
        _("Members who have read each section of {title}").format(title=document.title),
        [r.section.title for r in rows],
        [r.readers for r in rows],
    )
    return svg_response(svg)


# --- Audit log ---------------------------------------------------------------------------------


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def audit_page(request: web.Request, mod: Moderating) -> web.Response:
    context = request.app[CONTEXT_KEY]
    zone = await guild_zone(context.db, mod.guild_id)
    query = request.query
    action = query.get("action", "").strip()[:40]
    member = query.get("member", "").strip()[:40]
    actor = query.get("by", "").strip()[:40]
    since, until = _day(query.get("from", "")), _day(query.get("to", ""))
    errors = []
    member_id = _member_id(member) if member else None
    actor_id = _member_id(actor) if actor else None
    if member and member_id is None:
        errors.append(_("The member must be a Discord id."))
    if actor and actor_id is None:
        errors.append(_("The moderator must be a Discord id."))
    if (query.get("from") and since is None) or (query.get("to") and until is None):
        errors.append(_("Dates are written YYYY-MM-DD."))
    page = _page_number(request)
    entries: list[audit_store.AuditEntry] = []
    total = 0
    if not errors:
        entries, total = await audit_store.list_entries(
            context.db,
            mod.guild_id,
            action=action or None,
            actor_id=actor_id,
            member_id=member_id,
            since=None if since is None else _midnight(since, zone),
            until=None if until is None else _midnight(until + timedelta(days=1), zone),
            page=page,
        )
    form = {
        "action": action,
        "member": member,
        "by": actor,
        "from": query.get("from", "")[:10],
        "to": query.get("to", "")[:10],
    }
    filters = {k: v for k, v in form.items() if v}
    pages = max(1, -(-total // audit_store.PAGE_SIZE))
    named = [i for e in entries for i in (e.actor_id, e.member_id) if i is not None]
    return await render(
        request,
        "mod_audit.html",
        flash=await flash(request),
        section="audit",
        title=_("Audit log · {server}").format(server=mod.server),
        mod=mod,
        zone=zone.key,
        form=form,
        errors=errors,
        names=await names_of(request, mod.guild_id, named),
        entries=[
            {
                "at": _when(e.at, zone),
                "actor": e.actor_id,
                "action": e.action,
                "label": _(ACTION_LABELS[e.action]) if e.action in ACTION_LABELS else e.action,
                "target": _target(e.target),
                "member": e.member_id,
                "before": _state(e.before),
                "after": _state(e.after),
            }
            for e in entries
        ],
        total=total,
        page=page + 1,
        pages=pages,
        page_link=lambda n: f"{mod.base}/audit?{urlencode({**filters, 'page': n})}",
        actions=[(area, _(label)) for area, label in ACTION_AREAS],
    )


ACTION_AREAS: Final = (
    ("prompt", N_("Prompts")),
    ("meeting", N_("Meetings")),
    ("attendance", N_("Attendance")),
    ("setting", N_("Settings")),
)
"""The audit log's filter: an area's actions all start with its name (``prompt.…``)."""
ACTION_LABELS: Final = {
    "prompt.create": N_("Prompt added"),
    "prompt.edit": N_("Prompt changed"),
    "prompt.pause": N_("Prompt paused"),
    "prompt.resume": N_("Prompt resumed"),
    "prompt.skip": N_("Next run skipped"),
    "prompt.run": N_("Prompt run now"),
    "prompt.remove": N_("Prompt removed"),
    "meeting.start": N_("Meeting started"),
    "meeting.end": N_("Meeting ended"),
    "attendance.add": N_("Attendance added"),
    "attendance.remove": N_("Attendance removed"),
    "setting.change": N_("Setting changed"),
}
"""What each audited action is called on the page (its code stays in the cell's tooltip)."""


def _target(target: str) -> str:
    """What an entry is about, as the page names it: ``meeting:12`` is "meeting #12"."""
    kind, _sep, name = target.partition(":")
    if kind == "meeting" and name.isdigit():
        return _("meeting #{id}").format(id=name)
    if kind == "prompt" and name.isdigit():
        return _("prompt #{id}").format(id=name)
    if kind == "setting":
        from web.moderator_settings import FIELDS

        labels = {f.key: f.label for f in FIELDS}
        return _(labels[name]) if name in labels else name
    return target


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _state(value: Any) -> list[tuple[str, str]]:
    """A before or after state as label/value pairs (JSON objects), else one line."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [(str(k), _short(v)) for k, v in sorted(value.items())]
    return [("", _short(value))]


def _short(value: Any) -> str:
    text = (
        value
        if isinstance(value, str)
        else repr(value)
        if not isinstance(value, (dict, list))
        else str(value)
    )
    return text if len(text) <= 200 else text[:199] + "…"


def add_routes(app: web.Application) -> None:
    app.router.add_get(PREFIX + "/meetings", moderator_page(meetings_page))
    app.router.add_get(PREFIX + "/meetings/chart.svg", moderator_page(meetings_chart))
    app.router.add_get(PREFIX + "/meetings/export.csv", moderator_page(export))
    app.router.add_get(PREFIX + r"/meetings/{meeting_id:\d{1,18}}", moderator_page(meeting_page))
    app.router.add_post(
        PREFIX + r"/meetings/{meeting_id:\d{1,18}}/attendance", moderator_page(correct)
    )
    app.router.add_get(PREFIX + "/attendance", moderator_page(member_page))
    app.router.add_get(PREFIX + "/attendance/chart.svg", moderator_page(member_chart))
    app.router.add_get(PREFIX + "/reading", moderator_page(reading_page))
    app.router.add_get(PREFIX + "/reading/chart.svg", moderator_page(reading_chart))
    app.router.add_get(PREFIX + "/audit", moderator_page(audit_page))


__all__ = ["add_routes"]
