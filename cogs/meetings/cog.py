"""``/meeting``, ``/here``, ``/attendance``, and attendance from voice and Scheduled Events.

Everything here is thin: rules, SQL and texts live in :mod:`bot.meetings` and
:mod:`bot.storage.meetings`. Every answer is sent after the database committed, so what a member
sees acknowledged is on disk.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import i18n
from bot.actions import Actor
from bot.actions import meetings as actions
from bot.i18n import _
from bot.meetings.attendance import date_range
from bot.meetings.errors import MeetingError
from bot.meetings.export import export_file, export_filename
from bot.meetings.intervals import VoiceState, counts
from bot.meetings.model import Meeting
from bot.meetings.render import (
    choice_name,
    meeting_message,
    page_footer,
    title,
)
from bot.meetings.reports import report_pages, summary_key
from bot.plural import count_text
from bot.storage import meetings as store
from bot.storage.guild_settings import get_setting
from bot.storage.meta import get_meta, set_meta
from cogs.checks import actor_of, moderator_only
from cogs.language import server_language
from cogs.meetings.views import ReportPageButton, check_in_reply, here_view
from cogs.ui import button_view

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "meetings.heartbeat"
HEARTBEAT_SECONDS = 30
"""How often a running meeting records that the bot is alive: the most voice time a crash can
credit to someone who left while the bot was down."""

EVENT_EARLY_START = timedelta(hours=12)
"""How long before its scheduled start an event may have been started by hand (and its meeting
opened): used to tell this occurrence's meeting from an earlier one of a recurring event."""


def _guild_id(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise MeetingError(_("Meetings work in a server, not in direct messages."))
    return interaction.guild_id


def _bot(interaction: discord.Interaction) -> ManifestoBot:
    return interaction.client  # type: ignore[return-value]


async def _threshold(bot: ManifestoBot, guild_id: int) -> timedelta:
    return await actions.voice_threshold(bot.db, guild_id)


async def _timezone(bot: ManifestoBot, guild_id: int) -> ZoneInfo:
    return ZoneInfo(str(await get_setting(bot.db, guild_id, "timezone")))


def _voice_state(state: discord.VoiceState, channel_id: int | None) -> VoiceState:
    return VoiceState(channel_id, deafened=bool(state.deaf or state.self_deaf))


def _counting_now(bot: ManifestoBot, meeting: Meeting) -> set[int]:
    """Members counted in the meeting's voice channel right now, from the gateway's cache."""
    guild = bot.get_guild(meeting.guild_id)
    if guild is None or meeting.voice_channel_id is None:
        return set()
    channel = guild.get_channel(meeting.voice_channel_id)
    if not isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        return set()
    afk = guild.afk_channel.id if guild.afk_channel else None
    me = bot.user.id if bot.user else None
    return {
        user_id
        for user_id, state in channel.voice_states.items()
        if user_id != me and counts(_voice_state(state, channel.id), channel.id, afk)
    }


async def open_meeting(
    bot: ManifestoBot,
    guild: discord.Guild,
    *,
    title_text: str | None,
    default_title: str = "",
    text_channel: discord.abc.Messageable | None,
    text_channel_id: int | None,
    voice_channel_id: int | None,
    actor: Actor | None = None,
    started_by_id: int | None = None,
    event_id: int | None = None,
) -> Meeting:
    """Start the meeting (a moderator's action, or a Scheduled Event's), credit whoever is
    already in voice, and post the check-in message."""
    now = discord.utils.utcnow()
    afk = guild.afk_channel.id if guild.afk_channel is not None else None
    if actor is not None:
        meeting = await actions.start_meeting(
            bot.db,
            actor,
            title=title_text,
            default_title=default_title,
            text_channel_id=text_channel_id,
            voice_channel_id=voice_channel_id,
            afk_channel_id=afk,
            now=now,
        )
    else:
        actions.check_rooms(voice_channel_id, afk)
        meeting = await store.start_meeting(
            bot.db,
            guild_id=guild.id,
            title=title_text or default_title,
            at=now,
            text_channel_id=text_channel_id,
            voice_channel_id=voice_channel_id,
            started_by_id=started_by_id,
            event_id=event_id,
        )
    if voice_channel_id is not None:
        await store.reconcile_voice(
            bot.db, meeting.id, _counting_now(bot, meeting), last_seen=None, now=now
        )
    if text_channel is not None:
        minutes = int((await _threshold(bot, guild.id)).total_seconds() // 60)
        try:
            async with server_language(bot, guild):
                content = meeting_message(meeting, threshold_minutes=minutes)
                view = here_view(meeting.id)
            message = await text_channel.send(content, view=view)
        except discord.HTTPException:
            log.warning("could not post the message of meeting %s", meeting.id, exc_info=True)
        else:
            await store.set_meeting_message(bot.db, meeting.id, message.channel.id, message.id)
    return meeting


async def close_meeting(
    bot: ManifestoBot,
    meeting: Meeting,
    *,
    at: datetime | None = None,
    actor: Actor | None = None,
) -> store.EndedMeeting:
    """End the meeting (voice attendance is settled in the same transaction), then disable the
    message's button. The edit is cosmetic: a click on a stale button is told the meeting ended."""
    ended = await actions.end_meeting(
        bot.db, actor, meeting.guild_id, meeting.id, now=at or discord.utils.utcnow()
    )
    final = ended.meeting
    if final.message_channel_id is not None and final.message_id is not None:
        minutes = int((await _threshold(bot, meeting.guild_id)).total_seconds() // 60)
        partial = bot.get_partial_messageable(final.message_channel_id)
        async with server_language(bot, bot.get_guild(meeting.guild_id) or meeting.guild_id):
            content = meeting_message(final, threshold_minutes=minutes)
            view = here_view(final.id, ended=True)
        try:
            await partial.get_partial_message(final.message_id).edit(content=content, view=view)
        except discord.HTTPException:
            log.warning("could not update the message of meeting %s", final.id, exc_info=True)
    return ended


async def _meeting_choices(
    interaction: discord.Interaction, current: str, *, running: bool
) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    bot = _bot(interaction)
    found = await store.find_meetings(bot.db, interaction.guild_id, current, running=running)
    zone = await _timezone(bot, interaction.guild_id)
    return [app_commands.Choice(name=choice_name(m, zone), value=m.id) for m in found]


async def meeting_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """Any meeting of the server, by number, title or date."""
    return await _meeting_choices(interaction, current, running=False)


async def running_meeting_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    return await _meeting_choices(interaction, current, running=True)


async def _meeting_here(interaction: discord.Interaction, guild_id: int) -> Meeting:
    """The meeting this command is about: the one in this channel, else the only one running."""
    return await store.meeting_here(_bot(interaction).db, guild_id, interaction.channel_id)


@moderator_only()
class MeetingCog(
    commands.GroupCog, group_name="meeting", group_description="Reading-group meetings"
):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="start", description="Start a meeting with an I'm here button.")
    @app_commands.describe(
        title="What the meeting is about (default: the date)",
        voice="Voice channel where time counts as attending",
        text="Channel for the check-in message (default: this one)",
    )
    async def start(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 100] | None = None,
        voice: discord.VoiceChannel | discord.StageChannel | None = None,
        text: discord.TextChannel | None = None,
    ) -> None:
        guild = interaction.guild
        if guild is None:
            raise MeetingError(_("Meetings work in a server, not in direct messages."))
        channel: Any = text if text is not None else interaction.channel
        if channel is None or not hasattr(channel, "send"):
            raise MeetingError(_("Pick a text channel for the check-in message with `text:`."))
        resolved: Any = guild.get_channel(channel.id) or channel
        me = guild.me
        if isinstance(resolved, discord.abc.GuildChannel) and me is not None:
            perms = resolved.permissions_for(me)
            if not (perms.send_messages and perms.view_channel):
                raise MeetingError(
                    _(
                        "I cannot post in {channel}: give me View Channel and Send Messages "
                        "there, or pick another channel with `text:`."
                    ).format(channel=f"<#{resolved.id}>")
                )
        tz = await _timezone(self.bot, guild.id)
        async with server_language(self.bot, guild):
            default_title = _("Meeting of {date}").format(
                date=f"{discord.utils.utcnow().astimezone(tz):%Y-%m-%d}"
            )
        meeting = await open_meeting(
            self.bot,
            guild,
            title_text=title,
            default_title=default_title,
            text_channel=resolved,
            text_channel_id=resolved.id,
            voice_channel_id=voice.id if voice else None,
            actor=await actor_of(interaction),
        )
        await interaction.response.send_message(
            _("Meeting {meeting} started in {channel}. End it with `/meeting end`.").format(
                meeting=title_formatted(meeting), channel=f"<#{resolved.id}>"
            ),
            ephemeral=True,
        )

    @app_commands.command(name="end", description="End a meeting and record voice attendance.")
    @app_commands.describe(meeting="Meeting id (default: the one running in this channel)")
    @app_commands.autocomplete(meeting=running_meeting_autocomplete)
    async def end(self, interaction: discord.Interaction, meeting: int | None = None) -> None:
        guild_id = _guild_id(interaction)
        target = (
            await store.get_meeting(self.bot.db, guild_id, meeting)
            if meeting is not None
            else await _meeting_here(interaction, guild_id)
        )
        ended = await close_meeting(self.bot, target, actor=await actor_of(interaction))
        present = await store.count_attendance(self.bot.db, target.id)
        await interaction.response.send_message(
            _(
                "Meeting {meeting} ended: {present} present ({voice} by voice). "
                "See `/attendance meeting {id}`."
            ).format(
                meeting=title_formatted(ended.meeting),
                present=i18n.number(present),
                voice=i18n.number(len(ended.voice_present)),
                id=target.id,
            ),
            ephemeral=True,
        )


def title_formatted(meeting: Meeting) -> str:
    return f"**{title(meeting)}**"


class PresenceCog(commands.Cog):
    """``/here``, voice tracking, Scheduled Events, and repair after a restart."""

    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.heartbeat.start()

    async def cog_unload(self) -> None:
        self.heartbeat.cancel()
        # A planned stop knows when it stopped watching voice: whoever leaves while the bot is
        # down is then credited up to this moment, not only up to the last periodic heartbeat.
        try:
            await self._beat()
        except Exception:
            log.warning("could not record the last heartbeat", exc_info=True)

    @app_commands.command(name="here", description="Check in to the meeting running here.")
    @app_commands.guild_only()
    async def here(self, interaction: discord.Interaction) -> None:
        meeting = await _meeting_here(interaction, _guild_id(interaction))
        await check_in_reply(interaction, meeting.id)

    @tasks.loop(seconds=HEARTBEAT_SECONDS)
    async def heartbeat(self) -> None:
        await self._beat()

    @property
    def _heartbeat_key(self) -> str:
        """One heartbeat per shard set: with several processes, each records when it was last
        watching voice, so one that crashed is not credited with another's uptime."""
        shards = self.bot.settings.shards
        if shards is None or shards.every:
            return HEARTBEAT_KEY
        return f"{HEARTBEAT_KEY}:{shards.label()}"

    async def _beat(self) -> None:
        if await store.running_meetings(self.bot.db):
            await set_meta(self.bot.db, self._heartbeat_key, discord.utils.utcnow().isoformat())

    @heartbeat.before_loop
    async def _before_heartbeat(self) -> None:
        await self.bot.wait_until_ready()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await self.reconcile()

    async def reconcile(self) -> None:
        """Repair every running meeting from what the gateway reports now.

        Voice stretches follow :func:`bot.meetings.intervals.reconcile`; a meeting opened by a
        Scheduled Event that completed while the bot was away is closed at the last heartbeat,
        and one for an event that went active meanwhile is opened.
        """
        raw = await get_meta(self.bot.db, self._heartbeat_key)
        last_seen = datetime.fromisoformat(raw) if raw else None
        now = discord.utils.utcnow()
        for meeting in await store.running_meetings(self.bot.db):
            guild = self.bot.get_guild(meeting.guild_id)
            if guild is None:
                continue
            try:
                if meeting.event_id is not None:
                    event = guild.get_scheduled_event(meeting.event_id)
                    if event is None or event.status in (
                        discord.EventStatus.completed,
                        discord.EventStatus.cancelled,
                    ):
                        await close_meeting(self.bot, meeting, at=last_seen or now)
                        continue
                plan = await store.reconcile_voice(
                    self.bot.db,
                    meeting.id,
                    _counting_now(self.bot, meeting),
                    last_seen=last_seen,
                    now=now,
                )
                log.info(
                    "meeting %s reconciled: %d kept, %d closed, %d opened",
                    meeting.id,
                    len(plan.keep),
                    len(plan.close),
                    len(plan.open),
                )
            except Exception:
                log.exception("could not reconcile meeting %s", meeting.id)
        await set_meta(self.bot.db, self._heartbeat_key, now.isoformat())
        for guild in self.bot.guilds:
            try:
                await self._open_missed_events(guild)
            except Exception:
                log.exception("could not open meetings for the events of server %s", guild.id)
        log.info("meetings reconciled after connecting")

    async def _open_missed_events(self, guild: discord.Guild) -> None:
        """Open the meetings of Scheduled Events that went active while the bot was away.

        An event counts as handled when a meeting for it started after its scheduled start less
        :data:`EVENT_EARLY_START` (events can be started early): then a moderator may have ended
        that meeting on purpose, and it stays ended. A recurring event keeps its id, but its
        earlier occurrences' meetings started a day or more before this one.
        """
        active = [e for e in guild.scheduled_events if e.status is discord.EventStatus.active]
        if not active or not await get_setting(self.bot.db, guild.id, "meeting_from_events"):
            return
        for event in active:
            since = event.start_time - EVENT_EARLY_START
            if await store.meeting_for_event_since(self.bot.db, guild.id, event.id, since):
                continue
            log.info("event %s went active while the bot was away; opening its meeting", event.id)
            await self._open_for_event(guild, event)

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        if member.bot:
            return
        channels = {c.id for c in (before.channel, after.channel) if c is not None}
        meetings = [
            m
            for m in await store.running_meetings(self.bot.db, member.guild.id)
            if m.voice_channel_id in channels
        ]
        if not meetings:
            return
        afk = member.guild.afk_channel.id if member.guild.afk_channel else None
        state = _voice_state(after, after.channel.id if after.channel else None)
        now = discord.utils.utcnow()
        for meeting in meetings:
            await store.record_voice(
                self.bot.db,
                meeting.id,
                member.id,
                counting=counts(state, meeting.voice_channel_id, afk),
                at=now,
            )

    @commands.Cog.listener()
    async def on_scheduled_event_update(
        self, before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        guild = after.guild
        if guild is None or not await get_setting(self.bot.db, guild.id, "meeting_from_events"):
            return
        if after.status is discord.EventStatus.active and before.status is not after.status:
            if await store.running_for_event(self.bot.db, guild.id, after.id) is not None:
                return
            await self._open_for_event(guild, after)
        elif after.status in (discord.EventStatus.completed, discord.EventStatus.cancelled):
            await self._close_event(guild.id, after.id)

    async def _open_for_event(self, guild: discord.Guild, event: discord.ScheduledEvent) -> None:
        voice = event.channel if isinstance(event.channel, discord.VoiceChannel) else None
        stage = event.channel if isinstance(event.channel, discord.StageChannel) else None
        room = voice or stage
        text: Any = voice or guild.system_channel
        try:
            await open_meeting(
                self.bot,
                guild,
                title_text=event.name,
                text_channel=text,
                text_channel_id=text.id if text is not None else None,
                voice_channel_id=room.id if room is not None else None,
                started_by_id=event.creator_id,
                event_id=event.id,
            )
        except MeetingError as error:
            log.warning("event %s did not open a meeting: %s", event.id, error.message)

    @commands.Cog.listener()
    async def on_scheduled_event_delete(self, event: discord.ScheduledEvent) -> None:
        if event.guild is not None:
            await self._close_event(event.guild.id, event.id)

    async def _close_event(self, guild_id: int, event_id: int) -> None:
        meeting = await store.running_for_event(self.bot.db, guild_id, event_id)
        if meeting is not None:
            await close_meeting(self.bot, meeting)


# --- /attendance --------------------------------------------------------------------------------


async def build_report(interaction: discord.Interaction, key: str) -> list[str]:
    """The pages of a report named by a key (see :mod:`bot.meetings.reports`)."""
    bot = _bot(interaction)
    guild_id = _guild_id(interaction)
    zone = await _timezone(bot, guild_id)
    return await report_pages(bot.db, guild_id, key, zone=zone, now=discord.utils.utcnow())


def report_message(key: str, texts: list[str], page: int) -> tuple[str, discord.ui.View]:
    page = min(max(page, 0), len(texts) - 1)
    buttons: list[ReportPageButton] = []
    if len(texts) > 1:
        buttons = [
            ReportPageButton(key, page - 1, _("Previous"), disabled=page == 0),
            ReportPageButton(key, page + 1, _("Next"), disabled=page >= len(texts) - 1),
        ]
    return texts[page] + page_footer(page, len(texts)), button_view(*buttons)


async def _send_report(interaction: discord.Interaction, key: str) -> None:
    content, view = report_message(key, await build_report(interaction, key), 0)
    await interaction.response.send_message(content, view=view, ephemeral=True)


@moderator_only()
class AttendanceCog(
    commands.GroupCog, group_name="attendance", group_description="Meeting attendance"
):
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="meeting", description="Who attended a meeting, and corrections.")
    @app_commands.describe(meeting="Meeting id (default: the one running, else the last ended)")
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    async def meeting(self, interaction: discord.Interaction, meeting: int | None = None) -> None:
        guild_id = _guild_id(interaction)
        if meeting is None:
            found = await store.meeting_to_report(self.bot.db, guild_id, interaction.channel_id)
            meeting = found.id
        await store.get_meeting(self.bot.db, guild_id, meeting)  # unknown ids answer clearly
        await _send_report(interaction, f"m{meeting}")

    @app_commands.command(name="member", description="A member's attendance over all meetings.")
    @app_commands.describe(member="The member (default: you)")
    async def member(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        _guild_id(interaction)
        await _send_report(interaction, f"u{(member or interaction.user).id}")

    @app_commands.command(name="summary", description="Attendance rates per member and meeting.")
    @app_commands.describe(start="First day, YYYY-MM-DD", end="Last day, YYYY-MM-DD")
    @app_commands.rename(start="from", end="to")
    async def summary(
        self,
        interaction: discord.Interaction,
        start: app_commands.Range[str, 1, 10] | None = None,
        end: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        guild_id = _guild_id(interaction)
        date_range(start, end, await _timezone(self.bot, guild_id))  # refuse bad input first
        await _send_report(interaction, summary_key(start, end))

    @app_commands.command(name="export", description="Attendance as a CSV file.")
    @app_commands.describe(start="First day, YYYY-MM-DD", end="Last day, YYYY-MM-DD")
    @app_commands.rename(start="from", end="to")
    async def export(
        self,
        interaction: discord.Interaction,
        start: app_commands.Range[str, 1, 10] | None = None,
        end: app_commands.Range[str, 1, 10] | None = None,
    ) -> None:
        guild_id = _guild_id(interaction)
        lo, hi = date_range(start, end, await _timezone(self.bot, guild_id))
        await interaction.response.defer(ephemeral=True, thinking=True)
        with tempfile.TemporaryFile() as raw:
            rows, size = await export_file(self.bot.db, guild_id, lo, hi, raw)
            if size > interaction.filesize_limit:
                raise MeetingError(
                    _(
                        "The export is {size} MB, over Discord's upload limit: "
                        "narrow it with `from` and `to`."
                    ).format(size=i18n.number(size // 1_000_000))
                )
            raw.seek(0)
            await interaction.followup.send(
                count_text(rows, "{n} attendance row.", "{n} attendance rows."),
                file=discord.File(raw, filename=export_filename(guild_id, datetime.now(UTC))),
                ephemeral=True,
            )

    @app_commands.command(name="add", description="Record a member as present at a meeting.")
    @app_commands.describe(
        member="Who attended", meeting="Meeting id", reason="Why, for the audit log (optional)"
    )
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction,
        member: discord.User,
        meeting: int,
        reason: app_commands.Range[str, 1, actions.REASON_LIMIT] | None = None,
    ) -> None:
        await self._correct(interaction, member, meeting, present=True, reason=reason or "")

    @app_commands.command(name="remove", description="Remove a member's attendance of a meeting.")
    @app_commands.describe(
        member="Who did not attend",
        meeting="Meeting id",
        reason="Why, for the audit log (optional)",
    )
    @app_commands.autocomplete(meeting=meeting_autocomplete)
    async def remove(
        self,
        interaction: discord.Interaction,
        member: discord.User,
        meeting: int,
        reason: app_commands.Range[str, 1, actions.REASON_LIMIT] | None = None,
    ) -> None:
        await self._correct(interaction, member, meeting, present=False, reason=reason or "")

    async def _correct(
        self,
        interaction: discord.Interaction,
        member: discord.User,
        meeting: int,
        *,
        present: bool,
        reason: str,
    ) -> None:
        await actions.correct_attendance(
            self.bot.db,
            await actor_of(interaction),
            meeting,
            member.id,
            present=present,
            now=discord.utils.utcnow(),
            reason=reason,
        )
        text = (
            _(
                "Added {member} to meeting #{id}. "
                "The change is listed in `/attendance meeting {id}`."
            )
            if present
            else _(
                "Removed {member} from meeting #{id}. "
                "The change is listed in `/attendance meeting {id}`."
            )
        )
        await interaction.response.send_message(
            text.format(member=member.mention, id=meeting),
            ephemeral=True,
        )


__all__ = [
    "AttendanceCog",
    "MeetingCog",
    "PresenceCog",
    "build_report",
    "close_meeting",
    "open_meeting",
    "report_message",
]
