"""The emulator: an aiohttp server on 127.0.0.1 that is Discord as far as the bot can tell.

:class:`Emulator` owns the state (``models``), the gateway, the REST routes (``rest``), the fault
switchboard and the request log, and offers the test API: furnish servers, act as people, wait for
the bot, inject faults, move the clock.
"""

# The test API bounds every wait with a ``timeout`` argument so a silent bot fails with an
# explanation (NoResponse) instead of a bare TimeoutError from an outer asyncio.timeout().
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import copy
import hashlib
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from aiohttp import BodyPartReader, web

from tests.emulator import permissions as perms
from tests.emulator.clock import Clock, Snowflakes
from tests.emulator.errors import DiscordError, EmulatorError, NoResponse, error, http_error
from tests.emulator.faults import Faults, rate_limited, route_matches
from tests.emulator.gateway import Gateway, Session
from tests.emulator.models import (
    Attachment,
    Channel,
    ChannelType,
    Command,
    EventStatus,
    Guild,
    Interaction,
    Member,
    Message,
    Role,
    ScheduledEvent,
    User,
    VoiceState,
    parse_mentions,
)
from tests.emulator.oauth import AccessToken, OAuth
from tests.emulator.permissions import Intent
from tests.emulator.permissions import Permission as P
from tests.emulator.recording import RecordedRequest, UploadedFile
from tests.emulator.rules import LOADING, SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS
from tests.emulator.validation import body_required, has_operation, validate_body, validate_query

log = logging.getLogger(__name__)

JSON = Any

BOT_USER_ID: Final = 1_300_000_000_000_000_001
"""The emulated bot's user id, which is also its application id (as for every new application)."""


def _token_for(user_id: int) -> str:
    first = base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")
    return f"{first}.ZW11bA.emulated-bot-token-for-tests-only"


TOKEN: Final = _token_for(BOT_USER_ID)
"""A token with the shape of a real one (base64 user id . timestamp . HMAC), accepted only here."""

API_PREFIX: Final = "/api/v10"
MESSAGE_FLAGS_A_BOT_MAY_SET: Final = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | (1 << 15)


# --- routing -------------------------------------------------------------------------------------

Handler = Callable[["Call"], Awaitable[Any]]
NO_CONTENT: Final = object()


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    auth: str  # "bot", "webhook" (token in the URL), "none", or an OAuth2 scope a bearer may use
    pattern: re.Pattern[str]


@dataclass
class Call:
    """One REST request, parsed, as the route handlers see it."""

    record: RecordedRequest
    params: dict[str, str]
    query: dict[str, Any]
    body: Any
    files: list[UploadedFile]
    bearer: AccessToken | None = None
    """The OAuth2 token the request came with (None: the bot's token)."""

    def snowflake(self, name: str) -> int:
        value = self.params[name]
        if not value.isdigit():
            raise error(50035, f'Value "{value}" is not snowflake.')
        return int(value)


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler, auth: str = "bot") -> None:
        if not has_operation(method, template):
            raise EmulatorError(f"{method} {template} is not in the spec subset (spec/extract.py)")
        regex = re.escape(template)
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        self.routes.append(Route(method, template, handler, auth, re.compile(f"^{regex}$")))

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        known_path = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            known_path = True
            if route.method == method:
                return route, found.groupdict(), True
        return None, {}, known_path


class Emulator:
    """Discord on 127.0.0.1, with the test API. Use as ``async with Emulator() as discord:``."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        bot_name: str = "Test Bot",
        privileged_intents: int = perms.PRIVILEGED_INTENTS,
        heartbeat_interval: float = 41.25,
        interaction_deadline: float = 3.0,
        followup_window: float = 15 * 60,
        nonce_window: float = 5 * 60,
        host: str = "127.0.0.1",
        port: int = 0,
        check_schemas: bool = True,
    ) -> None:
        # Benchmarks turn the JSON-schema check off to time the bot rather than the validator
        # (about 5 ms a request); every other rule of Discord's stays on.
        self.check_schemas = check_schemas
        self.token = token
        self.privileged_intents = Intent(privileged_intents)
        self.interaction_deadline = interaction_deadline
        self.followup_window = followup_window
        self.nonce_window = nonce_window
        self.host = host
        self.port = port
        self.clock = Clock()
        self.snowflakes = Snowflakes(self.clock)
        self.users: dict[int, User] = {}
        self.bot_user = User(BOT_USER_ID, bot_name.lower().replace(" ", ""), bot_name, bot=True)
        self.users[self.bot_user.id] = self.bot_user
        self.owner = self.create_user("owner")
        self.application_id = self.bot_user.id
        self.application_name = bot_name
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.commands: dict[int | None, list[Command]] = {}
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self.interactions: dict[int, Interaction] = {}
        self._interactions_by_token: dict[str, Interaction] = {}
        self.requests: list[RecordedRequest] = []
        self.rate_limit_violations: list[RecordedRequest] = []
        self.global_rate = 50
        """Requests per second Discord allows a bot's token across all its processes."""
        self.peak_global_rate = 0
        """The most bot-token requests seen in any one second (interaction responses, which
        Discord does not count, excepted). Recorded, not refused, like identify violations."""
        self._bot_requests: collections.deque[float] = collections.deque()
        self._windows: dict[str, float] = {}
        self._global_until = 0.0
        self.faults = Faults()
        self.gateway = Gateway(self, heartbeat_interval=heartbeat_interval)
        self.router = Router()
        self._change: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None
        self._fault_mark = 0
        self.oauth = OAuth(self)
        """Discord's OAuth2 side of the application (authorize, token, bearer tokens)."""

        from tests.emulator.rest import register_routes

        register_routes(self)

    # --- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        self.oauth.routes(app, API_PREFIX)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        for connection in list(self.gateway.connections):
            if not connection.closed:
                connection.closed_by_server = True
                try:
                    await asyncio.wait_for(connection.ws.close(code=1001), 2)
                except Exception:
                    log.debug("gateway connection %s did not close cleanly", connection.index)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What the bot sets as ``discord.http.Route.BASE`` (``DISCORD_API_BASE``)."""
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What the bot sets as ``DiscordWebSocket.DEFAULT_GATEWAY`` (``DISCORD_GATEWAY_URL``)."""
        return f"ws://{self.host}:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        """Environment variables that point a bot process here."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
        }

    @property
    def oauth_client_id(self) -> str:
        """``DISCORD_CLIENT_ID`` of a web app signing people in: the application id."""
        return self.oauth.client_id

    @property
    def oauth_client_secret(self) -> str:
        """``DISCORD_CLIENT_SECRET``: random per emulator, so a test cannot guess it by accident."""
        return self.oauth.client_secret

    @property
    def authorize_url(self) -> str:
        """Where a web app sends the browser to sign in (``discord.com/oauth2/authorize``)."""
        return f"{self.base_url}/oauth2/authorize"

    def register_redirect_uri(self, uri: str) -> None:
        """Add a redirect URI to the application, as in the Developer Portal's OAuth2 page."""
        self.oauth.register_redirect_uri(uri)

    @property
    def app_flags(self) -> int:
        """Application flags saying which privileged intents the Developer Portal enabled."""
        flags = 0
        if self.privileged_intents & Intent.GUILD_PRESENCES:
            flags |= 1 << 12
        if self.privileged_intents & Intent.GUILD_MEMBERS:
            flags |= 1 << 14
        if self.privileged_intents & Intent.MESSAGE_CONTENT:
            flags |= 1 << 18
        return flags

    # --- time -----------------------------------------------------------------------------------

    def advance_time(
        self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0
    ) -> None:
        """Move Discord's clock forward (deadlines, nonce windows, snowflake times)."""
        self.clock.advance(seconds + 60 * minutes + 3600 * hours + 86400 * days)
        self.notify()

    def now(self) -> datetime:
        return self.clock.datetime()

    # --- waiting --------------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everything waiting for a change of state."""
        if self._change is not None:
            self._change.set()
        self._change = asyncio.Event()

    async def wait_for(
        self, predicate: Callable[[], bool], *, timeout: float = 10.0, what: str = "a change"
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise NoResponse(f"timed out after {timeout:.1f}s waiting for {what}")
            if self._change is None:
                self._change = asyncio.Event()
            change = self._change
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(change.wait(), min(remaining, 0.05))

    async def wait_for_ready(self, timeout: float = 30.0, *, after: int = 0) -> Session:
        """Wait until the bot identified and was sent READY and its servers.

        ``after``: the number of IDENTIFYs already seen (``discord.gateway.identifies`` before a
        restart), so a restarted bot is waited for rather than the connection it replaced.
        """
        await self.wait_for(
            lambda: (
                self.gateway.identifies > after
                and any(c.outcome == "identified" for c in self.gateway.live)
            ),
            timeout=timeout,
            what="the bot to connect to the gateway and IDENTIFY",
        )
        session = self.gateway.current_session()
        assert session is not None
        return session

    async def wait_for_shards(
        self, shard_ids: Sequence[int], shard_count: int, *, after: int = 0, timeout: float = 30.0
    ) -> None:
        """Wait until each of ``shard_ids`` (out of ``shard_count``) has a live session that
        IDENTIFY number ``after`` or later opened: a sharded bot process is then fully connected."""
        await self.wait_for(
            lambda: set(shard_ids) <= self.gateway.live_shards(shard_count, after=after),
            timeout=timeout,
            what=f"shards {sorted(shard_ids)} of {shard_count} to IDENTIFY",
        )

    async def wait_for_session(self, timeout: float = 15.0) -> str:
        """After a gateway fault, wait for the bot to be back: ``"resumed"`` or ``"identified"``."""
        mark = self._fault_mark
        await self.wait_for(
            lambda: any(c.outcome for c in self.gateway.connections[mark:] if not c.closed),
            timeout=timeout,
            what="the bot to reconnect to the gateway",
        )
        live = [c for c in self.gateway.connections[mark:] if c.outcome and not c.closed]
        return str(live[-1].outcome)

    async def wait_for_commands(
        self, *names: str, guild: Guild | None = None, timeout: float = 30.0
    ) -> list[Command]:
        """Wait until the bot synced commands with these names (global, or to ``guild``)."""
        scope = guild.id if guild else None

        def synced() -> bool:
            have = {c.name for c in self.commands.get(scope, [])}
            return bool(have) and set(names) <= have

        await self.wait_for(synced, timeout=timeout, what=f"commands {names} to be synced")
        return list(self.commands.get(scope, []))

    async def wait_for_request(
        self, route: str, *, count: int = 1, timeout: float = 10.0, ok: bool | None = None
    ) -> RecordedRequest:
        """Wait until ``count`` requests matched ``route`` (a fault-style pattern); the last one."""

        def matching() -> list[RecordedRequest]:
            found = self.calls(route)
            return [r for r in found if ok is None or (r.ok == ok and r.status is not None)]

        await self.wait_for(
            lambda: len(matching()) >= count, timeout=timeout, what=f"{count} x {route}"
        )
        return matching()[count - 1]

    async def wait_for_message(
        self,
        channel: Channel,
        *,
        contains: str | None = None,
        after: Message | None = None,
        timeout: float = 10.0,
    ) -> Message:
        """Wait for a new visible message in ``channel`` (optionally containing some text)."""
        floor = after.id if after else 0

        def found() -> Message | None:
            for message in channel.visible_messages():
                if message.id > floor and (contains is None or contains in message.text):
                    return message
            return None

        await self.wait_for(
            lambda: found() is not None, timeout=timeout, what=f"a message in #{channel.name}"
        )
        message = found()
        assert message is not None
        return message

    # --- the record -----------------------------------------------------------------------------

    def calls(self, route: str | None = None) -> list[RecordedRequest]:
        """Requests in arrival order, optionally those matching ``"POST /channels/*"``-style."""
        if route is None:
            return list(self.requests)
        return [r for r in self.requests if route_matches(route, r.method, r.template)]

    def last_call(self, route: str) -> RecordedRequest:
        found = self.calls(route)
        if not found:
            raise EmulatorError(f"the bot never called {route}")
        return found[-1]

    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests to routes the emulator does not implement (answered 404 or 405)."""
        return [r for r in self.requests if r.template == "UNKNOWN"]

    def unanswered_interactions(self, *, include_deferred: bool = True) -> list[Interaction]:
        """Interactions never acknowledged (and, by default, deferrals never completed)."""
        return [
            i
            for i in self.interactions.values()
            if i.response_type is None or (include_deferred and i.pending)
        ]

    def interaction_for_token(self, token: str) -> Interaction | None:
        return self._interactions_by_token.get(token)

    def register_interaction(self, interaction: Interaction) -> None:
        self.interactions[interaction.id] = interaction
        self._interactions_by_token[interaction.token] = interaction

    # --- furnishing -------------------------------------------------------------------------------

    def create_user(self, name: str, *, bot: bool = False) -> User:
        if any(u.username == name for u in self.users.values()):
            raise EmulatorError(f"there is already a user called {name!r}")
        user = User(self.snowflakes.next(), name, name.capitalize(), bot=bot)
        self.users[user.id] = user
        return user

    def find_user(self, name: str) -> User | None:
        return next((u for u in self.users.values() if u.username == name), None)

    def user(self, name: str) -> User:
        user = self.find_user(name)
        if user is None:
            raise EmulatorError(f"no user called {name!r}")
        return user

    def create_guild(
        self,
        name: str,
        *,
        owner: User | None = None,
        bot_permissions: int = perms.DEFAULT_BOT,
        everyone_permissions: int = perms.DEFAULT_EVERYONE,
        moderator_permissions: int | None = perms.DEFAULT_MODERATOR,
        text_channels: Sequence[str] = ("general",),
        voice_channels: Sequence[str] = ("Reading Room",),
        with_bot: bool = True,
        guild_id: int | None = None,
    ) -> Guild:
        """A server as Discord makes one, with the bot invited (its own role, ``bot_permissions``).

        It has @everyone, a "Moderator" role, a text category with #general and a voice channel.
        ``guild_id`` picks its snowflake (its shard is ``(guild_id >> 22) % shard_count``); by
        default the next one.
        """
        owner = owner or self.owner
        if guild_id is not None and guild_id in self.guilds:
            raise EmulatorError(f"there is already a server with id {guild_id}")
        guild = Guild(self, guild_id or self.snowflakes.next(), name, owner)
        self.guilds[guild.id] = guild
        guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", int(everyone_permissions))
        if moderator_permissions is not None:
            guild.add_role("Moderator", moderator_permissions, position=1)
        owner_member = Member(self, guild, owner, [])
        guild.members[owner.id] = owner_member
        if with_bot:
            bot_role = guild.add_role(self.application_name, bot_permissions, position=2)
            bot_role.managed = True
            bot_role.bot_id = self.bot_user.id
            guild.members[self.bot_user.id] = Member(self, guild, self.bot_user, [bot_role.id])
        text = guild.add_category("Text Channels")
        for channel_name in text_channels:
            guild.add_text_channel(channel_name, category=text)
        if voice_channels:
            voice = guild.add_category("Voice Channels")
            for channel_name in voice_channels:
                guild.add_voice_channel(channel_name, category=voice)
        guild.furnished = True
        if with_bot:
            self.gateway.dispatch(
                "GUILD_CREATE",
                guild.gateway_payload(with_members=True),
                guild_id=guild.id,
                transform=lambda session, _data: guild.gateway_payload(
                    with_members=bool(session.intents & Intent.GUILD_MEMBERS)
                ),
            )
        return guild

    def dispatch_guild_event(self, guild: Guild, event: str, data: JSON) -> None:
        """Send a server's event to the bot, once the server is complete and the bot is in it."""
        if not guild.furnished or self.bot_user.id not in guild.members:
            return
        self.gateway.dispatch(event, data, guild_id=guild.id)
        self.notify()

    def dm_channel(self, user: User) -> Channel | None:
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and user in channel.recipients:
                return channel
        return None

    def open_dm(self, user: User) -> Channel:
        channel = self.dm_channel(user)
        if channel is None:
            channel = Channel(
                id=self.snowflakes.next(),
                type=ChannelType.DM,
                name=None,
                recipients=[user],
                created_at=self.clock.iso(),
                _emu=self,
            )
            self.channels[channel.id] = channel
        return channel

    def shares_guild(self, user: User) -> bool:
        return any(
            user.id in g.members and self.bot_user.id in g.members for g in self.guilds.values()
        )

    def guild_of(self, channel: Channel) -> Guild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    # --- messages (shared by REST handlers and people) --------------------------------------------

    def _normalise_components(self, components: Sequence[JSON]) -> list[JSON]:
        counter = 0

        def clean(node: JSON) -> JSON:
            nonlocal counter
            if isinstance(node, dict):
                out = {k: clean(v) for k, v in node.items() if v is not None}
                if "type" in out and "id" not in out:
                    counter += 1
                    out["id"] = counter
                return out
            if isinstance(node, list):
                return [clean(v) for v in node]
            return node

        return [clean(c) for c in copy.deepcopy(list(components))]

    @staticmethod
    def _normalise_embeds(embeds: Sequence[JSON]) -> list[JSON]:
        result = []
        for embed in embeds:
            clean = {k: v for k, v in embed.items() if v is not None}
            clean.setdefault("type", "rich")
            clean["content_scan_version"] = 0
            result.append(clean)
        return result

    def _attachments(
        self,
        channel: Channel,
        body: JSON,
        files: Sequence[UploadedFile],
        existing: Sequence[Attachment] = (),
    ) -> list[Attachment]:
        guild = self.guild_of(channel)
        limit = guild.attachment_size_limit if guild else 10 * 1024 * 1024
        if any(f.size > limit for f in files):
            raise error(40005)
        uploads: dict[str, UploadedFile] = {}
        for upload in files:
            found = re.fullmatch(r"files\[(\d+)\]", upload.field)
            if found:
                uploads[found.group(1)] = upload
        described = body.get("attachments") if isinstance(body, dict) else None
        result: list[Attachment] = []
        if described is None:
            result.extend(existing)
            entries = [{"id": key} for key in uploads]
        else:
            entries = described
        for entry in entries:
            key = str(entry.get("id"))
            kept = next((a for a in existing if str(a.id) == key), None)
            if kept is not None and key not in uploads:
                result.append(kept)
                continue
            uploaded = uploads.get(key)
            if uploaded is None:
                continue
            attachment_id = self.snowflakes.next()
            filename = entry.get("filename") or uploaded.filename
            result.append(
                Attachment(
                    id=attachment_id,
                    filename=filename,
                    data=uploaded.data,
                    content_type=uploaded.content_type,
                    url=f"{self.base_url}/attachments/{channel.id}/{attachment_id}/{filename}",
                    description=entry.get("description"),
                )
            )
        return result

    def _apply_mentions(self, message: Message, channel: Channel, author_id: int) -> None:
        guild = self.guild_of(channel)
        may_everyone = True
        if guild is not None:
            may_everyone = bool(guild.permissions_in(author_id, channel) & P.MENTION_EVERYONE)
        replied: User | None = None
        reference = message.message_reference
        if isinstance(reference, dict) and reference.get("message_id"):
            target = self.messages.get(int(reference["message_id"]))
            replied = target.author if target else None
        pinged, roles, everyone = parse_mentions(
            message.content,
            message.allowed_mentions,
            guild=guild,
            users=self.users,
            may_mention_everyone=may_everyone,
            replied_user=replied,
        )
        message.mentions, message.mention_roles, message.mention_everyone = pinged, roles, everyone

    def create_message(
        self,
        channel: Channel,
        author: User,
        body: JSON,
        files: Sequence[UploadedFile] = (),
        *,
        interaction: Interaction | None = None,
        extra_flags: int = 0,
        allowed_flags: int = MESSAGE_FLAGS_A_BOT_MAY_SET,
    ) -> Message:
        """Store a new message and tell the gateway; the shared path of every way to post."""
        body = body or {}
        flags = (int(body.get("flags") or 0) & allowed_flags) | extra_flags
        message = Message(
            id=self.snowflakes.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author=author,
            content=body.get("content") or "",
            embeds=self._normalise_embeds(body.get("embeds") or []),
            components=self._normalise_components(body.get("components") or []),
            flags=flags,
            timestamp=self.clock.iso(),
            nonce=body.get("nonce"),
            allowed_mentions=body.get("allowed_mentions"),
            message_reference=body.get("message_reference"),
            created_at=self.clock.now(),
            _emu=self,
        )
        message.attachments = self._attachments(channel, body, files)
        if message.message_reference is not None:
            message.type = 19
        if interaction is not None:
            message.webhook_id = self.application_id
            message.application_id = self.application_id
            message.interaction_id = interaction.id
            message.type = 20 if interaction.type == 2 else 19 if interaction.message else 0
            metadata: dict[str, JSON] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": (
                    {"0": str(interaction.guild_id)} if interaction.guild_id else {}
                ),
            }
            if interaction.command is not None:
                metadata["name"] = interaction.command.name
                metadata["command_type"] = interaction.command.type
            if interaction.message is not None:
                metadata["interacted_message_id"] = str(interaction.message.id)
            message.interaction_metadata = metadata
        self._apply_mentions(message, channel, author.id)
        self.messages[message.id] = message
        if not message.ephemeral:
            channel.messages.append(message)
            self._dispatch_message("MESSAGE_CREATE", message, channel)
        self.notify()
        return message

    def edit_message(
        self,
        message: Message,
        body: JSON,
        files: Sequence[UploadedFile] = (),
        *,
        completes: bool = False,
    ) -> Message:
        """Apply an edit (only the fields given change); ``completes`` replaces a deferral."""
        body = body or {}
        channel = self.channels[message.channel_id]
        message.history.append(message.payload())
        if "content" in body:
            message.content = body.get("content") or ""
        if "embeds" in body:
            message.embeds = self._normalise_embeds(body.get("embeds") or [])
        if "components" in body:
            message.components = self._normalise_components(body.get("components") or [])
        if "allowed_mentions" in body:
            message.allowed_mentions = body.get("allowed_mentions")
        if "flags" in body and body["flags"] is not None:
            keep = message.flags & ~SUPPRESS_EMBEDS
            message.flags = keep | (int(body["flags"]) & (SUPPRESS_EMBEDS | (1 << 15)))
        if "attachments" in body or files:
            message.attachments = self._attachments(channel, body, files, message.attachments)
        if completes or message.loading:
            message.flags &= ~LOADING
        else:
            message.edited_timestamp = self.clock.iso()
        self._apply_mentions(message, channel, message.author.id)
        if not message.ephemeral:
            self._dispatch_message("MESSAGE_UPDATE", message, channel)
        self.notify()
        return message

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        channel = self.channels[message.channel_id]
        if message in channel.messages:
            channel.messages.remove(message)
        if not message.ephemeral:
            data: dict[str, JSON] = {"id": str(message.id), "channel_id": str(channel.id)}
            if channel.guild_id is not None:
                data["guild_id"] = str(channel.guild_id)
            self.gateway.dispatch("MESSAGE_DELETE", data, guild_id=channel.guild_id)
        self.notify()

    def _dispatch_message(self, event: str, message: Message, channel: Channel) -> None:
        guild = self.guild_of(channel)
        if guild is not None and self.bot_user.id not in guild.members:
            return
        data = message.payload(with_guild=True)
        if guild is not None and message.author.id in guild.members:
            member = guild.members[message.author.id].payload()
            member.pop("user", None)
            data["member"] = member

        def without_content(session: Session, payload: JSON) -> JSON:
            if session.intents & Intent.MESSAGE_CONTENT or guild is None:
                return payload
            if message.author.id == self.bot_user.id:
                return payload
            if any(u.id == self.bot_user.id for u in message.mentions):
                return payload
            return {**payload, "content": "", "embeds": [], "attachments": [], "components": []}

        self.gateway.dispatch(event, data, guild_id=channel.guild_id, transform=without_content)

    # --- people's actions -------------------------------------------------------------------------

    async def post_as(self, member: Member, channel: Channel, content: str) -> Message:
        granted = member.permissions_in(channel)
        needed = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
        if not granted & P.VIEW_CHANNEL or not granted & needed:
            raise EmulatorError(f"{member.name} may not post in #{channel.name}")
        message = self.create_message(channel, member.user, {"content": content})
        await asyncio.sleep(0)
        return message

    async def react_as(self, member: Member, message: Message, emoji: str) -> None:
        users = message.reactions.setdefault(emoji, set())
        users.add(member.id)
        data = {
            "user_id": str(member.id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "guild_id": str(member.guild.id),
            "member": member.payload(),
            "emoji": {"id": None, "name": emoji},
            "type": 0,
            "burst": False,
        }
        self.gateway.dispatch("MESSAGE_REACTION_ADD", data, guild_id=member.guild.id)
        self.notify()
        await asyncio.sleep(0)

    async def set_voice(
        self,
        member: Member,
        channel: Channel | None,
        *,
        self_mute: bool = False,
        self_deaf: bool = False,
    ) -> None:
        guild = member.guild
        if channel is not None:
            if channel.type not in (ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE):
                raise EmulatorError(f"#{channel.name} is not a voice channel")
            granted = member.permissions_in(channel)
            if not granted & P.VIEW_CHANNEL or not granted & P.CONNECT:
                raise EmulatorError(f"{member.name} may not connect to {channel.name}")
            state = guild.voice_states.get(member.id)
            session_id = state.session_id if state else f"voice-{self.snowflakes.next()}"
            state = VoiceState(member.id, channel.id, session_id, self_mute, self_deaf)
            guild.voice_states[member.id] = state
        else:
            state = guild.voice_states.pop(member.id, None) or VoiceState(member.id, None, "none")
            state.channel_id = None
        self.dispatch_guild_event(guild, "VOICE_STATE_UPDATE", state.payload(guild))
        await asyncio.sleep(0)

    async def subscribe_as(self, member: Member, event: ScheduledEvent, interested: bool) -> None:
        if interested:
            event.subscribers.add(member.id)
        else:
            event.subscribers.discard(member.id)
        name = (
            "GUILD_SCHEDULED_EVENT_USER_ADD" if interested else "GUILD_SCHEDULED_EVENT_USER_REMOVE"
        )
        data = {
            "guild_scheduled_event_id": str(event.id),
            "user_id": str(member.id),
            "guild_id": str(event.guild_id),
        }
        self.dispatch_guild_event(member.guild, name, data)
        await asyncio.sleep(0)

    async def dispatch_scheduled_event_update(
        self, event: ScheduledEvent, **changes: Any
    ) -> ScheduledEvent:
        """A person (or Discord) changes an event: ``status=EventStatus.ACTIVE``, ``name=...``."""
        for key, value in changes.items():
            if not hasattr(event, key):
                raise EmulatorError(f"scheduled events have no field {key!r}")
            if isinstance(value, datetime):
                value = value.isoformat()
            if key == "status":
                value = EventStatus(value)
            setattr(event, key, value)
        self.dispatch_guild_event(
            self.guilds[event.guild_id], "GUILD_SCHEDULED_EVENT_UPDATE", event.payload()
        )
        await asyncio.sleep(0)
        return event

    async def start_scheduled_event(self, event: ScheduledEvent) -> ScheduledEvent:
        return await self.dispatch_scheduled_event_update(event, status=EventStatus.ACTIVE)

    async def end_scheduled_event(self, event: ScheduledEvent) -> ScheduledEvent:
        return await self.dispatch_scheduled_event_update(event, status=EventStatus.COMPLETED)

    async def delete_scheduled_event(self, event: ScheduledEvent) -> None:
        event.deleted = True
        guild = self.guilds[event.guild_id]
        guild.scheduled_events.pop(event.id, None)
        self.dispatch_guild_event(guild, "GUILD_SCHEDULED_EVENT_DELETE", event.payload())
        await asyncio.sleep(0)

    # --- gateway faults ---------------------------------------------------------------------------

    async def drop_gateway(self, code: int = 4000) -> int:
        """Close the bot's gateway connection with ``code`` (1006: no close frame at all)."""
        self._fault_mark = len(self.gateway.connections)
        dropped = await self.gateway.drop(code)
        self.notify()
        return dropped

    async def invalidate_session(self, *, resumable: bool = False) -> int:
        """Opcode 9. Not resumable: the session is gone and the bot must IDENTIFY again."""
        self._fault_mark = len(self.gateway.connections)
        count = self.gateway.invalidate(resumable=resumable)
        await asyncio.sleep(0)
        return count

    async def request_reconnect(self) -> int:
        """Opcode 7: Discord asks the bot to reconnect and RESUME."""
        self._fault_mark = len(self.gateway.connections)
        count = self.gateway.request_reconnect()
        await asyncio.sleep(0)
        return count

    # --- the HTTP pipeline ------------------------------------------------------------------------

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.messages.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(
                        body=attachment.data,
                        content_type=attachment.content_type or "application/octet-stream",
                    )
        return web.Response(status=404)

    async def _read_body(self, request: web.Request) -> tuple[JSON, list[UploadedFile]]:
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            body: JSON = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                name = part.name or ""
                data = await part.read(decode=False)
                if name == "payload_json":
                    try:
                        body = json.loads(bytes(data))
                    except ValueError:
                        raise error(50109) from None
                else:
                    files.append(
                        UploadedFile(
                            name,
                            part.filename or name,
                            part.headers.get("Content-Type"),
                            bytes(data),
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, []
        if content_type.split(";")[0].strip() != "application/json":
            raise DiscordError(400, 50035, "Invalid Form Body")
        try:
            return json.loads(raw), []
        except ValueError:
            raise error(50109) from None

    def _authorize(self, route: Route, request: web.Request) -> AccessToken | None:
        """Check the credentials; the OAuth2 token when a person's bearer token was used."""
        header = request.headers.get("Authorization")
        if route.auth in ("bot", "webhook", "none"):
            if route.auth == "bot" and header != f"Bot {self.token}":
                raise http_error(401)
            if route.auth == "webhook" and header is not None and header != f"Bot {self.token}":
                raise http_error(401)
            return None
        # A route a person's token may call, given the scope named by ``route.auth``.
        if header == f"Bot {self.token}":
            return None
        if header is None or not header.startswith("Bearer "):
            raise http_error(401)
        token = self.oauth.bearer(header[len("Bearer ") :])
        if token is None or route.auth not in token.scopes:
            raise http_error(401)
        return token

    def _count_global(self, now: float) -> None:
        window = self._bot_requests
        window.append(now)
        while window and window[0] <= now - 1.0:
            window.popleft()
        self.peak_global_rate = max(self.peak_global_rate, len(window))

    @staticmethod
    def _bucket(record: RecordedRequest) -> str:
        major = [
            record.params.get(k, "")
            for k in ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
        ]
        return record.route + ":" + ":".join(major)

    def _rate_window(self, route: Route, record: RecordedRequest) -> DiscordError | None:
        now = time.monotonic()
        exempt = route.auth == "webhook"
        if not exempt and now < self._global_until - 0.01:
            self.rate_limit_violations.append(record)
            return rate_limited(self._global_until - now, global_=True)
        until = self._windows.get(self._bucket(record), 0.0)
        if now < until - 0.01:
            self.rate_limit_violations.append(record)
            return rate_limited(until - now, bucket=self._bucket_hash(record.route))
        return None

    @staticmethod
    def _bucket_hash(route: str) -> str:
        return hashlib.md5(route.encode()).hexdigest()[:16]

    def _link_interaction(self, record: RecordedRequest) -> Interaction | None:
        token = record.params.get("interaction_token") or record.params.get("webhook_token")
        if token is None:
            return None
        interaction = self._interactions_by_token.get(token)
        if interaction is not None:
            record.interaction_id = interaction.id
        return interaction

    async def _api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        route, params, known_path = self.router.match(request.method, path)
        record = RecordedRequest(
            method=request.method,
            template=route.template if route else "UNKNOWN",
            path=path,
            params=params,
            query=dict(request.query),
            time=self.clock.now(),
            index=len(self.requests),
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
            auth=request.headers.get("Authorization", "").partition(" ")[0] or None,
        )
        self.requests.append(record)
        interaction = self._link_interaction(record)
        status = 200
        headers: dict[str, str] = {}
        payload: JSON = None
        try:
            record.json, record.files = await self._read_body(request)
            if route is None:
                raise http_error(405 if known_path else 404)
            bearer = self._authorize(route, request)
            if route.auth not in ("webhook", "none") and bearer is None:
                self._count_global(time.monotonic())
            fault = self.faults.take(record)
            if fault is not None:
                record.fault = fault
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                    record.time = self.clock.now()
                failure = fault.error()
                if failure is not None:
                    if failure.status == 429:
                        until = time.monotonic() + (fault.retry_after or 1.0)
                        if fault.global_:
                            self._global_until = until
                        else:
                            self._windows[self._bucket(record)] = until
                            failure.headers["X-RateLimit-Bucket"] = self._bucket_hash(record.route)
                    raise failure
            limited = self._rate_window(route, record)
            if limited is not None:
                raise limited
            query = validate_query(route.method, route.template, record.query)
            if record.json is None and body_required(route.method, route.template):
                raise error(50109)
            if record.json is not None and self.check_schemas:
                validate_body(route.method, route.template, record.json)
            result = await route.handler(
                Call(record, params, query, record.json, record.files, bearer)
            )
            if result is NO_CONTENT:
                status = 204
            else:
                payload = result
            headers.update(
                {
                    "X-RateLimit-Limit": "50",
                    "X-RateLimit-Remaining": "49",
                    "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
                    "X-RateLimit-Reset-After": "1.000",
                    "X-RateLimit-Bucket": self._bucket_hash(route.method + " " + route.template),
                }
            )
        except DiscordError as failure:
            status = failure.status
            payload = failure.body()
            headers.update(failure.headers)
            record.error_code = failure.code
            if interaction is not None:
                interaction.rejected.append(record)
        record.status = status
        record.response = payload
        self.notify()
        if status == 204:
            return web.Response(status=204, headers=headers)
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=headers)
