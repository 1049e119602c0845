"""``/prompt``: moderators schedule discussion questions and reading plans.

Everything is validated before anything is stored, and the answer to ``add`` is the preview: the
exact next post and the next five runs. The scheduler is created and started here, in
``cog_load`` (which runs inside ``setup_hook``), never in ``on_ready``, which runs again on every
reconnect.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import i18n
from bot.actions import prompts as actions
from bot.actions.prompts import ChannelCheck
from bot.errors import BotError
from bot.i18n import _
from bot.permissions import missing_to_post
from bot.scheduling import present
from bot.scheduling.content import plan_starts
from bot.scheduling.recurrence import ScheduleError
from bot.scheduling.scheduler import Scheduler
from bot.scheduling.timing import NO_TIMING, Timing
from bot.storage import prompts as store
from bot.storage.changes import ChangeWatcher
from bot.text import escape_markdown
from bot.timezones import suggest_timezones
from cogs.checks import actor_of, moderator_only
from cogs.errors import answer_error
from cogs.language import language_of, server_language_of
from cogs.prompts.poster import ARCHIVE_MINUTES, DiscordPoster
from cogs.prompts.views import ListPageButton, RemoveButton
from cogs.transformers import DocumentOption, choice
from cogs.ui import button_view

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

log = logging.getLogger(__name__)
CommandBody = TypeVar("CommandBody", bound=Callable[..., Coroutine[Any, Any, None]])

CONTENT_CHOICES = [
    # Choice names are translated by the command tree's translator (cogs/translator.py).
    app_commands.Choice(name="A fixed question", value="question"),
    app_commands.Choice(name="A rotating list of questions", value="questions"),
    app_commands.Choice(name="A reading plan", value="reading"),
]
REPEAT_CHOICES = [
    app_commands.Choice(name="Once", value="once"),
    app_commands.Choice(name="Daily / every N days", value="daily"),
    app_commands.Choice(name="Weekly on chosen days / every N weeks", value="weekly"),
    app_commands.Choice(name="Monthly on a day of the month", value="monthly_day"),
    app_commands.Choice(name="Monthly on the n-th weekday", value="monthly_weekday"),
    app_commands.Choice(name="Cron expression", value="cron"),
]
UNIT_CHOICES = [
    app_commands.Choice(name="One section per post", value="section"),
    app_commands.Choice(name="N paragraphs per post", value="paragraphs"),
]
ARCHIVE_CHOICES = [
    app_commands.Choice(
        name={60: "1 hour", 1440: "1 day", 4320: "3 days", 10080: "1 week"}[m], value=m
    )
    for m in ARCHIVE_MINUTES
]
SCHEDULE_DESCRIBE = {
    "repeat": "How often: once, daily, weekly, monthly, or a cron expression",
    "time": "Time of day, 24-hour HH:MM (daily, weekly, monthly)",
    "days": "Weekly: days of the week, like sun or mon,wed,fri",
    "every": "Every N days / weeks / months (default 1)",
    "day": "Monthly: day of the month 1–31, or last",
    "nth": "Monthly on a weekday: 1st, 2nd, 3rd, 4th, 5th or last",
    "weekday": "Monthly on a weekday: which day, like fri",
    "date": "Once: local date and time, YYYY-MM-DD HH:MM",
    "cron": "Cron: five fields, like 0 18 * * sun",
    "timezone": "IANA time zone (default: the server's, set with /settings timezone)",
}
# The timing options add and edit share, in the order Discord shows them: option -> (Timing
# field, annotation as the callback would write it).
TIMING_OPTIONS: Final = {
    "time": ("at", "str | None"),
    "days": ("weekdays", "str | None"),
    "every": ("every", "app_commands.Range[int, 1, 366] | None"),
    "day": ("day", "str | None"),
    "nth": ("nth", "str | None"),
    "weekday": ("weekday_name", "str | None"),
    "date": ("date_time", "str | None"),
    "cron": ("cron", "str | None"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def timing_options(callback: CommandBody) -> CommandBody:
    """Declare the :data:`TIMING_OPTIONS` where the callback has its ``timing`` parameter.

    discord.py reads a command's options from its callback's signature. Add and edit take the same
    timing options, so they are declared once here and reach the command's body as one
    :class:`Timing`; the options Discord sees are the same as if each signature listed them. Type
    checkers keep seeing the body's own signature, which is how the body is called.
    """
    signature = inspect.signature(callback)
    params = list(signature.parameters.values())
    at = [p.name for p in params].index("timing")
    options = [
        inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=a)
        for name, (_, a) in TIMING_OPTIONS.items()
    ]

    @functools.wraps(callback)
    async def with_timing(*args: Any, **kwargs: Any) -> None:
        fields = {field: kwargs.pop(name, None) for name, (field, _) in TIMING_OPTIONS.items()}
        await callback(*args, timing=Timing(**fields), **kwargs)

    # Annotations stay strings: discord.py resolves them in this module, as the callback's own.
    with_timing.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*params[:at], *options, *params[at + 1 :]]
    )
    return cast(CommandBody, with_timing)


async def timezone_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [choice(name, name) for name in suggest_timezones(current)]


async def section_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    library = interaction.client.library  # type: ignore[attr-defined]
    slug = getattr(interaction.namespace, "document", None)
    found = plan_starts(library.documents.values(), slug, current)
    return [choice(title, section) for title, section in found]


async def schedule_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    db = interaction.client.db  # type: ignore[attr-defined]
    ids = await store.schedule_ids(db, interaction.guild_id, current.strip().lstrip("#"))
    return [app_commands.Choice(name=f"#{i}", value=i) for i in ids]


class TextModal(discord.ui.Modal):
    """A long text field; the command's remaining work runs on submit."""

    def __init__(
        self,
        title: str,
        label: str,
        finish: Callable[[discord.Interaction, str], Awaitable[None]],
        *,
        default: str = "",
        placeholder: str = "",
    ) -> None:
        super().__init__(title=title, timeout=900)
        self.text: discord.ui.TextInput[TextModal] = discord.ui.TextInput(
            label=label,
            style=discord.TextStyle.paragraph,
            default=default or None,
            placeholder=placeholder or None,
            max_length=4000,
        )
        self.add_item(self.text)
        self._finish = finish

    async def on_submit(self, interaction: discord.Interaction) -> None:
        i18n.set_language(language_of(interaction))
        await self._finish(interaction, self.text.value)

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await answer_error(interaction, error)


@moderator_only()
class PromptCog(
    commands.GroupCog,
    group_name="prompt",
    group_description="Scheduled discussion prompts and reading plans",
):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        self.scheduler = Scheduler(
            bot.db,
            DiscordPoster(bot),
            lambda slug: bot.library.document(slug),
            escape=escape_markdown,
            # Only this process's shards' servers; claims carry its heartbeat instance.
            shards=bot.settings.shards,
            instance=bot.health.instance,
            language=lambda guild_id: server_language_of(bot, guild_id),
        )
        # Changes written by another process (the web app) wake the scheduler too.
        self.changes = ChangeWatcher(bot.db, self.scheduler.wake)
        super().__init__()

    async def cog_load(self) -> None:
        self.scheduler.start()
        await self.changes.start()
        # Runs another process claimed are free once it stops: look for them then.
        self.bot.health.peer_gone.append(self.scheduler.wake)

    async def cog_unload(self) -> None:
        if self.scheduler.wake in self.bot.health.peer_gone:
            self.bot.health.peer_gone.remove(self.scheduler.wake)
        await self.changes.stop()
        await self.scheduler.stop()

    # --- Helpers --------------------------------------------------------------------------------

    def _channel_check(
        self, interaction: discord.Interaction, prompt: int | None = None
    ) -> ChannelCheck:
        """Whether the bot can post in a channel, as Discord's cache says, for bot.actions."""
        move = (
            _("`/prompt edit prompt:{id} channel:` moves it").format(id=prompt)
            if prompt is not None
            else _("`/prompt edit` moves a prompt")
        )

        async def check(channel_id: int, threads: bool) -> int:
            guild = interaction.guild
            resolved = guild.get_channel(channel_id) if guild is not None else None
            me = guild.me if guild is not None else None
            if resolved is None or me is None:
                raise ScheduleError(
                    _(
                        "{channel} no longer exists or I cannot see it: pick another "
                        "channel ({move})."
                    ).format(channel=f"<#{channel_id}>", move=move)
                )
            if not isinstance(resolved, discord.TextChannel):
                raise ScheduleError(
                    _("{channel} is not a text channel: pick a text channel.").format(
                        channel=resolved.mention
                    )
                )
            missing = missing_to_post(resolved.permissions_for(me).value, threads=threads)
            if missing:
                names = ", ".join(missing)
                raise ScheduleError(
                    _(
                        "I cannot post in {channel}: I am missing {permissions} there. "
                        "Fix the channel's permissions or pick another channel ({move})."
                    ).format(channel=resolved.mention, permissions=names, move=move)
                )
            return resolved.id

        return check

    def _preview(self, title: str, schedule: store.Schedule) -> str:
        return present.schedule_preview(
            title, schedule, self.bot.library.document, escape_markdown, _now()
        )

    async def list_message(
        self, interaction: discord.Interaction, page: int
    ) -> tuple[str, discord.ui.View]:
        assert interaction.guild_id is not None
        shown = await present.list_of(self.bot.db, interaction.guild_id, page)
        view = button_view(
            ListPageButton(max(shown.page - 1, 0), "prev", disabled=shown.page == 0),
            ListPageButton(
                min(shown.page + 1, shown.pages - 1),
                "next",
                disabled=shown.page >= shown.pages - 1,
            ),
        )
        return shown.text, view

    # --- Commands -------------------------------------------------------------------------------

    @app_commands.command(name="add", description="Schedule a discussion question or reading plan")
    @app_commands.describe(
        channel="Where to post",
        content="What to post",
        question="The question (fixed), questions separated by | (list), or the plan's question",
        document="Reading plan: the text",
        start="Reading plan: the section to start at",
        unit="Reading plan: a section or N paragraphs per post",
        paragraphs="Reading plan: paragraphs per post (with N paragraphs)",
        thread="Open a thread on each post with this name ({title} is the post's subject)",
        archive="Thread auto-archive time",
        ping="A role to ping with each post",
        **SCHEDULE_DESCRIBE,
    )
    @app_commands.choices(content=CONTENT_CHOICES, repeat=REPEAT_CHOICES, unit=UNIT_CHOICES)
    @app_commands.choices(archive=ARCHIVE_CHOICES)
    @app_commands.autocomplete(timezone=timezone_autocomplete, start=section_autocomplete)
    @moderator_only()
    @timing_options
    async def add(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        content: str,
        repeat: str,
        timing: Timing,
        timezone: str | None = None,
        question: str | None = None,
        document: DocumentOption | None = None,
        start: str | None = None,
        unit: str = "section",
        paragraphs: app_commands.Range[int, 1, 20] = 3,
        thread: str | None = None,
        archive: int = 1440,
        ping: discord.Role | None = None,
    ) -> None:
        actor = await actor_of(interaction)
        form = actions.PromptForm(
            channel_id=channel.id,
            content=content,
            repeat=repeat,
            timing=timing,
            timezone=timezone,
            text=question,
            document=document.slug if document is not None else None,
            start=start,
            unit=unit,
            paragraphs=paragraphs,
            thread=thread,
            archive=archive,
            ping_role_id=ping.id if ping is not None else None,
        )
        check = self._channel_check(interaction)
        # Said before the text is asked for: a bad time or channel is not typed around.
        await actions.check_placement(self.bot.db, actor, form, check_channel=check, now=_now())

        async def finish(target: discord.Interaction, text: str | None) -> None:
            schedule = await actions.create_prompt(
                self.bot.db,
                actor,
                replace(form, text=text),
                documents=self.bot.library.document,
                check_channel=check,
                now=_now(),
            )
            self.scheduler.wake()
            await target.response.send_message(
                self._preview(_("Prompt #{id} added").format(id=schedule.id), schedule),
                ephemeral=True,
            )

        if content in ("question", "questions") and not (question and question.strip()):
            label = _("Question") if content == "question" else _("Questions, one per line")
            await interaction.response.send_modal(
                TextModal(
                    _("Prompt question") if content == "question" else _("Rotating questions"),
                    label,
                    finish,
                )
            )
            return
        await finish(interaction, question)

    @app_commands.command(name="preview", description="Show a prompt's next post and next runs")
    @app_commands.autocomplete(prompt=schedule_autocomplete)
    @moderator_only()
    async def preview(self, interaction: discord.Interaction, prompt: int) -> None:
        assert interaction.guild_id is not None
        schedule = await store.get_schedule(self.bot.db, interaction.guild_id, prompt)
        await interaction.response.send_message(
            self._preview(_("Prompt #{id}").format(id=schedule.id), schedule), ephemeral=True
        )

    @app_commands.command(name="list", description="This server's prompts, with their next run")
    @moderator_only()
    async def list_(self, interaction: discord.Interaction, page: int = 1) -> None:
        text, view = await self.list_message(interaction, page - 1)
        await interaction.response.send_message(text, view=view, ephemeral=True)

    @app_commands.command(name="edit", description="Change a prompt's channel, schedule or text")
    @app_commands.describe(
        prompt="The prompt to change",
        channel="Post somewhere else",
        question="New question (fixed), questions separated by | (list), or the plan's question",
        edit_questions="Open the question list in a form to edit it",
        thread="Thread name for each post; 'none' for no thread",
        archive="Thread auto-archive time",
        ping="A role to ping with each post",
        no_ping="Stop pinging a role",
        **SCHEDULE_DESCRIBE,
    )
    @app_commands.choices(repeat=REPEAT_CHOICES)
    @app_commands.choices(archive=ARCHIVE_CHOICES)
    @app_commands.autocomplete(prompt=schedule_autocomplete)
    @app_commands.autocomplete(timezone=timezone_autocomplete)
    @moderator_only()
    @timing_options
    async def edit(
        self,
        interaction: discord.Interaction,
        prompt: int,
        channel: discord.TextChannel | None = None,
        repeat: str | None = None,
        timing: Timing = NO_TIMING,
        timezone: str | None = None,
        question: str | None = None,
        edit_questions: bool = False,
        thread: str | None = None,
        archive: int | None = None,
        ping: discord.Role | None = None,
        no_ping: bool = False,
    ) -> None:
        actor = await actor_of(interaction)
        changes = actions.PromptChanges(
            channel_id=channel.id if channel is not None else None,
            repeat=repeat,
            timing=timing,
            timezone=timezone,
            text=question,
            thread=thread,
            archive=archive,
            ping_role_id=ping.id if ping is not None else None,
            no_ping=no_ping,
        )

        async def finish(target: discord.Interaction, text: str | None) -> None:
            updated = await actions.edit_prompt(
                self.bot.db,
                actor,
                prompt,
                replace(changes, text=text),
                documents=self.bot.library.document,
                check_channel=self._channel_check(interaction, prompt),
                now=_now(),
            )
            self.scheduler.wake()
            await target.response.send_message(
                self._preview(_("Prompt #{id} updated").format(id=prompt), updated), ephemeral=True
            )

        current = await store.get_schedule(self.bot.db, actor.guild_id, prompt)
        if edit_questions and current.content.kind == "questions":
            await interaction.response.send_modal(
                TextModal(
                    _("Rotating questions"),
                    _("Questions, one per line"),
                    finish,
                    default="\n".join(current.content.questions)[:4000],
                )
            )
            return
        await finish(interaction, question)

    @app_commands.command(name="pause", description="Stop posting a prompt until resumed")
    @app_commands.autocomplete(prompt=schedule_autocomplete)
    @moderator_only()
    async def pause(self, interaction: discord.Interaction, prompt: int) -> None:
        await actions.pause_prompt(self.bot.db, await actor_of(interaction), prompt, now=_now())
        self.scheduler.wake()
        await interaction.response.send_message(
            _("Prompt #{id} is paused. `/prompt resume {id}` starts it again.").format(id=prompt),
            ephemeral=True,
        )

    @app_commands.command(name="resume", description="Start posting a paused prompt again")
    @app_commands.autocomplete(prompt=schedule_autocomplete)
    @moderator_only()
    async def resume(self, interaction: discord.Interaction, prompt: int) -> None:
        actor = await actor_of(interaction)
        schedule = await actions.resume_prompt(self.bot.db, actor, prompt, now=_now())
        self.scheduler.wake()
        assert schedule.next_run_at is not None
        await interaction.response.send_message(
            _("Prompt #{id} is running again; next post {when}.").format(
                id=prompt, when=present.stamp(schedule.next_run_at)
            ),
            ephemeral=True,
        )

    @app_commands.command(name="skip-next", description="Skip a prompt's next run")
    @app_commands.autocomplete(prompt=schedule_autocomplete)
    @moderator_only()
    async def skip_next(self, interaction: discord.Interaction, prompt: int) -> None:
        actor = await actor_of(interaction)
        skipped, schedule = await actions.skip_next_run(self.bot.db, actor, prompt, now=_now())
        self.scheduler.wake()
        text = (
            _("Skipped prompt #{id}'s run of {when}; the next is {next}.")
            if schedule.next_run_at
            else _("Skipped prompt #{id}'s run of {when}; there are no more runs.")
        )
        await interaction.response.send_message(
            text.format(
                id=prompt,
                when=present.stamp(skipped),
                next=present.stamp(schedule.next_run_at) if schedule.next_run_at else "",
            ),
            ephemeral=True,
        )

    @app_commands.command(name="run-now", description="Post a prompt's next content right now")
    @app_commands.autocomplete(prompt=schedule_autocomplete)
    @moderator_only()
    async def run_now(self, interaction: discord.Interaction, prompt: int) -> None:
        # The channel is checked before answering: a post that cannot go out is said now.
        schedule = await actions.run_prompt_now(
            self.bot.db,
            await actor_of(interaction),
            prompt,
            check_channel=self._channel_check(interaction, prompt),
            runner=self.scheduler.run_now,
        )
        await interaction.response.send_message(
            _("Posting prompt #{id} in {channel} now; its timetable is unchanged.").format(
                id=prompt, channel=f"<#{schedule.channel_id}>"
            ),
            ephemeral=True,
        )

    @app_commands.command(name="remove", description="Delete a prompt (asks to confirm)")
    @app_commands.autocomplete(prompt=schedule_autocomplete)
    @moderator_only()
    async def remove(self, interaction: discord.Interaction, prompt: int) -> None:
        assert interaction.guild_id is not None
        schedule = await store.get_schedule(self.bot.db, interaction.guild_id, prompt)
        view = button_view(RemoveButton(schedule.id, interaction.user.id))
        await interaction.response.send_message(
            _("Remove prompt #{id} ({schedule} in {channel})? This cannot be undone.").format(
                id=schedule.id,
                schedule=schedule.recurrence.describe(),
                channel=f"<#{schedule.channel_id}>",
            ),
            view=view,
            ephemeral=True,
        )


__all__ = ["BotError", "PromptCog"]
