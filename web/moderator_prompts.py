"""Moderator pages for prompts and reading plans, under ``/mod/{guild_id}/prompts``.

Every handler runs past :func:`web.moderator.moderator_page` and calls :mod:`bot.actions` for
anything it changes, with the gate's :class:`~bot.actions.Actor`: validation, the moderator rule,
the write and its audit entry are the actions', exactly as for ``/prompt``. A prompt id in a URL
is looked up within the URL's server only, and a channel or role in a form must be one of the
server's, so ids of another server answer 404 or a field error and change nothing.

Field errors: the form's values go through the same parsers the actions use, one field at a
time, only to say *which* field a refusal is about; the actions then validate everything again
before anything is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiDictProxy

from bot import i18n
from bot.actions import prompts as actions
from bot.errors import BotError
from bot.i18n import N_, _
from bot.membership import ServerLayout
from bot.permissions import missing_to_post
from bot.scheduling import recurrence as rules
from bot.scheduling.content import PlanFinished, PostPayload, thread_name
from bot.scheduling.content import render as render_post
from bot.scheduling.present import pause_reason
from bot.scheduling.timing import Timing
from bot.storage import prompts as store
from bot.storage import streaks as member_store
from bot.storage.guild_settings import get_setting
from bot.storage.prompts import Schedule, UnknownSchedule
from bot.timezones import all_timezones, parse_timezone
from web.moderator import PREFIX, Moderating, layout_of, moderator_page, not_found
from web.render import CONTEXT_KEY, render
from web.sessions import flash

PAGE_SIZE: Final = 50
LISTED_RUNS: Final = 3
PREVIEW_RUNS: Final = 5
CALENDAR_POSTS: Final = 60
"""A reading plan's calendar shows this many posts at most (more than a year of weekly)."""
PROMPT_ID: Final = r"{prompt_id:\d{1,12}}"
FIELD_LIMIT: Final = 4000
CONTENT_KINDS: Final = (
    ("question", N_("A fixed question")),
    ("questions", N_("A rotating list of questions")),
    ("reading", N_("A reading plan")),
)
REPEATS: Final = (
    ("once", N_("Once")),
    ("daily", N_("Daily / every N days")),
    ("weekly", N_("Weekly on chosen days / every N weeks")),
    ("monthly_day", N_("Monthly on a day of the month")),
    ("monthly_weekday", N_("Monthly on the n-th weekday")),
    ("cron", N_("Cron expression")),
)
ARCHIVES: Final = (60, 1440, 4320, 10080)
"""Discord's thread auto-archive durations, in minutes."""
STATUS_LABELS: Final = {"active": N_("Active"), "paused": N_("Paused"), "finished": N_("Finished")}
TEXT_FIELDS: Final = (
    "content",
    "text",
    "document",
    "start",
    "unit",
    "paragraphs",
    "channel",
    "thread",
    "archive",
    "ping",
    "repeat",
    "time",
    "days",
    "every",
    "day",
    "nth",
    "weekday",
    "date",
    "cron",
    "timezone",
)
WEEKDAY_SHORT: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NTH_WORDS: Final = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
# Which typed fields each kind of repeat reads, with the parser that checks each one.
TIMING_INPUTS: Final[dict[str, tuple[tuple[str, Callable[[str], object] | None], ...]]] = {
    "once": (("date", rules.parse_local_datetime),),
    "cron": (("cron", None),),
    "daily": (("time", rules.parse_time),),
    "weekly": (("time", rules.parse_time), ("days", rules.parse_weekdays)),
    "monthly_day": (("time", rules.parse_time), ("day", rules.parse_month_day)),
    "monthly_weekday": (
        ("time", rules.parse_time),
        ("nth", rules.parse_nth),
        ("weekday", rules.parse_weekday),
    ),
}


class FieldError(Exception):
    """Refusals, each beside the field it is about."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- Times ------


def when(moment: datetime, zone: ZoneInfo) -> dict[str, str]:
    return {"iso": moment.isoformat(), "text": i18n.moment(moment.astimezone(zone))}


def archive_label(minutes: int) -> str:
    """A thread auto-archive duration in words: hours under a day, then days or weeks."""
    if minutes % 10080 == 0:
        return i18n.ngettext("{n} week", "{n} weeks", minutes // 10080).format(n=minutes // 10080)
    if minutes % 1440 == 0:
        return i18n.ngettext("{n} day", "{n} days", minutes // 1440).format(n=minutes // 1440)
    return i18n.ngettext("{n} hour", "{n} hours", minutes // 60).format(n=minutes // 60)


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


async def viewer_zone(request: web.Request, user_id: int, server_zone: str) -> ZoneInfo:
    """The viewer's own zone (their ``/me timezone``), else the server's."""
    settings = await member_store.get_member_settings(request.app[CONTEXT_KEY].db, user_id)
    return parse_timezone(settings.timezone or server_zone)


async def zone_of_server(request: web.Request, guild_id: int) -> str:
    return str(await get_setting(request.app[CONTEXT_KEY].db, guild_id, "timezone"))


@functools.lru_cache(maxsize=2048)
def _following(rule: rules.Recurrence, after: datetime, count: int) -> tuple[datetime, ...]:
    """A rule's runs after an instant never change: the list page asks the same ones of the
    same prompts on every load, and working them out (dateutil, croniter) is most of its time."""
    return tuple(rule.upcoming(after, count))


def next_runs(schedule: Schedule, count: int) -> list[datetime]:
    """The next ``count`` posts: the stored next run (which a skip or pause moved) and after it."""
    if schedule.next_run_at is None or schedule.status != "active":
        return []
    return [schedule.next_run_at, *_following(schedule.recurrence, schedule.next_run_at, count - 1)]


def runs_in(moments: list[datetime], zone: ZoneInfo, viewer: ZoneInfo) -> list[dict[str, Any]]:
    return [{"server": when(m, zone), "viewer": when(m, viewer)} for m in moments]


# --- Reading back what is stored, as the form shows it ------


def form_of(schedule: Schedule) -> dict[str, str]:
    """A stored prompt as the form's typed values (what editing starts from)."""
    rule, content, options = schedule.recurrence, schedule.content, schedule.options
    values = dict.fromkeys(TEXT_FIELDS, "")
    values.update(
        content=content.kind,
        text="\n".join(content.questions),
        document=content.document or "",
        start=content.start or "",
        unit=content.unit,
        paragraphs=str(content.count),
        channel=str(schedule.channel_id),
        thread=options.thread_name or "",
        archive=str(options.thread_archive_minutes or actions.DEFAULT_ARCHIVE_MINUTES),
        ping=str(options.ping_role_id or ""),
        repeat=rule.kind,
        timezone=rule.timezone,
    )
    if rule.kind == "once" and rule.once_at is not None:
        values["date"] = rule.once_at.strftime("%Y-%m-%d %H:%M")
    elif rule.kind == "cron":
        values["cron"] = rule.cron or ""
    else:
        values["time"] = rule.at.strftime("%H:%M")
        values["every"] = str(rule.interval) if rule.interval != 1 else ""
        values["days"] = ",".join(WEEKDAY_SHORT[d] for d in rule.weekdays)
        if rule.month_day is not None:
            values["day"] = "last" if rule.month_day == -1 else str(rule.month_day)
        if rule.nth is not None:
            values["nth"] = NTH_WORDS[rule.nth]
        if rule.weekday is not None:
            values["weekday"] = WEEKDAY_SHORT[rule.weekday]
    return values


def typed(form: MultiDictProxy[Any]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip()[:FIELD_LIMIT] for name in TEXT_FIELDS}


def timing_of(values: Mapping[str, str], *, with_every: bool = True) -> Timing:
    every = values["every"]
    return Timing(
        at=values["time"] or None,
        weekdays=values["days"] or None,
        every=int(every) if with_every and every.lstrip("-").isdigit() else None,
        day=values["day"] or None,
        nth=values["nth"] or None,
        weekday_name=values["weekday"] or None,
        date_time=values["date"] or None,
        cron=values["cron"] or None,
    )


def timing_changed(values: Mapping[str, str], current: Mapping[str, str]) -> bool:
    names = ("repeat", "time", "days", "every", "day", "nth", "weekday", "date", "cron")
    return any(values[n] != current[n] for n in (*names, "timezone"))


# --- Checking a form, field by field ------


def _int_field(values: Mapping[str, str], name: str, errors: dict[str, str], refusal: str) -> int:
    raw = values[name]
    if raw and not raw.isdigit():
        errors[name] = refusal
        return 0
    return int(raw) if raw else 0


def _channel(values: Mapping[str, str], layout: ServerLayout, errors: dict[str, str]) -> int:
    raw = values["channel"]
    chosen = int(raw) if raw.isdigit() else 0
    if chosen not in {c.id for c in layout.channels}:
        errors["channel"] = _("Choose one of this server’s text channels.")
        return 0
    return chosen


def _ping(values: Mapping[str, str], layout: ServerLayout, errors: dict[str, str]) -> int | None:
    raw = values["ping"]
    if not raw:
        return None
    chosen = int(raw) if raw.isdigit() else 0
    if chosen not in {r.id for r in layout.roles}:
        errors["ping"] = _("Choose one of this server’s roles, or no ping.")
        return None
    return chosen


def _archive(values: Mapping[str, str], errors: dict[str, str]) -> int:
    raw = values["archive"] or str(actions.DEFAULT_ARCHIVE_MINUTES)
    if not raw.isdigit() or int(raw) not in ARCHIVES:
        errors["archive"] = _("Choose how long a quiet thread stays open: 1 hour to 1 week.")
        return actions.DEFAULT_ARCHIVE_MINUTES
    return int(raw)


def check_timing(
    values: Mapping[str, str], zone: str, now: datetime, errors: dict[str, str]
) -> None:
    """Build the rule as the action will; on a refusal, say it beside the field it is about."""
    kind = values["repeat"]
    if kind not in rules.KINDS:
        errors["repeat"] = _("Choose how often it posts.")
        return
    try:
        timing_of(values).recurrence(kind, zone, now=now)
        return
    except BotError as exc:
        message = exc.message
    if values["every"] and not values["every"].isdigit():
        errors["every"] = _("Write “every” as a whole number from 1 to 366, or leave it empty.")
        return
    if values["every"]:
        try:
            timing_of(values, with_every=False).recurrence(kind, zone, now=now)
            errors["every"] = message
            return
        except BotError:
            pass
    inputs = TIMING_INPUTS[kind]
    for name, parser in inputs:
        if not values[name]:
            errors[name] = message
            return
        if parser is not None:
            try:
                parser(values[name])
            except BotError as exc:
                errors[name] = exc.message
                return
    errors[inputs[-1][0]] = message  # each field reads well alone; together they never fire


def check_content(
    values: Mapping[str, str], documents: Callable[[str], Any], errors: dict[str, str]
) -> None:
    kind = values["content"]
    if kind not in dict(CONTENT_KINDS):
        errors["content"] = _("Choose what to post: a question, a list of questions, or a plan.")
        return
    count = (
        _int_field(
            values, "paragraphs", errors, _("Write the number of paragraphs as a whole number.")
        )
        or 3
    )
    if kind == "reading":
        if not values["document"]:
            errors["document"] = _("Choose the text the plan reads.")
            return
        try:
            documents(values["document"])
        except BotError as exc:
            errors["document"] = exc.message
            return
        try:
            actions.build_content(
                kind, None, documents, document=values["document"], start=values["start"]
            )
        except BotError as exc:
            errors["start"] = exc.message
            return
        try:
            actions.build_content(
                kind,
                None,
                documents,
                document=values["document"],
                start=values["start"],
                unit=values["unit"] or "section",
                paragraphs=count,
            )
        except BotError as exc:
            errors["paragraphs" if values["unit"] == "paragraphs" else "unit"] = exc.message
            return
    try:
        actions.build_content(
            kind,
            values["text"] or None,
            documents,
            document=values["document"] or None,
            start=values["start"],
            unit=values["unit"] or "section",
            paragraphs=count,
        )
    except BotError as exc:
        errors["text"] = exc.message


def check_zone(values: Mapping[str, str], server_zone: str, errors: dict[str, str]) -> str:
    try:
        return parse_timezone(values["timezone"] or server_zone).key
    except BotError as exc:
        errors["timezone"] = exc.message
        return ""


def check_thread(values: Mapping[str, str], errors: dict[str, str]) -> None:
    try:
        thread_name(values["thread"] or None)
    except BotError as exc:
        errors["thread"] = exc.message


def channel_check(layout: ServerLayout) -> actions.ChannelCheck:
    """The web's channel check: one of this server’s text channels where the bot may post.

    The bot's permissions come with the layout (the membership source works them out as the
    cog's check does, :func:`bot.permissions.missing_to_post`); a source that cannot tell leaves
    it to the bot, which checks again when it posts and pauses the prompt with the reason.
    """

    async def check(channel_id: int, opens_threads: bool) -> int:
        if channel_id not in {c.id for c in layout.channels}:
            raise FieldError({"channel": _("Choose one of this server’s text channels.")})
        known = layout.bot_permissions
        if known is not None and channel_id in known:
            missing = missing_to_post(known[channel_id], threads=opens_threads)
            if missing:
                raise FieldError(
                    {
                        "channel": _(
                            "The bot cannot post in #{channel}: it is missing {permissions} "
                            "there. Fix the channel’s permissions in Discord or pick another "
                            "channel."
                        ).format(
                            channel=layout.channel_name(channel_id),
                            permissions=", ".join(missing),
                        )
                    }
                )
        return channel_id

    return check


def prompt_form(values: Mapping[str, str], layout: ServerLayout) -> actions.PromptForm:
    errors: dict[str, str] = {}
    form = actions.PromptForm(
        channel_id=_channel(values, layout, errors),
        content=values["content"],
        repeat=values["repeat"],
        timing=timing_of(values),
        timezone=values["timezone"] or None,
        text=values["text"] or None,
        document=values["document"] or None,
        start=values["start"] or None,
        unit=values["unit"] or "section",
        paragraphs=_int_field(
            values, "paragraphs", errors, _("Write the number of paragraphs as a whole number.")
        )
        or 3,
        thread=values["thread"] or None,
        archive=_archive(values, errors),
        ping_role_id=_ping(values, layout, errors),
    )
    if errors:
        raise FieldError(errors)
    return form


# --- Showing a post ------


def post_view(payload: PostPayload | None, layout: ServerLayout) -> dict[str, Any] | None:
    if payload is None:
        return None
    text = payload.embed_text or ""
    return {
        "content": payload.content.replace(
            f"<@&{payload.ping_role_id}>",
            f"@{layout.role_name(payload.ping_role_id) or _('role')}",
        ),
        "title": payload.embed_title or "",
        "excerpt": text[:600].rstrip() + ("…" if len(text) > 600 else ""),
        "thread": payload.thread_name or "",
        "mark": payload.reading is not None,
    }


def calendar(
    schedule: Schedule, documents: Callable[[str], Any], viewer: ZoneInfo
) -> list[dict[str, Any]]:
    """A reading plan's coming posts: which section on which date, with its question."""
    if schedule.content.kind != "reading" or schedule.status != "active":
        return []
    state = dict(schedule.state)
    rows: list[dict[str, Any]] = []
    for moment in next_runs(schedule, CALENDAR_POSTS):
        try:
            rendered = render_post(schedule.content, state, schedule.options, documents)
        except PlanFinished:
            break
        state = rendered.state
        zone = schedule.recurrence.zone
        rows.append(
            {
                "month": i18n.month(moment.astimezone(zone)),
                "when": when(moment, zone),
                "yours": when(moment, viewer),
                "section": rendered.payload.embed_title or "",
                "ref": rendered.payload.reading.ref if rendered.payload.reading else "",
                "question": schedule.content.questions[0] if schedule.content.questions else "",
            }
        )
    return rows


# --- Pages ------


async def index(request: web.Request, mod: Moderating) -> web.StreamResponse:
    raise web.HTTPSeeOther(f"{mod.base}/prompts")


async def prompt_list(request: web.Request, mod: Moderating) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    total = await store.count_schedules(context.db, mod.guild_id)
    schedules = await store.list_schedules(
        context.db, mod.guild_id, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    server_zone = await zone_of_server(request, mod.guild_id)
    viewer = await viewer_zone(request, mod.user.user_id, server_zone)
    layout = await layout_of(request, mod.guild_id)
    rows = [
        {
            "id": s.id,
            "what": s.content.describe().replace("`", ""),
            "when": s.recurrence.describe().replace("`", ""),
            "channel": layout.channel_name(s.channel_id) or str(s.channel_id),
            "status": s.status,
            "status_label": status_label(s.status),
            "paused_reason": pause_reason(s.paused_reason) if s.status == "paused" else "",
            "runs": runs_in(next_runs(s, LISTED_RUNS), s.recurrence.zone, viewer),
            "show_yours": s.recurrence.timezone != viewer.key,
            "url": f"{mod.base}/prompts/{s.id}",
        }
        for s in schedules
    ]
    return await render(
        request,
        "mod_prompts.html",
        title=_("Prompts · {server}").format(server=mod.server),
        mod=mod,
        section="prompts",
        prompts=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        viewer_zone=viewer.key,
        flash=await flash(request),
    )


async def _form_page(
    request: web.Request,
    mod: Moderating,
    values: Mapping[str, str],
    *,
    schedule: Schedule | None = None,
    errors: Mapping[str, str] | None = None,
    preview: dict[str, Any] | None = None,
    status: int = 200,
) -> web.Response:
    context = request.app[CONTEXT_KEY]
    layout = await layout_of(request, mod.guild_id)
    server_zone = await zone_of_server(request, mod.guild_id)
    viewer = await viewer_zone(request, mod.user.user_id, server_zone)
    documents = [
        {
            "slug": d.slug,
            "title": d.title,
            "sections": [(s.slug, s.title) for s in d.walk() if s.paragraphs],
        }
        for d in context.library.documents.values()
    ]
    current = None
    plan: list[dict[str, Any]] = []
    if schedule is not None:
        try:
            first: PostPayload | None = render_post(
                schedule.content, schedule.state, schedule.options, context.library.document
            ).payload
        except PlanFinished:
            first = None
        current = {
            "post": post_view(first, layout),
            "runs": runs_in(next_runs(schedule, PREVIEW_RUNS), schedule.recurrence.zone, viewer),
            "when": schedule.recurrence.describe().replace("`", ""),
            "what": schedule.content.describe().replace("`", ""),
            "status": schedule.status,
            "status_label": status_label(schedule.status),
            "paused_reason": (
                pause_reason(schedule.paused_reason) if schedule.status == "paused" else ""
            ),
        }
        plan = calendar(schedule, context.library.document, viewer)
    return await render(
        request,
        "mod_prompt_form.html",
        status=status,
        title=(
            _("Prompt #{id} · {server}").format(id=schedule.id, server=mod.server)
            if schedule
            else _("New prompt · {server}").format(server=mod.server)
        ),
        mod=mod,
        section="prompts",
        schedule=schedule,
        values=values,
        errors=errors or {},
        preview=preview,
        current=current,
        plan=plan,
        layout=layout,
        documents=documents,
        contents=[(kind, _(label)) for kind, label in CONTENT_KINDS],
        repeats=[(kind, _(label)) for kind, label in REPEATS],
        archives=[(minutes, archive_label(minutes)) for minutes in ARCHIVES],
        zones=all_timezones(),
        server_zone=server_zone,
        viewer_zone=viewer.key,
        flash=await flash(request),
    )


async def new_form(request: web.Request, mod: Moderating) -> web.StreamResponse:
    values = dict.fromkeys(TEXT_FIELDS, "")
    values.update(content="reading", repeat="weekly", unit="section", paragraphs="3")
    values["archive"] = str(actions.DEFAULT_ARCHIVE_MINUTES)
    return await _form_page(request, mod, values)


async def create(request: web.Request, mod: Moderating) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    values = typed(await request.post())
    layout = await layout_of(request, mod.guild_id)
    now = context.clock()
    errors: dict[str, str] = {}
    try:
        form = prompt_form(values, layout)
    except FieldError as refused:
        errors.update(refused.errors)
        form = None
    check_thread(values, errors)
    zone = check_zone(values, await zone_of_server(request, mod.guild_id), errors)
    if zone:
        check_timing(values, zone, now, errors)
    check_content(values, context.library.document, errors)
    if errors or form is None:
        return await _form_page(request, mod, values, errors=errors, status=400)
    check = channel_check(layout)
    try:
        if (await request.post()).get("action") == "preview":
            shown = await actions.preview_prompt(
                context.db,
                mod.actor,
                form,
                documents=context.library.document,
                check_channel=check,
                now=now,
            )
            viewer = await viewer_zone(request, mod.user.user_id, zone)
            rule = shown.placement.rule
            preview = {
                "post": post_view(shown.first_post, layout),
                "runs": runs_in(rule.upcoming(now, PREVIEW_RUNS), rule.zone, viewer),
                "when": rule.describe().replace("`", ""),
                "what": shown.content.describe().replace("`", ""),
            }
            return await _form_page(request, mod, values, preview=preview)
        schedule = await actions.create_prompt(
            context.db,
            mod.actor,
            form,
            documents=context.library.document,
            check_channel=check,
            now=now,
        )
    except FieldError as refused:
        return await _form_page(request, mod, values, errors=refused.errors, status=400)
    except BotError as exc:
        return await _form_page(request, mod, values, errors={"form": exc.message}, status=400)
    await flash(
        request,
        _("Prompt #{id} added: {when}.").format(
            id=schedule.id, when=schedule.recurrence.describe().replace("`", "")
        ),
    )
    raise web.HTTPSeeOther(f"{mod.base}/prompts/{schedule.id}")


async def _schedule(request: web.Request, mod: Moderating) -> Schedule:
    """The prompt in the URL, of this server only; any other id answers 404."""
    prompt_id = int(request.match_info["prompt_id"])
    try:
        return await store.get_schedule(request.app[CONTEXT_KEY].db, mod.guild_id, prompt_id)
    except UnknownSchedule:
        raise await not_found(
            request, _("Prompt not found"), _("This server has no prompt at this address.")
        ) from None


async def edit_form(request: web.Request, mod: Moderating) -> web.StreamResponse:
    schedule = await _schedule(request, mod)
    return await _form_page(request, mod, form_of(schedule), schedule=schedule)


async def update(request: web.Request, mod: Moderating) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    schedule = await _schedule(request, mod)
    current = form_of(schedule)
    posted = await request.post()
    submitted = typed(posted)
    # What an edit cannot change stays as stored, whatever the form says.
    values = {
        **submitted,
        **{k: current[k] for k in ("content", "document", "start", "unit", "paragraphs")},
    }
    layout = await layout_of(request, mod.guild_id)
    now = context.clock()
    errors: dict[str, str] = {}
    channel = _channel(values, layout, errors)
    ping = _ping(values, layout, errors)
    archive = _archive(values, errors)
    check_thread(values, errors)
    retimed = timing_changed(values, current)
    if retimed:
        zone = check_zone(values, schedule.recurrence.timezone, errors)
        if zone:
            check_timing(values, zone, now, errors)
    check_content(values, context.library.document, errors)
    if errors:
        return await _form_page(request, mod, values, schedule=schedule, errors=errors, status=400)
    changes = actions.PromptChanges(
        channel_id=channel if channel != schedule.channel_id else None,
        repeat=values["repeat"] if retimed else None,
        timing=timing_of(values) if retimed else Timing(),
        timezone=(values["timezone"] or None) if retimed else None,
        text=values["text"] if values["text"] != current["text"] else None,
        thread=values["thread"] or "none",
        archive=archive,
        ping_role_id=ping,
        no_ping=ping is None,
    )
    check = channel_check(layout)
    documents = context.library.document
    try:
        previewing = posted.get("action") == "preview"
        # A preview makes every check of a save and stores nothing.
        edit = actions.preview_edit if previewing else actions.edit_prompt
        updated = await edit(
            context.db,
            mod.actor,
            schedule.id,
            changes,
            documents=documents,
            check_channel=check,
            now=now,
        )
        if previewing:
            preview = await _edit_preview(request, mod, updated, layout)
            return await _form_page(request, mod, values, schedule=schedule, preview=preview)
    except FieldError as refused:
        return await _form_page(
            request, mod, values, schedule=schedule, errors=refused.errors, status=400
        )
    except BotError as exc:
        return await _form_page(
            request, mod, values, schedule=schedule, errors={"form": exc.message}, status=400
        )
    await flash(
        request,
        _("Prompt #{id} saved: {when}.").format(
            id=updated.id, when=updated.recurrence.describe().replace("`", "")
        ),
    )
    raise web.HTTPSeeOther(f"{mod.base}/prompts/{updated.id}")


async def _edit_preview(
    request: web.Request, mod: Moderating, would: Schedule, layout: ServerLayout
) -> dict[str, Any]:
    """The next post and the next runs of a prompt as an edit would leave it (not stored)."""
    context = request.app[CONTEXT_KEY]
    viewer = await viewer_zone(request, mod.user.user_id, would.recurrence.timezone)
    try:
        post: PostPayload | None = render_post(
            would.content, would.state, would.options, context.library.document
        ).payload
    except PlanFinished:
        post = None
    return {
        "post": post_view(post, layout),
        "runs": runs_in(next_runs(would, PREVIEW_RUNS), would.recurrence.zone, viewer),
        "when": would.recurrence.describe().replace("`", ""),
        "what": would.content.describe().replace("`", ""),
        "heading": _("Next post"),
    }


async def _act(
    request: web.Request,
    mod: Moderating,
    action: Callable[[Schedule], Any],
    done: Callable[[Schedule, Any], str],
) -> web.StreamResponse:
    schedule = await _schedule(request, mod)
    try:
        result = await action(schedule)
    except BotError as exc:
        await flash(request, exc.message)
    except FieldError as refused:  # the channel check: run now in a channel the bot cannot use
        await flash(request, str(refused))
    else:
        await flash(request, done(schedule, result))
    raise web.HTTPSeeOther(f"{mod.base}/prompts/{schedule.id}")


async def pause(request: web.Request, mod: Moderating) -> web.StreamResponse:
    db, now = request.app[CONTEXT_KEY].db, request.app[CONTEXT_KEY].clock()
    return await _act(
        request,
        mod,
        lambda s: actions.pause_prompt(db, mod.actor, s.id, now=now),
        lambda s, _result: _("Prompt #{id} is paused: it posts nothing until resumed.").format(
            id=s.id
        ),
    )


async def resume(request: web.Request, mod: Moderating) -> web.StreamResponse:
    db, now = request.app[CONTEXT_KEY].db, request.app[CONTEXT_KEY].clock()
    return await _act(
        request,
        mod,
        lambda s: actions.resume_prompt(db, mod.actor, s.id, now=now),
        lambda s, _result: _("Prompt #{id} is running again.").format(id=s.id),
    )


async def skip(request: web.Request, mod: Moderating) -> web.StreamResponse:
    db, now = request.app[CONTEXT_KEY].db, request.app[CONTEXT_KEY].clock()
    zone = await viewer_zone(request, mod.user.user_id, await zone_of_server(request, mod.guild_id))
    return await _act(
        request,
        mod,
        lambda s: actions.skip_next_run(db, mod.actor, s.id, now=now),
        lambda s, result: _("Skipped the run of {time}.").format(
            time=when(result[0], zone)["text"]
        ),
    )


async def run_now(request: web.Request, mod: Moderating) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    layout = await layout_of(request, mod.guild_id)
    now = context.clock()
    return await _act(
        request,
        mod,
        lambda s: actions.run_prompt_now(
            context.db,
            mod.actor,
            s.id,
            check_channel=channel_check(layout),
            runner=actions.queue_run(context.db, context.library.document, now=now),
        ),
        lambda s, _result: _("Prompt #{id} will be posted within a few seconds.").format(id=s.id),
    )


async def remove_form(request: web.Request, mod: Moderating) -> web.StreamResponse:
    schedule = await _schedule(request, mod)
    layout = await layout_of(request, mod.guild_id)
    return await render(
        request,
        "mod_prompt_remove.html",
        title=_("Remove prompt #{id} · {server}").format(id=schedule.id, server=mod.server),
        mod=mod,
        section="prompts",
        schedule=schedule,
        what=schedule.content.describe().replace("`", ""),
        when=schedule.recurrence.describe().replace("`", ""),
        channel=layout.channel_name(schedule.channel_id) or str(schedule.channel_id),
        flash="",
    )


async def remove(request: web.Request, mod: Moderating) -> web.StreamResponse:
    context = request.app[CONTEXT_KEY]
    schedule = await _schedule(request, mod)
    try:
        await actions.remove_prompt(context.db, mod.actor, schedule.id, now=context.clock())
    except BotError as exc:
        await flash(request, exc.message)
        raise web.HTTPSeeOther(f"{mod.base}/prompts/{schedule.id}") from None
    await flash(request, _("Prompt #{id} was removed.").format(id=schedule.id))
    raise web.HTTPSeeOther(f"{mod.base}/prompts")


def add_routes(app: web.Application) -> None:
    base = PREFIX + "/prompts"
    one = f"{base}/{PROMPT_ID}"
    app.router.add_get(PREFIX, moderator_page(index))
    app.router.add_get(base, moderator_page(prompt_list))
    app.router.add_get(base + "/new", moderator_page(new_form))
    app.router.add_post(base + "/new", moderator_page(create))
    app.router.add_get(one, moderator_page(edit_form))
    app.router.add_post(one, moderator_page(update))
    app.router.add_post(one + "/pause", moderator_page(pause))
    app.router.add_post(one + "/resume", moderator_page(resume))
    app.router.add_post(one + "/skip", moderator_page(skip))
    app.router.add_post(one + "/run", moderator_page(run_now))
    app.router.add_get(one + "/remove", moderator_page(remove_form))
    app.router.add_post(one + "/remove", moderator_page(remove))


__all__ = ["add_routes", "calendar", "form_of"]
