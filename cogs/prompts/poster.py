"""The scheduler's :class:`bot.scheduling.scheduler.Poster`, speaking Discord.

It works from channel ids alone (partial messageables), so a run due right after start-up posts
before the gateway has filled the cache. discord.py waits out 429s as Discord's Retry-After says;
403 and 404 become :class:`PostForbidden`, which pauses the schedule.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.scheduling.content import PostPayload
from bot.scheduling.scheduler import PostForbidden, PostRequest, PostResult
from cogs.prompts.views import MarkReadButton

if TYPE_CHECKING:
    from cogs.client import ManifestoBot

log = logging.getLogger(__name__)

ARCHIVE_MINUTES = (60, 1440, 4320, 10080)


def post_parts(payload: PostPayload) -> tuple[discord.Embed | None, discord.ui.View | None]:
    embed = None
    if payload.embed_text or payload.embed_title:
        embed = discord.Embed(title=payload.embed_title, description=payload.embed_text,
                              colour=discord.Colour.dark_red())
    view = None
    if payload.reading is not None:
        view = discord.ui.View(timeout=None)
        view.add_item(MarkReadButton(payload.reading.ref))
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
            discord.AllowedMentions(everyone=False, users=False,
                                    roles=[discord.Object(payload.ping_role_id)])
            if payload.ping_role_id else discord.AllowedMentions.none()
        )
        try:
            # The nonce is enforced by Discord: a run resumed after a crash that had in fact been
            # sent gets the first message back instead of a second one.
            message = await channel.send(
                payload.content, embed=embed, view=view,  # type: ignore[arg-type]
                nonce=run.nonce, allowed_mentions=mentions,
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PostForbidden(f"{exc.status} {exc.text or 'refused'}") from exc
        thread_id = None
        if payload.thread_name:
            try:
                thread = await message.create_thread(
                    name=payload.thread_name,
                    auto_archive_duration=payload.thread_archive_minutes or 1440,  # type: ignore[arg-type]
                )
                thread_id = thread.id
            except discord.HTTPException as exc:
                # The post is out; a missing thread is worth a log line, not a second post.
                log.warning("prompt run %s: could not open a thread: %s", run.id, exc)
        return PostResult(message.id, thread_id)

    async def notify_channel(self, channel_id: int, text: str) -> None:
        await self.bot.get_partial_messageable(channel_id).send(
            text, allowed_mentions=discord.AllowedMentions.none()
        )

    async def notify_user(self, user_id: int, text: str) -> None:
        dm = await self.bot.create_dm(discord.Object(user_id))
        await dm.send(text, allowed_mentions=discord.AllowedMentions.none())
