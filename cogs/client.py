"""The bot process: connects to Discord, loads the cogs, syncs commands when they changed.

``python -m bot run`` validates the configuration, then calls :func:`run`; this module is the only
place that unwraps the token.

The client is always auto-sharded: over ``SHARD_IDS`` of ``SHARD_COUNT`` when configured (several
processes share the shards and the database), otherwise over Discord's recommended count in this
one process. The process heartbeat (:class:`bot.health.ProcessHealth`) is registered before any
cog loads, so the scheduler's claims always belong to a process others can see alive.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, Final

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot import i18n
from bot.commands_sync import needs_sync, record_sync, tree_fingerprint
from bot.config import Settings
from bot.errors import BotError
from bot.health import GatewaySample, ProcessHealth
from bot.i18n import _
from bot.library import Library
from bot.ratelimit import HEADROOM, Pacer, process_share
from bot.search import SearchEngine
from bot.sharding import Shards
from bot.startup import open_core, stop_on_signals
from bot.storage import Database
from bot.storage.processes import IDENTIFY_SPACING_MS, reserve_identify
from cogs.translator import CommandTranslator, extra_discord_locales

log = logging.getLogger(__name__)

EXTENSIONS: Final[Sequence[str]] = (
    "cogs.quote",
    "cogs.search",
    "cogs.settings",
    "cogs.meetings",
    "cogs.me",
    "cogs.prompts",
    "cogs.reading",
    "cogs.streaks",
)
"""Every cog package, loaded in ``setup_hook``; a feature adds its package here."""

ANSWER_DEADLINE: Final = 2.5
"""Seconds after which an unanswered interaction gets the safety net's answer (Discord allows 3)."""

HTTP_CONNECTIONS: Final = 50
"""Connections the bot keeps to Discord's API at most. discord.py's default has no limit, so a
crowd pressing a button together made the bot open one connection per answer (a TLS handshake
each on Discord); queueing for 50 kept ones answered 500 clicks sooner (bench/attendance.py)."""


class ManifestoBot(commands.AutoShardedBot):
    """The client, holding the core objects the cogs call into."""

    def __init__(
        self, settings: Settings, db: Database, library: Library, search_engine: SearchEngine
    ) -> None:
        from cogs.errors import ErrorReportingTree

        # Without SHARD_COUNT discord.py asks Discord (/gateway/bot) for the recommended count.
        sharding: dict[str, Any] = {}
        if settings.shards is not None:
            sharding = {
                "shard_count": settings.shards.count,
                "shard_ids": list(settings.shards.ids),
            }
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # Nothing the bot sends may ping unless a call opts in (a moderator's role ping).
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=ErrorReportingTree,
            help_command=None,
            # Buttons carry their state in custom ids, so no message needs remembering: the
            # default cache of 1,000 messages would only cost memory.
            max_messages=None,
            connector=aiohttp.TCPConnector(limit=HTTP_CONNECTIONS),
            **sharding,
        )
        self.settings = settings
        self.db = db
        self.library = library
        self.search_engine = search_engine
        self.failed_extensions: list[str] = []
        self.rest_pacer: Pacer | None = None
        if settings.global_rate > 0:
            self.rest_pacer = Pacer(process_share(settings.global_rate, settings.shards))
            self._pace_requests(self.rest_pacer)
        self.health = ProcessHealth(
            db,
            shards=settings.shards,
            interval=settings.heartbeat_seconds,
            name=settings.process_name,
            sample=self.gateway_sample,
            on_share=self._set_rest_share,
        )
        self._max_concurrency: int | None = None
        self._identified_at: dict[int, float] = {}
        self._late_answers: set[asyncio.Task[None]] = set()

    def _set_rest_share(self, fraction: float) -> None:
        if self.rest_pacer is not None:
            self.rest_pacer.set_rate(self.settings.global_rate * HEADROOM * fraction)

    def _pace_requests(self, pacer: Pacer) -> None:
        """Send every bot-token request at this process's share of the global limit.

        Interaction responses and follow-ups go through discord.py's webhook adapter, not this
        method, so they are never delayed (Discord does not count them either).
        """
        send = self.http.request

        async def paced(route: discord.http.Route, **kwargs: Any) -> Any:
            await pacer.wait()
            return await send(route, **kwargs)

        self.http.request = paced  # type: ignore[method-assign]

    @property
    def shares_shards(self) -> bool:
        """True when other processes run the other shards: IDENTIFYs are paced through the
        database then, since Discord's limit counts the whole bot."""
        return self.settings.shards is not None and not self.settings.shards.every

    def gateway_sample(self) -> GatewaySample:
        count = self.shard_count
        shards = self.settings.shards or (Shards.of(count) if count else None)
        latencies: dict[int, float | None] = dict.fromkeys(shards.ids if shards else ())
        for shard_id, info in self.shards.items():
            latency = info.latency
            connected = not info.is_closed() and math.isfinite(latency)
            latencies[shard_id] = round(latency * 1000, 1) if connected else None
        ready = sum(1 for value in latencies.values() if value is not None)
        return GatewaySample(shards, ready, latencies)

    async def _identify_concurrency(self) -> int:
        if self._max_concurrency is None:
            try:
                limits = await self.fetch_session_start_limits()
                self._max_concurrency = max(1, limits.max_concurrency)
            except (discord.HTTPException, discord.GatewayNotFound):
                log.warning("could not read max_concurrency from Discord; assuming 1")
                return 1
        return self._max_concurrency

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's IDENTIFY turn: one per ``shard_id % max_concurrency`` bucket
        every 5 seconds, for the whole bot.

        discord.py waits 5 s before every IDENTIFY but the first, whatever the bucket, and knows
        nothing of other processes. Alone, this process paces its own shards per bucket (so a
        bot with a high max_concurrency connects them together); sharing shards with other
        processes, it reserves each turn in the database so processes starting at once queue.
        """
        shard = shard_id or 0
        if not self.shares_shards and initial:
            self._identified_at[0] = time.monotonic()
            return
        bucket = shard % await self._identify_concurrency()
        if self.shares_shards:
            try:
                wait = await reserve_identify(self.db, bucket, int(time.time() * 1000)) / 1000
            except Exception:
                log.warning("could not reserve an IDENTIFY turn; waiting 5 s", exc_info=True)
                wait = IDENTIFY_SPACING_MS / 1000
        else:
            last = self._identified_at.get(bucket)
            window = IDENTIFY_SPACING_MS / 1000
            wait = 0.0 if last is None else max(0.0, last + window - time.monotonic())
        if wait > 0:
            log.info("shard %s waits %.1fs for its IDENTIFY turn (bucket %s)", shard, wait, bucket)
            await asyncio.sleep(wait)
        self._identified_at[bucket] = time.monotonic()

    async def setup_hook(self) -> None:
        await self.health.register()
        self.health.start()
        for extension in EXTENSIONS:
            try:
                await self.load_extension(extension)
            except Exception:
                self.failed_extensions.append(extension)
                log.exception("failed to load extension %s; the bot starts without it", extension)
        await self.tree.set_translator(CommandTranslator(extra_discord_locales()))
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync to the development server or globally, only if the tree changed since last time."""
        scope = self.settings.dev_guild_id
        guild = discord.Object(id=scope) if scope is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        # The translated payload, as sync sends it: a changed translation is a changed tree.
        payload = [
            await command.get_translated_payload(self.tree, translator)
            if (translator := self.tree.translator) is not None
            else command.to_dict(self.tree)
            for command in self.tree.get_commands(guild=guild)
        ]
        fingerprint = tree_fingerprint(payload)
        where = f"server {scope}" if scope is not None else "all servers"
        if not await needs_sync(self.db, scope, fingerprint):
            log.info("command tree unchanged; not syncing (%d commands, %s)", len(payload), where)
            return
        synced = await self.tree.sync(guild=guild)
        await record_sync(self.db, scope, fingerprint)
        log.info("synced %d commands to %s", len(synced), where)

    async def on_ready(self) -> None:
        # Runs again on every reconnect: only log here, never start work.
        user = self.user
        shards = self.settings.shards or (Shards.of(self.shard_count or 1))
        log.info(
            "ready as %s (%s) in %d servers on shards %s",
            user,
            user.id if user else "?",
            len(self.guilds),
            shards.label(),
        )

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """The safety net: answer any interaction that nothing answered in time.

        Handlers answer or defer well within Discord's 3 seconds; an interaction still unanswered
        after :data:`ANSWER_DEADLINE` (a button from a removed feature, a handler that hung) gets a
        short ephemeral apology instead of Discord's "This interaction failed". A timer, not a
        task asleep for each interaction: under a burst of clicks thousands would be waiting.
        """
        asyncio.get_running_loop().call_later(ANSWER_DEADLINE, self._check_answered, interaction)

    def _check_answered(self, interaction: discord.Interaction) -> None:
        if not interaction.response.is_done():
            task = asyncio.create_task(self._answer_late(interaction))
            self._late_answers.add(task)
            task.add_done_callback(self._late_answers.discard)

    async def _answer_late(self, interaction: discord.Interaction) -> None:
        log.warning(
            "interaction %s unanswered after %.1fs; answering", interaction.id, ANSWER_DEADLINE
        )
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                await interaction.response.autocomplete([])
            else:
                with i18n.language(interaction.locale.value):
                    apology = _("That did not work in time. Please try again.")
                await interaction.response.send_message(apology, ephemeral=True)
        except discord.HTTPException:
            log.debug("interaction %s expired before the safety net answered", interaction.id)


async def _serve(settings: Settings) -> int:
    try:
        core = await open_core(settings)
    except BotError as exc:
        log.error("cannot start: %s", exc.message)
        return 1

    bot = ManifestoBot(settings, core.db, core.library, core.engine)
    stop = stop_on_signals()

    exit_code = 0
    site: Any = None
    try:
        async with bot:
            if settings.web is not None:
                site = await _start_web(bot)
            runner = asyncio.create_task(bot.start(settings.token.get_secret_value()))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done and runner.exception() is not None:
                error = runner.exception()
                if isinstance(error, discord.LoginFailure):
                    log.error(
                        "Discord rejected DISCORD_TOKEN: reset the token in the Developer Portal "
                        "and put the new one in .env."
                    )
                    exit_code = 2
                else:
                    log.error("the connection to Discord failed", exc_info=error)
                    exit_code = 1
            else:
                log.info("shutting down")
            stopper.cancel()
            await bot.close()
            if not runner.done():
                runner.cancel()
            # After the cogs unloaded (the scheduler stopped): runs still claimed by this process
            # are free to the others at once rather than when the heartbeat turns stale.
            await bot.health.stop()
    finally:
        if site is not None:
            await site.cleanup()
        await core.db.close()
        log.info("database closed")
    return exit_code


async def _start_web(bot: ManifestoBot) -> Any:
    """The web app on the bot's event loop; imported only when WEB_BASE_URL turns it on."""
    from cogs.membership import GatewayMembership
    from cogs.streaks.cog import wake_reminders
    from web.server import start_web

    assert bot.settings.web is not None
    return await start_web(
        bot.settings.web,
        bot.db,
        bot.library,
        bot.search_engine,
        GatewayMembership(bot),
        reminders_changed=lambda: wake_reminders(bot),
        share_loop=True,
    )


def run(settings: Settings) -> int:
    """Start the bot and block until it stops; returns the process exit code."""
    # The bot never joins voice (presence comes from gateway events): no voice libraries needed.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        return runner.run(_serve(settings))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it exists (not on Windows), else asyncio's own loop.

    uvloop runs the gateway, the REST calls and the database callbacks in C: 15-35% less CPU an
    interaction than asyncio's own loop in bench/e2e.py, which prints the figure.
    """
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


__all__ = ["EXTENSIONS", "ManifestoBot", "run"]
