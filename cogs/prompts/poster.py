"""The scheduler's :class:`bot.scheduling.scheduler.Poster`, speaking Discord.

It works from channel ids alone (partial messageables), so a run due right after start-up posts
before the gateway has filled the cache. discord.py waits out 429s as Discord's Retry-After says;
403 and 404 become :class:`PostForbidden`, which pauses the schedule.

A run resumed after a crash, or retried after a failure, may already be in the channel. Discord
enforces the run's nonce only for a few minutes, while the grace window is an hour and retries
last longer, so before sending such a run the poster reads the messages posted since the claim
and adopts the bot's own message with the run's exact content, unless another run recorded it.
Without Read Message History it relies on the nonce.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Final

import discord

from bot.scheduling.content import PostPayload
from bot.scheduling.scheduler import PostForbidden, PostRequest, PostResult
from bot.storage import prompts as store
from bot.storage.prompts import Run
from cogs.prompts.views import MarkReadButton
from cogs.ui import button_view

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

log = logging.getLogger(__name__)

ARCHIVE_MINUTES = (60, 1440, 4320, 10080)
CLOCK_SKEW: Final = timedelta(minutes=1)
"""How much earlier than the claim (by Discord's clock) a resumed run's post may be dated."""
HISTORY_LIMIT: Final = 100
"""Messages read after the claim when looking for a resumed run's post (one request)."""
THREAD_EXISTS: Final = 160004


def post_parts(payload: PostPayload) -> tuple[discord.Embed | None, discord.ui.View | None]:
    embed = None
    if payload.embed_text or payload.embed_title:
        embed = discord.Embed(
            title=payload.embed_title,
            description=payload.embed_text,
            colour=discord.Colour.dark_red(),
        )
    view = None
    if payload.reading is not None:
        view = button_view(MarkReadButton(payload.reading.ref))
    return embed, view


class DiscordPoster:
    def __init__(self, bot: ManifestoBot) -> None:
        self.bot = bot

    async def post(self, request: PostRequest) -> PostResult:
        run = request.run
        payload = run.payload
        channel = self.bot.get_partial_messageable(run.channel_id, guild_id=run.guild_id)
        embed, view = post_parts(payload)
        mentions = (
            discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(payload.ping_role_id)]
            )
            if payload.ping_role_id
            else discord.AllowedMentions.none()
        )
        message = await self._earlier_post(channel, run) if request.resumed else None
        if message is not None:
            log.info(
                "prompt run %s was already posted as message %s; not sending it again",
                run.id,
                message.id,
            )
        else:
            try:
                # The nonce is enforced by Discord for a few minutes: a run resumed soon after a
                # crash that had in fact been sent gets the first message back, not a second one.
                message = await channel.send(
                    payload.content,
                    embed=embed,  # type: ignore[arg-type]
                    view=view,  # type: ignore[arg-type]
                    nonce=run.nonce,
                    allowed_mentions=mentions,
                )
            except (discord.Forbidden, discord.NotFound) as exc:
                raise PostForbidden(f"{exc.status} {exc.text or 'refused'}") from exc
        thread_id = None
        if payload.thread_name:
            try:
                thread_id = await self._open_thread(message, payload)
            except discord.HTTPException as exc:
                if exc.code == THREAD_EXISTS:
                    # Opened before a crash: a thread started from a message has its id.
                    thread_id = message.id
                else:
                    # The post is out; a missing thread is worth a log line, not a second post.
                    log.warning("prompt run %s: could not open a thread: %s", run.id, exc)
        # A resumed run's message may be one sent before a crash (found in the channel, or
        # returned for its nonce): its own timestamp says when the group saw it.
        return PostResult(message.id, thread_id, message.created_at if request.resumed else None)

    async def _open_thread(self, message: discord.Message, payload: PostPayload) -> int:
        """Start the post's thread. Right after start-up the server may not be cached yet (a
        resumed run posts from ids alone), and discord.py's ``Message.create_thread`` needs it:
        the same request is then made with the ids."""
        minutes = payload.thread_archive_minutes or 1440
        name = payload.thread_name or ""
        if message.guild is not None:
            thread = await message.create_thread(name=name, auto_archive_duration=minutes)  # type: ignore[arg-type]
            return thread.id
        data = await self.bot.http.start_thread_with_message(
            message.channel.id,
            message.id,
            name=name,
            auto_archive_duration=minutes,  # type: ignore[arg-type]
        )
        return int(data["id"])

    async def _earlier_post(
        self, channel: discord.PartialMessageable, run: Run
    ) -> discord.Message | None:
        """The bot's own message carrying this run's post, sent before a crash, if any."""
        me = self.bot.user
        if me is None:
            return None
        try:
            candidates = [
                message
                async for message in channel.history(
                    limit=HISTORY_LIMIT, after=run.claimed_at - CLOCK_SKEW, oldest_first=True
                )
                if message.author.id == me.id
                and run.payload.is_sent_as(
                    message.content, message.embeds[0].title if message.embeds else None
                )
            ]
        except discord.HTTPException as exc:
            log.info(
                "prompt run %s: cannot read the channel (%s); relying on the nonce",
                run.id,
                exc.status,
            )
            return None
        if not candidates:
            return None
        owned = await store.recorded_message_ids(self.bot.db, [m.id for m in candidates])
        return next((m for m in candidates if m.id not in owned), None)

    async def notify_channel(self, channel_id: int, text: str) -> None:
        await self.bot.get_partial_messageable(channel_id).send(
            text, allowed_mentions=discord.AllowedMentions.none()
        )

    async def notify_user(self, user_id: int, text: str) -> None:
        dm = await self.bot.create_dm(discord.Object(user_id))
        await dm.send(text, allowed_mentions=discord.AllowedMentions.none())
