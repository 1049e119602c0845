"""The emulated Discord's state: users, servers, channels, messages, commands, interactions, events.

Objects are live: an edit the bot makes through REST changes the :class:`Message` a test already
holds, so ``reply.message.content`` always shows what a person would see now. Each object renders
itself as Discord's JSON with ``payload()``. :class:`Guild` and :class:`Member` also carry the test
API that reads like a person using Discord (``guild.add_member``, ``alice.run``, ``alice.click``),
which delegates to the :class:`~tests.emulator.server.Emulator` that owns them.
"""

# The test API bounds every wait with a ``timeout`` argument so a silent bot fails with an
# explanation (NoResponse) instead of a bare TimeoutError from an outer asyncio.timeout().
# ruff: noqa: ASYNC109

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from tests.emulator import permissions as perms
from tests.emulator.errors import EmulatorError
from tests.emulator.permissions import Permission as P
from tests.emulator.recording import RecordedRequest
from tests.emulator.rules import EPHEMERAL, LOADING, walk_components

if TYPE_CHECKING:
    from tests.emulator.interactions import InteractionResult
    from tests.emulator.server import Emulator

JSON = Any


class ChannelType(IntEnum):
    GUILD_TEXT = 0
    DM = 1
    GUILD_VOICE = 2
    GUILD_CATEGORY = 4
    GUILD_ANNOUNCEMENT = 5
    ANNOUNCEMENT_THREAD = 10
    PUBLIC_THREAD = 11
    PRIVATE_THREAD = 12
    GUILD_STAGE_VOICE = 13
    GUILD_FORUM = 15


THREAD_TYPES = frozenset(
    {ChannelType.ANNOUNCEMENT_THREAD, ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD}
)
TEXT_TYPES = frozenset(
    {ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT, ChannelType.GUILD_VOICE, *THREAD_TYPES}
)
VOICE_TYPES = frozenset({ChannelType.GUILD_VOICE, ChannelType.GUILD_STAGE_VOICE})


class EventStatus(IntEnum):
    SCHEDULED = 1
    ACTIVE = 2
    COMPLETED = 3
    CANCELED = 4


class EntityType(IntEnum):
    STAGE_INSTANCE = 1
    VOICE = 2
    EXTERNAL = 3


@dataclass(eq=False)
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_open: bool = True
    """False when the person blocks DMs from server members: Discord then answers 50007."""
    locale: str = "en-US"
    """Their Discord client's language: sent as ``locale`` with every interaction they make
    (commands, autocomplete, clicks, selects, forms) and on ``/users/@me`` to an OAuth token."""

    def payload(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(int(self.permissions)),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, JSON]:
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None
    url: str
    description: str | None = None

    def payload(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        return data


@dataclass(eq=False)
class Message:
    """A message as Discord stores it; ``history`` keeps each earlier version's payload."""

    id: int
    channel_id: int
    guild_id: int | None
    author: User
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    timestamp: str = ""
    edited_timestamp: str | None = None
    nonce: str | int | None = None
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: JSON = None
    message_reference: JSON = None
    mentions: list[User] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    allowed_mentions: JSON = None
    thread_id: int | None = None
    reactions: dict[str, set[int]] = field(default_factory=dict)
    deleted: bool = False
    created_at: float = 0.0
    history: list[JSON] = field(default_factory=list)
    _emu: Emulator | None = field(default=None, repr=False)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Still the "Bot is thinking..." placeholder of a deferred response."""
        return bool(self.flags & LOADING)

    @property
    def embed(self) -> JSON:
        """The first embed, or ``None``."""
        return self.embeds[0] if self.embeds else None

    def all_components(self) -> list[JSON]:
        return [c for _, c in walk_components(self.components)]

    @property
    def buttons(self) -> list[JSON]:
        return [c for c in self.all_components() if c.get("type") == 2]

    @property
    def button_labels(self) -> list[str]:
        return [str(c.get("label")) for c in self.buttons]

    def find_component(
        self, label: str | None = None, *, custom_id: str | None = None, type: int | None = None
    ) -> JSON:
        """The first component with this label or custom id (``None`` if there is none)."""
        for component in self.all_components():
            if type is not None and component.get("type") != type:
                continue
            if (
                label is not None
                and component.get("label") != label
                and component.get("placeholder") != label
            ):
                continue
            if custom_id is not None and component.get("custom_id") != custom_id:
                continue
            return component
        return None

    @property
    def text(self) -> str:
        """Everything a person reads: content, embeds and text displays, one block per line."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            for key in ("title", "description"):
                if embed.get(key):
                    parts.append(embed[key])
            for item in embed.get("fields") or []:
                parts.extend([item.get("name", ""), item.get("value", "")])
            if (embed.get("footer") or {}).get("text"):
                parts.append(embed["footer"]["text"])
        for component in self.all_components():
            if component.get("type") == 10 and component.get("content"):
                parts.append(component["content"])
        return "\n".join(parts)

    @property
    def thread(self) -> Channel | None:
        """The thread started from this message, if any."""
        if self.thread_id is None or self._emu is None:
            return None
        return self._emu.channels.get(self.thread_id)

    def payload(self, *, with_guild: bool = False) -> dict[str, JSON]:
        data: dict[str, JSON] = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": self.timestamp,
            "edited_timestamp": self.edited_timestamp,
            "tts": False,
            "mention_everyone": self.mention_everyone,
            "mentions": [u.payload() for u in self.mentions],
            "mention_roles": [str(r) for r in self.mention_roles],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
            "components": self.components,
        }
        if with_guild and self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.reactions:
            data["reactions"] = [
                {"emoji": {"id": None, "name": name}, "count": len(users), "me": False}
                for name, users in self.reactions.items()
                if users
            ]
        thread = self.thread
        if thread is not None:
            data["thread"] = thread.payload()
        return data


@dataclass(eq=False)
class Channel:
    id: int
    type: ChannelType
    name: str | None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[User] = field(default_factory=list)
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 1440
    archive_timestamp: str | None = None
    thread_members: set[int] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    created_at: str = ""
    _emu: Emulator | None = field(default=None, repr=False)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def visible_messages(self) -> list[Message]:
        """Messages everyone sees: not deleted, not ephemeral."""
        return [m for m in self.messages if not m.deleted and not m.ephemeral]

    @property
    def last_message(self) -> Message | None:
        visible = self.visible_messages()
        return visible[-1] if visible else None

    def payload(self) -> dict[str, JSON]:
        data: dict[str, JSON] = {"id": str(self.id), "type": int(self.type), "flags": 0}
        if self.type == ChannelType.DM:
            data["recipients"] = [u.payload() for u in self.recipients]
            data["last_message_id"] = str(self.messages[-1].id) if self.messages else None
            return data
        data.update(
            {
                "guild_id": str(self.guild_id),
                "name": self.name,
                "position": self.position,
                "parent_id": str(self.parent_id) if self.parent_id else None,
                "nsfw": False,
            }
        )
        if self.is_thread:
            data.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id else None,
                    "last_message_id": str(self.messages[-1].id) if self.messages else None,
                    "message_count": len(self.visible_messages()),
                    "member_count": len(self.thread_members),
                    "total_message_sent": len(self.messages),
                    "rate_limit_per_user": 0,
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": self.archive_timestamp or self.created_at,
                        "locked": self.locked,
                        "invitable": self.invitable,
                        "create_timestamp": self.created_at,
                    },
                }
            )
            return data
        data["permission_overwrites"] = [o.payload() for o in self.overwrites]
        if self.type in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            data.update(
                {
                    "topic": self.topic,
                    "rate_limit_per_user": 0,
                    "last_message_id": str(self.messages[-1].id) if self.messages else None,
                    "default_auto_archive_duration": 1440,
                }
            )
        elif self.type in VOICE_TYPES:
            data.update(
                {"bitrate": 64000, "user_limit": 0, "rtc_region": None, "rate_limit_per_user": 0}
            )
        return data


@dataclass(eq=False)
class VoiceState:
    user_id: int
    channel_id: int | None
    session_id: str
    self_mute: bool = False
    self_deaf: bool = False
    mute: bool = False
    deaf: bool = False

    def payload(self, guild: Guild) -> dict[str, JSON]:
        member = guild.members.get(self.user_id)
        data: dict[str, JSON] = {
            "guild_id": str(guild.id),
            "channel_id": str(self.channel_id) if self.channel_id else None,
            "user_id": str(self.user_id),
            "session_id": self.session_id,
            "deaf": self.deaf,
            "mute": self.mute,
            "self_deaf": self.self_deaf,
            "self_mute": self.self_mute,
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }
        if member is not None:
            data["member"] = member.payload()
        return data


@dataclass(eq=False)
class ScheduledEvent:
    id: int
    guild_id: int
    name: str
    scheduled_start_time: str
    entity_type: EntityType
    creator_id: int | None
    description: str | None = None
    scheduled_end_time: str | None = None
    channel_id: int | None = None
    location: str | None = None
    status: EventStatus = EventStatus.SCHEDULED
    privacy_level: int = 2
    subscribers: set[int] = field(default_factory=set)
    deleted: bool = False
    _emu: Emulator | None = field(default=None, repr=False)

    def payload(self) -> dict[str, JSON]:
        creator = self._emu.users.get(self.creator_id) if self._emu and self.creator_id else None
        data: dict[str, JSON] = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id) if self.channel_id else None,
            "creator_id": str(self.creator_id) if self.creator_id else None,
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": self.scheduled_start_time,
            "scheduled_end_time": self.scheduled_end_time,
            "privacy_level": self.privacy_level,
            "status": int(self.status),
            "entity_type": int(self.entity_type),
            "entity_id": None,
            "entity_metadata": {"location": self.location} if self.location else None,
            "user_count": len(self.subscribers),
            "image": None,
            "recurrence_rule": None,
        }
        if creator is not None:
            data["creator"] = creator.payload()
        return data


@dataclass(eq=False)
class Command:
    """An application command as synced by the bot (global when ``guild_id`` is None)."""

    id: int
    application_id: int
    name: str
    type: int
    guild_id: int | None
    version: int
    definition: dict[str, JSON]

    @property
    def description(self) -> str:
        return str(self.definition.get("description") or "")

    @property
    def options(self) -> list[JSON]:
        return list(self.definition.get("options") or [])

    @property
    def default_member_permissions(self) -> int | None:
        value = self.definition.get("default_member_permissions")
        return None if value is None else int(value)

    @property
    def contexts(self) -> list[int] | None:
        contexts = self.definition.get("contexts")
        if contexts is None:
            return None if self.definition.get("dm_permission", True) else [0]
        return [int(c) for c in contexts]

    def payload(self) -> dict[str, JSON]:
        data = {
            key: value
            for key, value in self.definition.items()
            if key not in ("id", "application_id", "version", "guild_id")
        }
        data.update(
            {
                "id": str(self.id),
                "application_id": str(self.application_id),
                "version": str(self.version),
                "type": self.type,
                "name": self.name,
                "description": self.description,
                "default_member_permissions": (
                    None
                    if self.default_member_permissions is None
                    else str(self.default_member_permissions)
                ),
                "nsfw": bool(self.definition.get("nsfw", False)),
                "contexts": self.contexts,
                "integration_types": self.definition.get("integration_types") or [0],
                "options": self.options,
            }
        )
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass(eq=False)
class Interaction:
    """One interaction the emulator dispatched, and everything the bot did with it."""

    id: int
    token: str
    type: int
    user: User
    guild_id: int | None
    channel_id: int
    payload: dict[str, JSON]
    created_at: float
    command: Command | None = None
    message: Message | None = None
    """The message whose component was used (component and modal submissions)."""
    response_type: int | None = None
    responded_at: float | None = None
    original: Message | None = None
    followups: list[Message] = field(default_factory=list)
    modal: JSON = None
    choices: list[JSON] | None = None
    rejected: list[RecordedRequest] = field(default_factory=list)
    history_at_dispatch: int = 0
    """How many earlier versions the component's message had when the person used it."""
    """Recorded requests answering this interaction that Discord refused (with their errors)."""

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None

    @property
    def pending(self) -> bool:
        """Unanswered, or deferred with the "thinking" placeholder never replaced."""
        if self.response_type is None:
            return True
        return self.response_type == 5 and self.original is not None and self.original.loading


class Guild:
    """A server, with the test API to furnish it (members, roles, channels, events)."""

    def __init__(self, emu: Emulator, guild_id: int, name: str, owner: User) -> None:
        self._emu = emu
        self.id = guild_id
        self.name = name
        self.owner_id = owner.id
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.voice_states: dict[int, VoiceState] = {}
        self.scheduled_events: dict[int, ScheduledEvent] = {}
        self.preferred_locale = "en-US"
        self.attachment_size_limit = 10 * 1024 * 1024
        self.joined_at = emu.clock.iso()
        self.system_channel_id: int | None = None
        self.furnished = False
        """False while :meth:`Emulator.create_guild` builds it: no events until it is complete."""
        self.opened_commands: set[str] = set()
        """Commands an admin opened to everyone (Server Settings > Integrations), overriding
        their ``default_member_permissions``: what a bot's own permission check is there for."""

    def __repr__(self) -> str:
        return f"<Guild {self.name!r} id={self.id}>"

    def open_command(self, name: str) -> None:
        """Let every member see and use ``/name``, as an admin can in the server's settings."""
        self.opened_commands.add(name)

    # --- lookups ---------------------------------------------------------------------------------

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def role(self, name: str) -> Role:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise EmulatorError(
            f"{self.name} has no role {name!r}: {[r.name for r in self.roles.values()]}"
        )

    def channel(self, name: str) -> Channel:
        wanted = name.lstrip("#")
        for channel in self._emu.channels.values():
            if channel.guild_id == self.id and channel.name == wanted:
                return channel
        raise EmulatorError(f"{self.name} has no channel {name!r}")

    def member(self, name: str) -> Member:
        for member in self.members.values():
            if member.user.username == name:
                return member
        raise EmulatorError(f"{self.name} has no member {name!r}")

    @property
    def bot_member(self) -> Member:
        return self.members[self._emu.bot_user.id]

    @property
    def bot_role(self) -> Role:
        for role in self.roles.values():
            if role.bot_id == self._emu.bot_user.id:
                return role
        raise EmulatorError("the bot has no managed role here")

    @property
    def default_channel(self) -> Channel:
        if self.system_channel_id is None:
            raise EmulatorError(f"{self.name} has no text channel")
        return self._emu.channels[self.system_channel_id]

    @property
    def threads(self) -> list[Channel]:
        return [c for c in self._emu.channels.values() if c.guild_id == self.id and c.is_thread]

    def guild_channels(self) -> list[Channel]:
        return [c for c in self._emu.channels.values() if c.guild_id == self.id and not c.is_thread]

    # --- furnishing (dispatches the matching gateway events once the bot is connected) -----------

    def add_role(
        self,
        name: str,
        permissions: int = 0,
        *,
        mentionable: bool = False,
        position: int | None = None,
        color: int = 0,
    ) -> Role:
        role = Role(
            id=self._emu.snowflakes.next(),
            guild_id=self.id,
            name=name,
            permissions=int(permissions),
            position=position if position is not None else len(self.roles),
            mentionable=mentionable,
            color=color,
        )
        self.roles[role.id] = role
        self._emu.dispatch_guild_event(
            self, "GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.payload()}
        )
        return role

    def set_role_permissions(self, role: Role, permissions: int) -> None:
        role.permissions = int(permissions)
        self._emu.dispatch_guild_event(
            self, "GUILD_ROLE_UPDATE", {"guild_id": str(self.id), "role": role.payload()}
        )

    def set_preferred_locale(self, locale: str) -> None:
        """Change the server's language (Server Settings › Community), as Discord then tells the
        bot with GUILD_UPDATE and sends it as ``guild_locale`` on every interaction."""
        self.preferred_locale = locale
        self._emu.dispatch_guild_event(self, "GUILD_UPDATE", self.payload())

    def set_bot_permissions(self, permissions: int) -> None:
        """Change what the bot's own role allows, as a server admin would."""
        self.set_role_permissions(self.bot_role, permissions)

    def _add_channel(self, channel: Channel) -> Channel:
        self._emu.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self._emu.dispatch_guild_event(self, "CHANNEL_CREATE", channel.payload())
        return channel

    def add_text_channel(
        self,
        name: str,
        *,
        topic: str | None = None,
        overwrites: Sequence[Overwrite] = (),
        category: Channel | None = None,
    ) -> Channel:
        channel = Channel(
            id=self._emu.snowflakes.next(),
            type=ChannelType.GUILD_TEXT,
            name=name,
            guild_id=self.id,
            position=len(self.channels),
            parent_id=category.id if category else None,
            topic=topic,
            overwrites=list(overwrites),
            created_at=self._emu.clock.iso(),
            _emu=self._emu,
        )
        if self.system_channel_id is None:
            self.system_channel_id = channel.id
        return self._add_channel(channel)

    def add_voice_channel(
        self, name: str, *, overwrites: Sequence[Overwrite] = (), category: Channel | None = None
    ) -> Channel:
        channel = Channel(
            id=self._emu.snowflakes.next(),
            type=ChannelType.GUILD_VOICE,
            name=name,
            guild_id=self.id,
            position=len(self.channels),
            parent_id=category.id if category else None,
            overwrites=list(overwrites),
            created_at=self._emu.clock.iso(),
            _emu=self._emu,
        )
        return self._add_channel(channel)

    def add_category(self, name: str) -> Channel:
        channel = Channel(
            id=self._emu.snowflakes.next(),
            type=ChannelType.GUILD_CATEGORY,
            name=name,
            guild_id=self.id,
            position=len(self.channels),
            created_at=self._emu.clock.iso(),
            _emu=self._emu,
        )
        return self._add_channel(channel)

    def set_overwrite(
        self, channel: Channel, target: Role | Member, *, allow: int = 0, deny: int = 0
    ) -> None:
        """Allow or deny permissions for a role or member in one channel (replaces the old one)."""
        target_id = target.id
        kind = 0 if isinstance(target, Role) else 1
        channel.overwrites = [o for o in channel.overwrites if o.id != target_id]
        if allow or deny:
            channel.overwrites.append(Overwrite(target_id, kind, int(allow), int(deny)))
        self._emu.dispatch_guild_event(self, "CHANNEL_UPDATE", channel.payload())

    def add_member(
        self,
        name: str | User,
        *,
        roles: Sequence[Role] = (),
        permissions: int | None = None,
        nick: str | None = None,
        bot: bool = False,
    ) -> Member:
        """A person joins. ``permissions`` gives them a role of their own with exactly those.

        A name already known (from another server) is the same person joining here too.
        """
        user = name if isinstance(name, User) else self._emu.find_user(name)
        if user is None:
            user = self._emu.create_user(str(name), bot=bot)
        if user.id in self.members:
            raise EmulatorError(f"{user.username} is already in {self.name}")
        name = user.username
        role_ids = [r.id for r in roles]
        if permissions is not None:
            own = self.add_role(f"{name} permissions", permissions)
            role_ids.append(own.id)
        member = Member(self._emu, self, user, role_ids, nick=nick)
        self.members[user.id] = member
        self._emu.dispatch_guild_event(
            self,
            "GUILD_MEMBER_ADD",
            {**member.payload(), "guild_id": str(self.id)},
        )
        return member

    def remove_member(self, member: Member) -> None:
        self.members.pop(member.id, None)
        self.voice_states.pop(member.id, None)
        self._emu.dispatch_guild_event(
            self, "GUILD_MEMBER_REMOVE", {"guild_id": str(self.id), "user": member.user.payload()}
        )

    def create_scheduled_event(
        self,
        name: str,
        start: datetime,
        *,
        end: datetime | None = None,
        channel: Channel | None = None,
        location: str | None = None,
        description: str | None = None,
        creator: Member | None = None,
    ) -> ScheduledEvent:
        """A person schedules an event: in a voice channel, or somewhere else (``location``)."""
        if channel is None and location is None:
            raise EmulatorError("an event needs a voice channel or a location")
        entity = EntityType.VOICE if channel is not None else EntityType.EXTERNAL
        if channel is not None and channel.type == ChannelType.GUILD_STAGE_VOICE:
            entity = EntityType.STAGE_INSTANCE
        event = ScheduledEvent(
            id=self._emu.snowflakes.next(),
            guild_id=self.id,
            name=name,
            scheduled_start_time=start.isoformat(),
            scheduled_end_time=end.isoformat() if end else None,
            entity_type=entity,
            channel_id=channel.id if channel else None,
            location=location,
            description=description,
            creator_id=(creator.id if creator else self.owner_id),
            _emu=self._emu,
        )
        self.scheduled_events[event.id] = event
        self._emu.dispatch_guild_event(self, "GUILD_SCHEDULED_EVENT_CREATE", event.payload())
        return event

    # --- permissions ----------------------------------------------------------------------------

    def base_permissions(self, user_id: int) -> int:
        """Server-wide permissions from @everyone and the member's roles."""
        if user_id == self.owner_id:
            return int(perms.ALL)
        member = self.members.get(user_id)
        if member is None:
            return 0
        value = self.everyone.permissions
        for role_id in member.role_ids:
            role = self.roles.get(role_id)
            if role is not None:
                value |= role.permissions
        if value & P.ADMINISTRATOR:
            return int(perms.ALL)
        return int(value)

    def permissions_in(self, user_id: int, channel: Channel) -> int:
        """Discord's algorithm: base, then @everyone, role and member overwrites of the channel."""
        base = self.base_permissions(user_id)
        if base == perms.ALL:
            return base
        target = channel
        if channel.is_thread and channel.parent_id is not None:
            target = self._emu.channels[channel.parent_id]
        member = self.members.get(user_id)
        role_ids = set(member.role_ids) if member else set()
        value = base
        for overwrite in target.overwrites:
            if overwrite.id == self.id:
                value = (value & ~overwrite.deny) | overwrite.allow
        allow = deny = 0
        for overwrite in target.overwrites:
            if overwrite.type == 0 and overwrite.id in role_ids:
                allow |= overwrite.allow
                deny |= overwrite.deny
        value = (value & ~deny) | allow
        for overwrite in target.overwrites:
            if overwrite.type == 1 and overwrite.id == user_id:
                value = (value & ~overwrite.deny) | overwrite.allow
        if not value & P.VIEW_CHANNEL:
            return 0
        if not value & P.SEND_MESSAGES:
            value &= ~perms.TEXT_ONLY_WHEN_SENDING
        private = channel.type == ChannelType.PRIVATE_THREAD
        if private and user_id not in channel.thread_members and not value & P.MANAGE_THREADS:
            return 0
        return int(value)

    def top_role_position(self, user_id: int) -> int:
        member = self.members.get(user_id)
        if member is None:
            return -1
        positions = [self.roles[r].position for r in member.role_ids if r in self.roles]
        return max(positions, default=0)

    # --- payloads ---------------------------------------------------------------------------------

    def payload(self) -> dict[str, JSON]:
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": str(self.system_channel_id) if self.system_channel_id else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }

    def gateway_payload(self, *, with_members: bool) -> dict[str, JSON]:
        """GUILD_CREATE: the server plus its channels, threads, members, voice states and events."""
        in_voice = set(self.voice_states)
        members = [
            m.payload()
            for m in self.members.values()
            if with_members or m.id == self._emu.bot_user.id or m.id in in_voice
        ]
        return {
            **self.payload(),
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": members,
            "channels": [c.payload() for c in self.guild_channels()],
            "threads": [t.payload() for t in self.threads if not t.archived],
            "voice_states": [v.payload(self) for v in self.voice_states.values()],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [
                e.payload() for e in self.scheduled_events.values() if not e.deleted
            ],
            "soundboard_sounds": [],
        }


class Member:
    """A person in a server, and what they can do there: run commands, click, talk, join voice."""

    def __init__(
        self,
        emu: Emulator,
        guild: Guild,
        user: User,
        role_ids: Sequence[int],
        *,
        nick: str | None = None,
    ) -> None:
        self._emu = emu
        self.guild = guild
        self.user = user
        self.role_ids = list(role_ids)
        self.nick = nick
        self.joined_at = emu.clock.iso()

    def __repr__(self) -> str:
        return f"<Member {self.user.username!r} of {self.guild.name!r}>"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def roles(self) -> list[Role]:
        return [self.guild.roles[r] for r in self.role_ids if r in self.guild.roles]

    @property
    def permissions(self) -> int:
        return self.guild.base_permissions(self.id)

    def permissions_in(self, channel: Channel) -> int:
        return self.guild.permissions_in(self.id, channel)

    def payload(self) -> dict[str, JSON]:
        return {
            "user": self.user.payload(),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in self.role_ids],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def add_role(self, role: Role) -> None:
        if role.id not in self.role_ids:
            self.role_ids.append(role.id)
            self._member_update()

    def remove_role(self, role: Role) -> None:
        if role.id in self.role_ids:
            self.role_ids.remove(role.id)
            self._member_update()

    def _member_update(self) -> None:
        self._emu.dispatch_guild_event(
            self.guild, "GUILD_MEMBER_UPDATE", {**self.payload(), "guild_id": str(self.guild.id)}
        )

    def block_dms(self, blocked: bool = True) -> None:
        """Turn off (or back on) direct messages from server members, as a privacy setting."""
        self.user.dms_open = not blocked

    # --- interactions ---------------------------------------------------------------------------

    async def run(
        self,
        command: str,
        *,
        channel: Channel | None = None,
        timeout: float = 10.0,
        wait: bool = True,
        locale: str | None = None,
        **options: Any,
    ) -> InteractionResult:
        """Type ``/command [subcommand] option:value ...`` and press Enter.

        Options are checked against the synced definition as Discord's client would (required,
        choices, lengths, ranges). Waits for the bot's answer (and, if it defers, for the deferred
        message) unless ``wait`` is False. ``locale`` sends this one command from a client in
        another language; by default it is the person's own (``user.locale``).
        """
        from tests.emulator.interactions import run_command

        return await run_command(
            self._emu,
            self,
            command,
            options,
            channel=channel,
            timeout=timeout,
            wait=wait,
            locale=locale,
        )

    async def autocomplete(
        self,
        command: str,
        option: str,
        typed: str,
        *,
        channel: Channel | None = None,
        timeout: float = 10.0,
        **options: Any,
    ) -> list[JSON]:
        """Type into an autocomplete option; returns the bot's choices (``[{"name", "value"}]``)."""
        from tests.emulator.interactions import run_autocomplete

        return await run_autocomplete(
            self._emu, self, command, option, typed, options, channel=channel, timeout=timeout
        )

    async def click(
        self,
        target: Message | InteractionResult,
        label: str | None = None,
        *,
        custom_id: str | None = None,
        timeout: float = 10.0,
        wait: bool = True,
    ) -> InteractionResult:
        """Click a button (by its label, or by custom id) on a message the person can see."""
        from tests.emulator.interactions import click_button

        return await click_button(
            self._emu, self, target, label, custom_id=custom_id, timeout=timeout, wait=wait
        )

    async def select(
        self,
        target: Message | InteractionResult,
        values: Sequence[str],
        *,
        placeholder: str | None = None,
        custom_id: str | None = None,
        timeout: float = 10.0,
    ) -> InteractionResult:
        """Pick options (by value) in a string select menu."""
        from tests.emulator.interactions import choose_in_select

        return await choose_in_select(
            self._emu,
            self,
            target,
            values,
            placeholder=placeholder,
            custom_id=custom_id,
            timeout=timeout,
        )

    async def submit_modal(
        self,
        opened: InteractionResult,
        values: Mapping[str, str] | None = None,
        *,
        timeout: float = 10.0,
        **by_custom_id: str,
    ) -> InteractionResult:
        """Fill in the modal the bot opened (fields by label or custom id) and press Submit."""
        from tests.emulator.interactions import submit_modal

        merged = {**(values or {}), **by_custom_id}
        return await submit_modal(self._emu, self, opened, merged, timeout=timeout)

    # --- talking, voice, events -------------------------------------------------------------------

    async def say(self, channel: Channel, content: str) -> Message:
        """Post a message as this person (dispatches MESSAGE_CREATE)."""
        return await self._emu.post_as(self, channel, content)

    async def react(self, message: Message, emoji: str) -> None:
        await self._emu.react_as(self, message, emoji)

    async def join_voice(
        self, channel: Channel, *, self_mute: bool = False, self_deaf: bool = False
    ) -> None:
        """Join (or move to) a voice channel; VOICE_STATE_UPDATE reaches the bot."""
        await self._emu.set_voice(self, channel, self_mute=self_mute, self_deaf=self_deaf)

    async def leave_voice(self) -> None:
        await self._emu.set_voice(self, None)

    async def set_voice_flags(
        self, *, self_mute: bool | None = None, self_deaf: bool | None = None
    ) -> None:
        """Mute or deafen oneself without leaving the channel."""
        state = self.guild.voice_states.get(self.id)
        if state is None:
            raise EmulatorError(f"{self.name} is not in a voice channel")
        channel = self._emu.channels[state.channel_id] if state.channel_id else None
        await self._emu.set_voice(
            self,
            channel,
            self_mute=state.self_mute if self_mute is None else self_mute,
            self_deaf=state.self_deaf if self_deaf is None else self_deaf,
        )

    async def subscribe(self, event: ScheduledEvent) -> None:
        """Press "Interested" on a scheduled event."""
        await self._emu.subscribe_as(self, event, True)

    async def unsubscribe(self, event: ScheduledEvent) -> None:
        await self._emu.subscribe_as(self, event, False)


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def parse_mentions(
    content: str,
    allowed: JSON,
    *,
    guild: Guild | None,
    users: Mapping[int, User],
    may_mention_everyone: bool,
    replied_user: User | None = None,
) -> tuple[list[User], list[int], bool]:
    """Who a message pings: (users, role ids, @everyone), after ``allowed_mentions``.

    Without ``allowed_mentions`` Discord parses every mention in the content.
    """
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    allow_users = {int(u) for u in (allowed or {}).get("users") or []}
    allow_roles = {int(r) for r in (allowed or {}).get("roles") or []}
    pinged: list[User] = []
    for match in _USER_MENTION.finditer(content):
        user_id = int(match.group(1))
        user = users.get(user_id)
        if user is not None and ("users" in parse or user_id in allow_users) and user not in pinged:
            pinged.append(user)
    ping_reply = allowed is None or allowed.get("replied_user", True)
    if replied_user is not None and ping_reply and replied_user not in pinged:
        pinged.append(replied_user)
    roles: list[int] = []
    if guild is not None:
        for match in _ROLE_MENTION.finditer(content):
            role_id = int(match.group(1))
            role = guild.roles.get(role_id)
            if role is None or role_id in roles:
                continue
            allowed_role = "roles" in parse or role_id in allow_roles
            if allowed_role and (role.mentionable or may_mention_everyone):
                roles.append(role_id)
    everyone = (
        ("@everyone" in content or "@here" in content)
        and "everyone" in parse
        and may_mention_everyone
    )
    return pinged, roles, everyone
