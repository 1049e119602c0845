"""Moderator actions on prompts: create, edit, pause, resume, skip the next run, run now, remove.

Channel checks need Discord (does the channel exist, may the bot post there), so the surface
passes a :data:`ChannelCheck`; posting a run now is the scheduler's (the bot process's
:meth:`~bot.scheduling.scheduler.Scheduler.run_now`, or :func:`queue_run` from a process that
does not post, whose claimed run the bot's scheduler then posts).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.actions import Actor
from bot.i18n import _
from bot.scheduling.content import (
    Content,
    DocumentLookup,
    PlanFinished,
    PostOptions,
    PostPayload,
    question_content,
    questions_content,
    reading_content,
    render,
    thread_name,
)
from bot.scheduling.present import MANUAL_PAUSE
from bot.scheduling.recurrence import Recurrence, ScheduleError
from bot.scheduling.timing import NO_TIMING, Timing, changed_recurrence
from bot.storage import prompts as store
from bot.storage.audit import Audit
from bot.storage.database import Database
from bot.storage.guild_settings import get_setting
from bot.storage.prompts import Run, Schedule

ChannelCheck = Callable[[int, bool], Awaitable[int]]
"""``(channel id, opens threads) -> channel id``, raising a :class:`ScheduleError` that says what
to fix when the bot cannot post there."""
Runner = Callable[[Schedule, Audit], Awaitable[Run]]
"""Claims (and, in the bot, posts) a run now, writing the audit entry with the claim."""

DEFAULT_ARCHIVE_MINUTES = 1440
NO_THREAD_WORDS = ("none", "off")


@dataclass(frozen=True, slots=True)
class PromptForm:
    """What ``/prompt add`` (or the web's form) asks, as typed."""

    channel_id: int
    content: str
    """``question``, ``questions`` or ``reading``."""
    repeat: str
    timing: Timing = NO_TIMING
    timezone: str | None = None
    text: str | None = None
    """The question, the questions (one per line, or separated by ``|``), or the plan's question."""
    document: str | None = None
    start: str | None = None
    unit: str = "section"
    paragraphs: int = 3
    thread: str | None = None
    archive: int = DEFAULT_ARCHIVE_MINUTES
    ping_role_id: int | None = None


@dataclass(frozen=True, slots=True)
class PromptChanges:
    """What ``/prompt edit`` changes; None leaves a field as it is."""

    channel_id: int | None = None
    repeat: str | None = None
    timing: Timing = field(default=NO_TIMING)
    timezone: str | None = None
    text: str | None = None
    thread: str | None = None
    """A new thread name, or ``none``/``off`` (or blank) for no thread."""
    archive: int | None = None
    ping_role_id: int | None = None
    no_ping: bool = False


def build_content(
    kind: str,
    text: str | None,
    documents: DocumentLookup,
    *,
    document: str | None = None,
    start: str | None = None,
    unit: str = "section",
    paragraphs: int = 1,
) -> Content:
    if kind == "question":
        return question_content(text or "")
    if kind == "questions":
        raw = text or ""
        if "\n" not in raw:
            raw = raw.replace("|", "\n")
        return questions_content(raw)
    if kind == "reading":
        if not document:
            raise ScheduleError(_("A reading plan needs a text: choose one in `document`."))
        return reading_content(documents(document), start or "", unit, paragraphs, text)
    raise ScheduleError(_("Choose what to post: a question, a list of questions, or a plan."))


async def server_timezone(db: Database, guild_id: int, given: str | None) -> str:
    if given and given.strip():
        return given
    return str(await get_setting(db, guild_id, "timezone"))


@dataclass(frozen=True, slots=True)
class Placement:
    """Where and when a new prompt posts, checked before its content is asked for."""

    channel_id: int
    rule: Recurrence
    options: PostOptions


async def check_placement(
    db: Database, actor: Actor, form: PromptForm, *, check_channel: ChannelCheck, now: datetime
) -> Placement:
    """The channel, schedule and thread of a new prompt, checked.

    A surface that asks for the text in a second step (Discord's form) calls this first, so a
    bad time is said before the text is typed.
    """
    actor.audit("prompt.create")
    name = thread_name(form.thread)
    channel_id = await check_channel(form.channel_id, name is not None)
    zone = await server_timezone(db, actor.guild_id, form.timezone)
    rule = form.timing.recurrence(form.repeat, zone, now=now)
    options = PostOptions(
        thread_name=name,
        thread_archive_minutes=form.archive if name else None,
        ping_role_id=form.ping_role_id,
    )
    return Placement(channel_id, rule, options)


@dataclass(frozen=True, slots=True)
class Preview:
    """A new prompt as it would be stored, and its first post: what a "Preview" shows."""

    placement: Placement
    content: Content
    first_post: PostPayload


async def preview_prompt(
    db: Database,
    actor: Actor,
    form: PromptForm,
    *,
    documents: DocumentLookup,
    check_channel: ChannelCheck,
    now: datetime,
) -> Preview:
    """Every check of :func:`create_prompt`, and nothing stored."""
    placed = await check_placement(db, actor, form, check_channel=check_channel, now=now)
    content = build_content(
        form.content,
        form.text,
        documents,
        document=form.document,
        start=form.start,
        unit=form.unit,
        paragraphs=form.paragraphs,
    )
    try:
        first = render(content, {}, placed.options, documents)
    except PlanFinished:
        raise ScheduleError(_("That reading plan has nothing to post.")) from None
    return Preview(placed, content, first.payload)


async def create_prompt(
    db: Database,
    actor: Actor,
    form: PromptForm,
    *,
    documents: DocumentLookup,
    check_channel: ChannelCheck,
    now: datetime,
) -> Schedule:
    audit = actor.audit("prompt.create")
    checked = await preview_prompt(
        db, actor, form, documents=documents, check_channel=check_channel, now=now
    )
    placed = checked.placement
    new = store.NewSchedule(
        actor.guild_id,
        placed.channel_id,
        actor.user_id,
        checked.content,
        placed.rule,
        placed.options,
    )
    return await store.create_schedule(db, new, now, audit=audit)


@dataclass(frozen=True, slots=True)
class _Edit:
    current: Schedule
    channel_id: int | None
    content: Content | None
    rule: Recurrence | None
    options: PostOptions


async def _checked_edit(
    db: Database,
    actor: Actor,
    prompt_id: int,
    changes: PromptChanges,
    *,
    documents: DocumentLookup,
    check_channel: ChannelCheck,
    now: datetime,
) -> _Edit:
    """Every check of an edit, nothing stored: the edit and its preview share them."""
    current = await store.get_schedule(db, actor.guild_id, prompt_id)
    old = current.options
    if changes.thread is None:
        name = old.thread_name
    elif changes.thread.strip().lower() in NO_THREAD_WORDS:
        name = None
    else:
        name = thread_name(changes.thread)
    options = PostOptions(
        thread_name=name,
        thread_archive_minutes=(
            (changes.archive or old.thread_archive_minutes or DEFAULT_ARCHIVE_MINUTES)
            if name
            else None
        ),
        ping_role_id=None if changes.no_ping else (changes.ping_role_id or old.ping_role_id),
    )
    channel_id = None
    if changes.channel_id is not None or (name and not old.thread_name):
        channel_id = await check_channel(changes.channel_id or current.channel_id, name is not None)
    rule = changed_recurrence(
        changes.repeat,
        changes.timezone,
        changes.timing,
        current_zone=current.recurrence.timezone,
        now=now,
    )
    content = None
    if changes.text is not None:
        kind = current.content
        content = build_content(
            kind.kind,
            changes.text,
            documents,
            document=kind.document,
            start=kind.start,
            unit=kind.unit,
            paragraphs=kind.count,
        )
    return _Edit(current, channel_id, content, rule, options)


async def preview_edit(
    db: Database,
    actor: Actor,
    prompt_id: int,
    changes: PromptChanges,
    *,
    documents: DocumentLookup,
    check_channel: ChannelCheck,
    now: datetime,
) -> Schedule:
    """The prompt as :func:`edit_prompt` would leave it, with every check made and nothing stored.

    Where it would post next and from which section follow the storage's rules for an edit
    (:func:`bot.storage.prompts.update_schedule`): a new rule re-plans from ``now``, and a
    reading plan keeps its place unless what is read changes.
    """
    actor.audit("prompt.edit")
    edit = await _checked_edit(
        db, actor, prompt_id, changes, documents=documents, check_channel=check_channel, now=now
    )
    current = edit.current
    content = edit.content or current.content
    keeps = edit.content is None or edit.content.keeps_position_of(current.content)
    next_run = current.next_run_at if edit.rule is None else edit.rule.next_after(now)
    status = current.status
    if edit.rule is not None and status == "finished" and next_run is not None:
        status = "active"
    return replace(
        current,
        channel_id=edit.channel_id or current.channel_id,
        content=content,
        recurrence=edit.rule or current.recurrence,
        options=edit.options,
        state=current.state if keeps else {},
        status=status,
        next_run_at=next_run,
    )


async def edit_prompt(
    db: Database,
    actor: Actor,
    prompt_id: int,
    changes: PromptChanges,
    *,
    documents: DocumentLookup,
    check_channel: ChannelCheck,
    now: datetime,
) -> Schedule:
    """Change what is given; a reading plan keeps its place unless what is read changes."""
    audit = actor.audit("prompt.edit")
    edit = await _checked_edit(
        db, actor, prompt_id, changes, documents=documents, check_channel=check_channel, now=now
    )
    return await store.update_schedule(
        db,
        actor.guild_id,
        prompt_id,
        now,
        channel_id=edit.channel_id,
        content=edit.content,
        recurrence=edit.rule,
        options=edit.options,
        audit=audit,
    )


async def pause_prompt(db: Database, actor: Actor, prompt_id: int, *, now: datetime) -> Schedule:
    audit = actor.audit("prompt.pause")
    reason = f"{MANUAL_PAUSE}{actor.shown_name}"
    return await store.pause_schedule(db, actor.guild_id, prompt_id, reason, now, audit=audit)


async def resume_prompt(db: Database, actor: Actor, prompt_id: int, *, now: datetime) -> Schedule:
    audit = actor.audit("prompt.resume")
    return await store.resume_schedule(db, actor.guild_id, prompt_id, now, audit=audit)


async def skip_next_run(
    db: Database, actor: Actor, prompt_id: int, *, now: datetime
) -> tuple[datetime, Schedule]:
    """Skip the next firing; returns when it would have been and the schedule after."""
    audit = actor.audit("prompt.skip")
    return await store.skip_next(db, actor.guild_id, prompt_id, now, audit=audit)


async def run_prompt_now(
    db: Database,
    actor: Actor,
    prompt_id: int,
    *,
    check_channel: ChannelCheck,
    runner: Runner,
) -> Schedule:
    """Post the prompt's next content now (its timetable stays); the channel is checked first."""
    audit = actor.audit("prompt.run")
    schedule = await store.get_schedule(db, actor.guild_id, prompt_id)
    await check_channel(schedule.channel_id, schedule.options.thread_name is not None)
    try:
        await runner(schedule, audit)
    except PlanFinished:
        raise ScheduleError(
            _("Prompt #{id}'s reading plan is finished.").format(id=prompt_id)
        ) from None
    return schedule


def queue_run(db: Database, documents: DocumentLookup, *, now: datetime) -> Runner:
    """A :data:`Runner` for a process that does not post (the web): the run is claimed here,
    audited, and posted by a bot process's scheduler, woken by the change signal."""

    async def claim(schedule: Schedule, audit: Audit) -> Run:
        rendered = render(schedule.content, schedule.state, schedule.options, documents)
        return await store.claim_manual_run(
            db,
            schedule,
            payload=rendered.payload,
            state=rendered.state,
            now=now,
            audit=audit,
            plan_sections=rendered.plan_sections,
        )

    return claim


async def remove_prompt(db: Database, actor: Actor, prompt_id: int, *, now: datetime) -> None:
    audit = actor.audit("prompt.remove")
    await store.remove_schedule(db, actor.guild_id, prompt_id, audit=audit, now=now)


__all__ = [
    "ChannelCheck",
    "Placement",
    "Preview",
    "PromptChanges",
    "PromptForm",
    "build_content",
    "check_placement",
    "create_prompt",
    "edit_prompt",
    "pause_prompt",
    "preview_edit",
    "preview_prompt",
    "queue_run",
    "remove_prompt",
    "resume_prompt",
    "run_prompt_now",
    "server_timezone",
    "skip_next_run",
]
