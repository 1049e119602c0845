"""A local Discord (API v10) for end-to-end tests: the bot talks to it as it talks to Discord.

Point a bot at it with configuration only (``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``,
``DISCORD_TOKEN``: see :meth:`Emulator.env`), then act as people and assert on what the bot sent::

    async with Emulator() as discord:
        guild = discord.create_guild("Reading Group")   # @everyone, Moderator, #general, voice
        alice = guild.add_member("alice")
        ...                                              # start the bot with discord.env()
        await discord.wait_for_ready()
        reply = await alice.run("/search", query="sledgehammer")
        assert not reply.ephemeral and "sledgehammer" in reply.text
        page_two = await alice.click(reply, "Next")

What it checks, the way Discord does (each answered with Discord's status and JSON error):

* Authentication: ``Authorization: Bot <token>`` on REST (401), the token in IDENTIFY and RESUME
  (close 4004); intents: unknown bits (4013), privileged intents not enabled for the app (4014).
* Request bodies and documented query parameters against Discord's own OpenAPI schemas
  (``spec/``): lengths (content 2000, embed title 256, description 4096, 25 fields, 10 embeds),
  component shapes and limits (5 per row, custom_id 1-100), 25 autocomplete choices,
  allowed_mentions, command definitions, scheduled events, threads... as ``50035 Invalid Form
  Body`` with the ``errors`` tree discord.py flattens.
* Rules no schema states (``rules.py``): the 6000-character total of a message's embeds, an empty
  message (50006), legacy versus IS_COMPONENTS_V2 layouts, duplicate custom ids, link versus
  interactive buttons, a select alone in its row, ``parse`` versus explicit ``users``/``roles`` in
  allowed_mentions; command names, unique names, required options before optional ones.
* Interactions: one initial response (400, 40060), the 3-second deadline on the emulator's clock
  (404, 10062), callback types valid for the interaction type, follow-ups only after an
  acknowledgement (404, 10015) and for 15 minutes (401, 50027), the first follow-up after a deferral
  replacing the "thinking" message, autocomplete values of the option's type.
* Permissions from @everyone, roles, ADMINISTRATOR, the owner, and channel overwrites (everyone,
  role, member; threads inherit their parent): VIEW_CHANNEL (403, 50001 Missing Access),
  SEND_MESSAGES / SEND_MESSAGES_IN_THREADS / ATTACH_FILES / CREATE_*_THREADS / MANAGE_THREADS /
  MANAGE_MESSAGES / MANAGE_EVENTS / MANAGE_ROLES and role hierarchy (403, 50013), editing another
  user's message (50005), replies without READ_MESSAGE_HISTORY (160002); interaction responses need
  no channel permission, as on Discord.
* DMs only to people sharing a server with the bot and accepting DMs (403, 50007); messages in
  archived threads (unarchived, or 50083 when locked); one thread per message (160004); scheduled
  events in the past, without location/end (external) or voice channel, and invalid status changes.
* ``nonce`` + ``enforce_nonce``: a repeat within ``nonce_window`` returns the first message.
* Commands the person cannot see (``default_member_permissions``, contexts), unknown or missing
  options, values outside choices or ranges, disabled or link buttons, someone else's ephemeral
  message: the test gets :class:`ClientRefused`, because Discord's client would not send them.
* Gateway: HELLO, heartbeats and ACKs, READY then GUILD_CREATE with channels, roles, members (all of
  them with the members intent, so discord.py needs no chunking), voice states and events; RESUME
  replays missed events; events filtered by intents; message content emptied without the
  MESSAGE_CONTENT intent. Sharding: IDENTIFY with ``shard: [id, count]`` (4010 out of range, 4011
  above 2,500 servers a shard), each session sent only its shards' servers and their interactions
  (DMs go to shard 0), ``/gateway/bot`` recommending one shard per 1,000 servers.
* Limits that count the whole bot across processes, measured rather than refused:
  ``discord.gateway.identify_violations`` (two IDENTIFYs in one ``max_concurrency`` bucket within
  5 s) and ``discord.peak_global_rate`` (bot-token requests in the busiest second; Discord allows
  50, interaction responses not counted).

* OAuth2 for a web app signing people in (``oauth.py``): the authorize page (unknown client,
  unregistered redirect URI, unknown scope: an error page, no redirect; otherwise a consent page
  with "Authorize as NAME" per person and "Cancel"), the token endpoint (single-use codes for ten
  minutes, the authorize step's redirect URI, the PKCE S256 verifier, the client secret; OAuth's
  error shape), bearer tokens on ``/users/@me`` and ``/users/@me/guilds`` (answers checked
  against the spec's schemas in the emulator's tests). ``discord.oauth_client_id``,
  ``discord.oauth_client_secret``, ``discord.register_redirect_uri(uri)``,
  ``discord.oauth.approve(person, authorize_url)`` without a browser.

Faults (``discord.faults``): 429 per route or global with ``Retry-After``/``X-RateLimit-*``/``Via``
headers and a window in which an early retry is refused again and counted
(``discord.rate_limit_violations``), 500/502/503, any JSON error code (403 50001, 404 10003 or
10008...), slow responses; gateway closes with any code (1006 without a close frame; 4009 also ends
the session), opcode 7, opcode 9 resumable or not.

Not covered yet: voice connections (the bot joining voice), forum channels, polls, stickers,
presences, pins, webhooks other than interaction follow-ups, audit-log reasons, role and channel
management by the bot, message search, entitlements, zlib-stream compression (the client accepts
plain JSON frames), refusing the global limit and per-route limits (only injected),
user/role/channel select menus in ``Member.select`` (string selects only), Discord's exact
``errors`` codes for a few rules (marked in ``rules.py``), and ``Interaction`` payloads for DMs.
"""

from tests.emulator.errors import ClientRefused, DiscordError, EmulatorError, NoResponse
from tests.emulator.faults import Fault, Faults
from tests.emulator.interactions import InteractionResult
from tests.emulator.models import (
    Attachment,
    Channel,
    ChannelType,
    Command,
    EntityType,
    EventStatus,
    Guild,
    Interaction,
    Member,
    Message,
    Overwrite,
    Role,
    ScheduledEvent,
    User,
)
from tests.emulator.permissions import (
    ADMINISTRATOR,
    DEFAULT_BOT,
    DEFAULT_EVERYONE,
    DEFAULT_MODERATOR,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    Intent,
    Permission,
)
from tests.emulator.recording import RecordedRequest
from tests.emulator.server import BOT_USER_ID, TOKEN, Emulator

__all__ = [
    "ADMINISTRATOR",
    "BOT_USER_ID",
    "DEFAULT_BOT",
    "DEFAULT_EVERYONE",
    "DEFAULT_MODERATOR",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "TOKEN",
    "Attachment",
    "Channel",
    "ChannelType",
    "ClientRefused",
    "Command",
    "DiscordError",
    "Emulator",
    "EmulatorError",
    "EntityType",
    "EventStatus",
    "Fault",
    "Faults",
    "Guild",
    "Intent",
    "Interaction",
    "InteractionResult",
    "Member",
    "Message",
    "NoResponse",
    "Overwrite",
    "Permission",
    "RecordedRequest",
    "Role",
    "ScheduledEvent",
    "User",
]
