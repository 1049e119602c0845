"""The REST routes the bot uses, with Discord's permission checks and its own rules.

Every handler receives a request that already passed authentication, faults, rate-limit windows,
query validation and the OpenAPI request schema (see :meth:`Emulator._api`); what remains here is
the behaviour: state changes, gateway events, and the checks that depend on state (permissions,
deadlines, one response per interaction, thread and DM rules).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote

from tests.emulator.errors import error, form_error
from tests.emulator.models import (
    TEXT_TYPES,
    VOICE_TYPES,
    Channel,
    ChannelType,
    Command,
    EntityType,
    EventStatus,
    Guild,
    Interaction,
    Message,
    ScheduledEvent,
)
from tests.emulator.permissions import Intent
from tests.emulator.permissions import Permission as P
from tests.emulator.rules import (
    COMPONENTS_V2,
    EPHEMERAL,
    LOADING,
    SUPPRESS_EMBEDS,
    SUPPRESS_NOTIFICATIONS,
    check_commands,
    check_message,
)
from tests.emulator.server import NO_CONTENT, Call

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

JSON = Any

RESPONSE_FLAGS: Final = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | COMPONENTS_V2

CALLBACKS_FOR: Final[dict[int, frozenset[int]]] = {
    2: frozenset({4, 5, 9}),  # application command
    3: frozenset({4, 5, 6, 7, 9}),  # message component
    4: frozenset({8}),  # autocomplete
    5: frozenset({4, 5, 6, 7}),  # modal submit (6 and 7 only when the modal came from a message)
}

STATUS_TRANSITIONS: Final[dict[EventStatus, frozenset[EventStatus]]] = {
    EventStatus.SCHEDULED: frozenset({EventStatus.ACTIVE, EventStatus.CANCELED}),
    EventStatus.ACTIVE: frozenset({EventStatus.COMPLETED}),
    EventStatus.COMPLETED: frozenset(),
    EventStatus.CANCELED: frozenset(),
}


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _options(options: list[JSON]) -> Iterator[JSON]:
    for option in options:
        yield option
        yield from _options(option.get("options") or [])


class RestApi:
    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    @property
    def bot_id(self) -> int:
        return self.emu.bot_user.id

    # --- lookups and permission checks ------------------------------------------------------------

    def _guild(self, call: Call) -> Guild:
        guild = self.emu.guilds.get(call.snowflake("guild_id"))
        if guild is None:
            raise error(10004)
        if self.bot_id not in guild.members:
            raise error(50001)
        return guild

    def _channel(self, call: Call) -> Channel:
        channel = self.emu.channels.get(call.snowflake("channel_id"))
        if channel is None:
            raise error(10003)
        if channel.type == ChannelType.DM:
            return channel
        guild = self.emu.guild_of(channel)
        if guild is None or self.bot_id not in guild.members:
            raise error(50001)
        if not guild.permissions_in(self.bot_id, channel) & P.VIEW_CHANNEL:
            raise error(50001)
        return channel

    def _require(self, channel: Channel, needed: int, code: int = 50013) -> None:
        """Raise ``code`` unless the bot has every permission in ``needed`` in ``channel``."""
        guild = self.emu.guild_of(channel)
        if guild is None:
            return
        granted = guild.permissions_in(self.bot_id, channel)
        if needed & ~granted:
            raise error(code)

    def _guild_permission(self, guild: Guild, needed: int) -> None:
        if needed & ~guild.base_permissions(self.bot_id):
            raise error(50013)

    def _message(self, channel: Channel, call: Call) -> Message:
        message = self.emu.messages.get(call.snowflake("message_id"))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise error(10008)
        if message.ephemeral:
            raise error(10008)
        return message

    # --- identity ---------------------------------------------------------------------------------

    async def get_gateway(self, call: Call) -> JSON:
        return {"url": self.emu.gateway_url}

    async def get_gateway_bot(self, call: Call) -> JSON:
        return {
            "url": self.emu.gateway_url,
            "shards": self.emu.gateway.recommended_shards(),
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - self.emu.gateway.identifies,
                "reset_after": 14_400_000,
                "max_concurrency": self.emu.gateway.max_concurrency,
            },
        }

    async def get_me(self, call: Call) -> JSON:
        if call.bearer is not None:
            # A person's token: their user, with the e-mail only under the ``email`` scope.
            person: dict[str, JSON] = {
                **call.bearer.user.payload(),
                "mfa_enabled": False,
                "locale": call.bearer.user.locale,
                "premium_type": 0,
            }
            if "email" in call.bearer.scopes:
                person["email"] = f"{call.bearer.user.username}@example.invalid"
                person["verified"] = True
            return person
        return {
            **self.emu.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "locale": "en-US",
        }

    async def my_guilds(self, call: Call) -> JSON:
        """The partial servers of the token's owner (the bot's, or a person's under ``guilds``),
        by id, paged by ``before``/``after`` and ``limit`` (200 at most, the default)."""
        user_id = call.bearer.user.id if call.bearer is not None else self.bot_id
        guilds = sorted(
            (g for g in self.emu.guilds.values() if user_id in g.members), key=lambda g: g.id
        )
        if "after" in call.query:
            guilds = [g for g in guilds if g.id > int(call.query["after"])]
        if "before" in call.query:
            guilds = [g for g in guilds if g.id < int(call.query["before"])]
            guilds = guilds[-int(call.query.get("limit", 200)) :]
        else:
            guilds = guilds[: int(call.query.get("limit", 200))]
        result = []
        for guild in guilds:
            partial: dict[str, JSON] = {
                "id": str(guild.id),
                "name": guild.name,
                "icon": None,
                "banner": None,
                "owner": guild.owner_id == user_id,
                "permissions": str(guild.base_permissions(user_id)),
                "features": [],
            }
            if call.query.get("with_counts"):
                partial["approximate_member_count"] = len(guild.members)
                partial["approximate_presence_count"] = 0
            result.append(partial)
        return result

    async def get_user(self, call: Call) -> JSON:
        user = self.emu.users.get(call.snowflake("user_id"))
        if user is None:
            raise error(10013)
        return user.payload()

    async def get_application(self, call: Call) -> JSON:
        return {
            "id": str(self.emu.application_id),
            "name": self.emu.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.emu.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.emu.app_flags,
            "bot": self.emu.bot_user.payload(),
            "hook": True,
            "integration_types_config": {"0": {}},
            "approximate_guild_count": len(self.emu.guilds),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
        }

    async def create_dm(self, call: Call) -> JSON:
        recipient = call.body.get("recipient_id")
        if recipient is None:
            raise form_error(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
        user = self.emu.users.get(int(recipient))
        if user is None:
            raise error(10013)
        return self.emu.open_dm(user).payload()

    # --- application commands ---------------------------------------------------------------------

    def _command_scope(self, call: Call) -> int | None:
        if call.snowflake("application_id") != self.emu.application_id:
            raise error(50001)
        if "guild_id" in call.params:
            return self._guild(call).id
        return None

    def _store_command(self, scope: int | None, definition: JSON) -> Command:
        kind = int(definition.get("type") or 1)
        name = str(definition["name"])
        key = (scope, kind, name)
        existing = next(
            (c for c in self.emu.commands.get(scope, []) if (c.type, c.name) == (kind, name)), None
        )
        command_id = self.emu._command_ids.get(key)
        if command_id is None:
            command_id = self.emu.snowflakes.next()
            self.emu._command_ids[key] = command_id
        clean = {
            k: v for k, v in definition.items() if k not in ("id", "application_id", "version")
        }
        unchanged = existing is not None and existing.definition == clean
        version = (
            existing.version if existing is not None and unchanged else self.emu.snowflakes.next()
        )
        return Command(command_id, self.emu.application_id, name, kind, scope, version, clean)

    async def list_commands(self, call: Call) -> JSON:
        scope = self._command_scope(call)
        return [c.payload() for c in self.emu.commands.get(scope, [])]

    async def overwrite_commands(self, call: Call) -> JSON:
        scope = self._command_scope(call)
        definitions = call.body or []
        check_commands(definitions)
        commands = [self._store_command(scope, d) for d in definitions]
        self.emu.commands[scope] = commands
        return [c.payload() for c in commands]

    async def create_command(self, call: Call) -> JSON:
        scope = self._command_scope(call)
        check_commands([call.body])
        command = self._store_command(scope, call.body)
        others = [
            c
            for c in self.emu.commands.get(scope, [])
            if (c.type, c.name) != (command.type, command.name)
        ]
        self.emu.commands[scope] = [*others, command]
        return command.payload()

    def _command(self, call: Call) -> tuple[int | None, Command]:
        scope = self._command_scope(call)
        command_id = call.snowflake("command_id")
        for command in self.emu.commands.get(scope, []):
            if command.id == command_id:
                return scope, command
        raise error(10063)

    async def get_command(self, call: Call) -> JSON:
        return self._command(call)[1].payload()

    async def edit_command(self, call: Call) -> JSON:
        scope, command = self._command(call)
        merged = {**command.definition, **call.body}
        check_commands([merged])
        updated = self._store_command(scope, merged)
        self.emu.commands[scope] = [
            updated if c is command else c for c in self.emu.commands[scope]
        ]
        return updated.payload()

    async def delete_command(self, call: Call) -> JSON:
        scope, command = self._command(call)
        self.emu.commands[scope] = [c for c in self.emu.commands[scope] if c is not command]
        return NO_CONTENT

    # --- interaction responses --------------------------------------------------------------------

    def _callback_result(
        self, interaction: Interaction, kind: int, message: Message | None
    ) -> JSON:
        result: dict[str, JSON] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message.ephemeral),
            },
        }
        resource: dict[str, JSON] = {"type": kind}
        if message is not None:
            result["interaction"]["response_message_id"] = str(message.id)
            resource["message"] = message.payload()
        result["resource"] = resource
        return result

    def _check_choices(self, interaction: Interaction, choices: list[JSON]) -> None:
        focused = next(
            (
                o
                for o in _options(interaction.payload["data"].get("options") or [])
                if o.get("focused")
            ),
            None,
        )
        kind = focused.get("type") if focused else 3
        for index, choice in enumerate(choices):
            if not isinstance(choice, dict):
                continue
            value = choice.get("value")
            path = ("data", "choices", index, "value")
            if kind == 3 and not isinstance(value, str):
                raise form_error(
                    path, "STRING_TYPE_CONVERT", f'Could not interpret "{value}" as string.'
                )
            if kind == 4 and (not isinstance(value, int) or isinstance(value, bool)):
                raise form_error(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not int.')
            if kind == 10 and (not isinstance(value, int | float) or isinstance(value, bool)):
                raise form_error(path, "NUMBER_TYPE_COERCE", f'Value "{value}" is not a number.')

    async def interaction_callback(self, call: Call) -> JSON:
        emu = self.emu
        interaction = emu.interactions.get(call.snowflake("interaction_id"))
        if interaction is None or interaction.token != call.params["interaction_token"]:
            raise error(10062)
        if interaction.response_type is not None:
            raise error(40060)
        if emu.clock.now() - interaction.created_at > emu.interaction_deadline:
            raise error(10062)
        body = call.body
        kind = int(body["type"])
        allowed = CALLBACKS_FOR.get(interaction.type, frozenset())
        if kind in (6, 7) and interaction.message is None:
            allowed = allowed - {6, 7}
        if kind not in allowed:
            raise form_error(
                ("type",),
                "INTERACTION_CALLBACK_TYPE_INVALID",
                f"Interaction callback type {kind} is not valid for an interaction of type "
                f"{interaction.type}.",
            )
        data = body.get("data") or {}
        channel = emu.channels[interaction.channel_id]
        message: Message | None = None
        if kind == 4:
            check_message(data, prefix=("data",), creating=True, has_files=bool(call.files))
            message = emu.create_message(
                channel,
                emu.bot_user,
                data,
                call.files,
                interaction=interaction,
                allowed_flags=RESPONSE_FLAGS,
            )
            interaction.original = message
        elif kind == 5:
            message = emu.create_message(
                channel,
                emu.bot_user,
                {"flags": data.get("flags")},
                interaction=interaction,
                extra_flags=LOADING,
                allowed_flags=EPHEMERAL,
            )
            interaction.original = message
        elif kind in (6, 7):
            message = interaction.message
            assert message is not None
            if kind == 7:
                check_message(data, prefix=("data",), creating=False, existing_flags=message.flags)
                emu.edit_message(message, data, call.files)
            interaction.original = message
        elif kind == 8:
            choices = list(data.get("choices") or [])
            self._check_choices(interaction, choices)
            interaction.choices = choices
        elif kind == 9:
            interaction.modal = data
        interaction.response_type = kind
        interaction.responded_at = emu.clock.now()
        emu.notify()
        if not call.query.get("with_response"):
            return NO_CONTENT
        return self._callback_result(interaction, kind, message if kind in (4, 5, 7) else None)

    def _webhook_interaction(self, call: Call) -> Interaction:
        if call.snowflake("webhook_id") != self.emu.application_id:
            raise error(10015)
        interaction = self.emu.interaction_for_token(call.params["webhook_token"])
        if interaction is None or interaction.type == 4:
            raise error(10015)
        if self.emu.clock.now() - interaction.created_at > self.emu.followup_window:
            raise error(50027)
        if interaction.response_type is None:
            raise error(10015)
        return interaction

    def _webhook_message(self, call: Call, interaction: Interaction) -> Message:
        wanted = call.params.get("message_id")
        message: Message | None
        if wanted is None:
            message = interaction.original
        else:
            if not wanted.isdigit():
                raise error(10008)
            candidates = [interaction.original, *interaction.followups]
            message = next((m for m in candidates if m is not None and m.id == int(wanted)), None)
        if message is None or message.deleted:
            raise error(10008)
        return message

    async def execute_webhook(self, call: Call) -> JSON:
        emu = self.emu
        interaction = self._webhook_interaction(call)
        body = call.body or {}
        check_message(body, creating=True, has_files=bool(call.files))
        original = interaction.original
        if interaction.response_type == 5 and original is not None and original.loading:
            message = emu.edit_message(original, body, call.files, completes=True)
        else:
            channel = emu.channels[interaction.channel_id]
            thread_id = call.query.get("thread_id")
            if thread_id is not None:
                channel = emu.channels.get(int(thread_id)) or channel
            message = emu.create_message(
                channel,
                emu.bot_user,
                body,
                call.files,
                interaction=interaction,
                allowed_flags=RESPONSE_FLAGS,
            )
            interaction.followups.append(message)
        if not call.query.get("wait"):
            return NO_CONTENT
        return message.payload()

    async def get_webhook_message(self, call: Call) -> JSON:
        interaction = self._webhook_interaction(call)
        return self._webhook_message(call, interaction).payload()

    async def edit_webhook_message(self, call: Call) -> JSON:
        interaction = self._webhook_interaction(call)
        message = self._webhook_message(call, interaction)
        body = call.body or {}
        check_message(body, creating=False, existing_flags=message.flags)
        self.emu.edit_message(message, body, call.files, completes=message.loading)
        return message.payload()

    async def delete_webhook_message(self, call: Call) -> JSON:
        interaction = self._webhook_interaction(call)
        self.emu.delete_message(self._webhook_message(call, interaction))
        return NO_CONTENT

    # --- channels and messages --------------------------------------------------------------------

    async def get_channel(self, call: Call) -> JSON:
        return self._channel(call).payload()

    async def edit_channel(self, call: Call) -> JSON:
        channel = self._channel(call)
        body = call.body or {}
        guild = self.emu.guild_of(channel)
        if guild is None:
            raise error(50024)
        granted = guild.permissions_in(self.bot_id, channel)
        if channel.is_thread:
            owner = channel.owner_id == self.bot_id
            if (
                "locked" in body
                and body["locked"] != channel.locked
                and not granted & P.MANAGE_THREADS
            ):
                raise error(50013)
            if not owner and not granted & P.MANAGE_THREADS and ({"archived", "name"} & set(body)):
                raise error(50013)
            if channel.archived and channel.locked and not granted & P.MANAGE_THREADS:
                raise error(50083)
            for key in ("name", "locked", "invitable", "auto_archive_duration"):
                if body.get(key) is not None:
                    setattr(channel, key, body[key])
            if body.get("archived") is not None and body["archived"] != channel.archived:
                channel.archived = bool(body["archived"])
                channel.archive_timestamp = self.emu.clock.iso()
            self.emu.dispatch_guild_event(guild, "THREAD_UPDATE", channel.payload())
            return channel.payload()
        if not granted & P.MANAGE_CHANNELS:
            raise error(50013)
        for key in ("name", "topic", "position"):
            if key in body:
                setattr(channel, key, body[key])
        self.emu.dispatch_guild_event(guild, "CHANNEL_UPDATE", channel.payload())
        return channel.payload()

    async def list_messages(self, call: Call) -> JSON:
        channel = self._channel(call)
        guild = self.emu.guild_of(channel)
        if (
            guild is not None
            and not guild.permissions_in(self.bot_id, channel) & P.READ_MESSAGE_HISTORY
        ):
            return []
        messages = list(reversed(channel.visible_messages()))
        query = call.query
        limit = int(query.get("limit") or 50)
        if query.get("before"):
            messages = [m for m in messages if m.id < int(query["before"])]
        if query.get("after"):
            messages = [m for m in reversed(messages) if m.id > int(query["after"])][:limit]
            return [m.payload() for m in reversed(messages)]
        return [m.payload() for m in messages[:limit]]

    async def get_message(self, call: Call) -> JSON:
        channel = self._channel(call)
        self._require(channel, P.READ_MESSAGE_HISTORY)
        return self._message(channel, call).payload()

    def _check_dm(self, channel: Channel) -> None:
        recipient = channel.recipients[0] if channel.recipients else None
        if recipient is None or recipient.bot or not recipient.dms_open:
            raise error(50007)
        if not self.emu.shares_guild(recipient):
            raise error(50007)

    async def create_message(self, call: Call) -> JSON:
        emu = self.emu
        channel = self._channel(call)
        body = call.body or {}
        if channel.type == ChannelType.DM:
            self._check_dm(channel)
        elif channel.type not in TEXT_TYPES:
            raise error(50008)
        else:
            needed = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
            if call.files:
                needed |= P.ATTACH_FILES
            self._require(channel, needed)
            if body.get("message_reference"):
                self._require(channel, P.READ_MESSAGE_HISTORY, 160002)
        check_message(body, creating=True, has_files=bool(call.files))
        reference = body.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id"):
            target = emu.messages.get(int(reference["message_id"]))
            if (target is None or target.deleted) and reference.get("fail_if_not_exists", True):
                raise form_error(
                    ("message_reference",),
                    "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                    "Unknown message",
                )
        if channel.is_thread and channel.archived:
            if channel.locked:
                raise error(50083)
            channel.archived = False
            guild = emu.guild_of(channel)
            if guild is not None:
                emu.dispatch_guild_event(guild, "THREAD_UPDATE", channel.payload())
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for earlier in reversed(channel.messages):
                if emu.clock.now() - earlier.created_at > emu.nonce_window:
                    break
                if (
                    earlier.nonce == nonce
                    and earlier.author is emu.bot_user
                    and not earlier.deleted
                ):
                    return earlier.payload()
        return emu.create_message(channel, emu.bot_user, body, call.files).payload()

    async def edit_message(self, call: Call) -> JSON:
        channel = self._channel(call)
        message = self._message(channel, call)
        if message.author is not self.emu.bot_user:
            raise error(50005)
        body = call.body or {}
        check_message(body, creating=False, existing_flags=message.flags)
        return self.emu.edit_message(message, body, call.files).payload()

    async def delete_message(self, call: Call) -> JSON:
        channel = self._channel(call)
        message = self._message(channel, call)
        if message.author is not self.emu.bot_user:
            if channel.type == ChannelType.DM:
                raise error(50013)
            self._require(channel, P.MANAGE_MESSAGES)
        self.emu.delete_message(message)
        return NO_CONTENT

    async def add_reaction(self, call: Call) -> JSON:
        channel = self._channel(call)
        message = self._message(channel, call)
        emoji = unquote(call.params["emoji_name"])
        if ":" in emoji:
            raise error(10014)
        self._require(channel, P.READ_MESSAGE_HISTORY)
        if emoji not in message.reactions:
            self._require(channel, P.ADD_REACTIONS)
        message.reactions.setdefault(emoji, set()).add(self.bot_id)
        data: dict[str, JSON] = {
            "user_id": str(self.bot_id),
            "channel_id": str(channel.id),
            "message_id": str(message.id),
            "emoji": {"id": None, "name": emoji},
            "type": 0,
            "burst": False,
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.emu.gateway.dispatch("MESSAGE_REACTION_ADD", data, guild_id=channel.guild_id)
        return NO_CONTENT

    async def remove_reaction(self, call: Call) -> JSON:
        channel = self._channel(call)
        message = self._message(channel, call)
        emoji = unquote(call.params["emoji_name"])
        users = message.reactions.get(emoji)
        if users is not None:
            users.discard(self.bot_id)
            if not users:
                del message.reactions[emoji]
        return NO_CONTENT

    async def typing(self, call: Call) -> JSON:
        channel = self._channel(call)
        if channel.type != ChannelType.DM:
            self._require(
                channel, P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
            )
        return NO_CONTENT

    # --- threads ----------------------------------------------------------------------------------

    def _new_thread(
        self,
        parent: Channel,
        name: str,
        kind: ChannelType,
        body: JSON,
        thread_id: int | None = None,
    ) -> Channel:
        emu = self.emu
        thread = Channel(
            id=thread_id or emu.snowflakes.next(),
            type=kind,
            name=name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot_id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            invitable=bool(body.get("invitable", True)),
            thread_members={self.bot_id},
            created_at=emu.clock.iso(),
            _emu=emu,
        )
        emu.channels[thread.id] = thread
        guild = emu.guild_of(parent)
        if guild is not None:
            emu.dispatch_guild_event(
                guild, "THREAD_CREATE", {**thread.payload(), "newly_created": True}
            )
        return thread

    async def start_thread_from_message(self, call: Call) -> JSON:
        channel = self._channel(call)
        if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise error(50024)
        message = self._message(channel, call)
        self._require(channel, P.CREATE_PUBLIC_THREADS | P.READ_MESSAGE_HISTORY)
        if message.thread_id is not None:
            raise error(160004)
        kind = (
            ChannelType.ANNOUNCEMENT_THREAD
            if channel.type == ChannelType.GUILD_ANNOUNCEMENT
            else ChannelType.PUBLIC_THREAD
        )
        thread = self._new_thread(channel, call.body["name"], kind, call.body, thread_id=message.id)
        message.thread_id = thread.id
        return thread.payload()

    async def start_thread(self, call: Call) -> JSON:
        channel = self._channel(call)
        if channel.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise error(50024)
        body = call.body
        kind = ChannelType(int(body.get("type") or ChannelType.PRIVATE_THREAD))
        if (
            kind == ChannelType.ANNOUNCEMENT_THREAD
            and channel.type != ChannelType.GUILD_ANNOUNCEMENT
        ):
            raise error(50024)
        needed = (
            P.CREATE_PRIVATE_THREADS
            if kind == ChannelType.PRIVATE_THREAD
            else P.CREATE_PUBLIC_THREADS
        )
        self._require(channel, needed)
        return self._new_thread(channel, body["name"], kind, body).payload()

    async def archived_public_threads(self, call: Call) -> JSON:
        channel = self._channel(call)
        self._require(channel, P.READ_MESSAGE_HISTORY)
        threads = [
            c
            for c in self.emu.channels.values()
            if c.parent_id == channel.id and c.archived and c.type == ChannelType.PUBLIC_THREAD
        ]
        return {"threads": [t.payload() for t in threads], "members": [], "has_more": False}

    def _thread(self, call: Call) -> Channel:
        channel = self._channel(call)
        if not channel.is_thread:
            raise error(50024)
        return channel

    async def join_thread(self, call: Call) -> JSON:
        thread = self._thread(call)
        if thread.archived:
            raise error(50083)
        thread.thread_members.add(self.bot_id)
        return NO_CONTENT

    async def add_thread_member(self, call: Call) -> JSON:
        thread = self._thread(call)
        if thread.archived:
            raise error(50083)
        self._require(thread, P.SEND_MESSAGES_IN_THREADS)
        guild = self.emu.guild_of(thread)
        user_id = call.snowflake("user_id")
        if guild is None or user_id not in guild.members:
            raise error(10007)
        thread.thread_members.add(user_id)
        return NO_CONTENT

    async def remove_thread_member(self, call: Call) -> JSON:
        thread = self._thread(call)
        user_id = call.snowflake("user_id")
        if user_id != self.bot_id and thread.owner_id != self.bot_id:
            self._require(thread, P.MANAGE_THREADS)
        thread.thread_members.discard(user_id)
        return NO_CONTENT

    # --- servers, members, roles ------------------------------------------------------------------

    async def get_guild(self, call: Call) -> JSON:
        guild = self._guild(call)
        data = guild.payload()
        if call.query.get("with_counts"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return data

    async def guild_channels(self, call: Call) -> JSON:
        return [c.payload() for c in self._guild(call).guild_channels()]

    async def active_threads(self, call: Call) -> JSON:
        guild = self._guild(call)
        threads = [
            t
            for t in guild.threads
            if not t.archived and guild.permissions_in(self.bot_id, t) & P.VIEW_CHANNEL
        ]
        members = [
            {
                "id": str(t.id),
                "user_id": str(self.bot_id),
                "join_timestamp": t.created_at,
                "flags": 0,
            }
            for t in threads
            if self.bot_id in t.thread_members
        ]
        return {"threads": [t.payload() for t in threads], "members": members}

    async def list_members(self, call: Call) -> JSON:
        guild = self._guild(call)
        if not self.emu.privileged_intents & Intent.GUILD_MEMBERS:
            raise error(50001)
        limit = int(call.query.get("limit") or 1)
        after = int(call.query.get("after") or 0)
        members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)
        return [m.payload() for m in members[:limit]]

    async def get_member(self, call: Call) -> JSON:
        guild = self._guild(call)
        member = guild.members.get(call.snowflake("user_id"))
        if member is None:
            raise error(10007)
        return member.payload()

    async def _change_role(self, call: Call, add: bool) -> JSON:
        guild = self._guild(call)
        member = guild.members.get(call.snowflake("user_id"))
        if member is None:
            raise error(10007)
        role = guild.roles.get(call.snowflake("role_id"))
        if role is None:
            raise error(10011)
        self._guild_permission(guild, P.MANAGE_ROLES)
        if role.managed or role.id == guild.id:
            raise error(50013)
        if role.position >= guild.top_role_position(self.bot_id) and self.bot_id != guild.owner_id:
            raise error(50013)
        if add:
            member.add_role(role)
        else:
            member.remove_role(role)
        return NO_CONTENT

    async def add_member_role(self, call: Call) -> JSON:
        return await self._change_role(call, True)

    async def remove_member_role(self, call: Call) -> JSON:
        return await self._change_role(call, False)

    async def list_roles(self, call: Call) -> JSON:
        return [r.payload() for r in self._guild(call).roles.values()]

    # --- scheduled events -------------------------------------------------------------------------

    def _event(self, guild: Guild, call: Call) -> ScheduledEvent:
        event = guild.scheduled_events.get(call.snowflake("guild_scheduled_event_id"))
        if event is None or event.deleted:
            raise error(10070)
        return event

    def _may_manage_event(self, guild: Guild, event: ScheduledEvent | None) -> None:
        granted = guild.base_permissions(self.bot_id)
        if granted & P.MANAGE_EVENTS:
            return
        if event is None and granted & P.CREATE_EVENTS:
            return
        if event is not None and event.creator_id == self.bot_id and granted & P.CREATE_EVENTS:
            return
        raise error(50013)

    def _check_event_fields(self, guild: Guild, fields: JSON, kind: EntityType) -> None:
        now = self.emu.clock.now()
        start = fields.get("scheduled_start_time")
        end = fields.get("scheduled_end_time")
        if start is not None and _parse_time(start).timestamp() < now:
            raise form_error(
                ("scheduled_start_time",),
                "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                "Cannot schedule event in the past.",
            )
        if start is not None and end is not None and _parse_time(end) <= _parse_time(start):
            raise form_error(
                ("scheduled_end_time",),
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Cannot schedule event to end before starting.",
            )
        if kind == EntityType.EXTERNAL:
            location = (fields.get("entity_metadata") or {}).get("location")
            if not location:
                raise form_error(
                    ("entity_metadata", "location"), "BASE_TYPE_REQUIRED", "This field is required"
                )
            if end is None:
                raise form_error(
                    ("scheduled_end_time",), "BASE_TYPE_REQUIRED", "This field is required"
                )
        else:
            channel_id = fields.get("channel_id")
            channel = self.emu.channels.get(int(channel_id)) if channel_id else None
            if channel is None or channel.guild_id != guild.id:
                raise form_error(("channel_id",), "BASE_TYPE_REQUIRED", "This field is required")
            if channel.type not in VOICE_TYPES:
                raise form_error(
                    ("channel_id",),
                    "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL",
                    "The channel must be a voice or stage channel.",
                )
            self._require(channel, P.VIEW_CHANNEL | P.CONNECT)

    async def list_events(self, call: Call) -> JSON:
        guild = self._guild(call)
        return [e.payload() for e in guild.scheduled_events.values() if not e.deleted]

    async def create_event(self, call: Call) -> JSON:
        guild = self._guild(call)
        self._may_manage_event(guild, None)
        body = call.body
        kind = EntityType(int(body["entity_type"]))
        self._check_event_fields(guild, body, kind)
        channel_id = body.get("channel_id")
        event = ScheduledEvent(
            id=self.emu.snowflakes.next(),
            guild_id=guild.id,
            name=body["name"],
            description=body.get("description"),
            scheduled_start_time=_parse_time(body["scheduled_start_time"]).isoformat(),
            scheduled_end_time=(
                _parse_time(body["scheduled_end_time"]).isoformat()
                if body.get("scheduled_end_time")
                else None
            ),
            entity_type=kind,
            channel_id=int(channel_id) if channel_id and kind != EntityType.EXTERNAL else None,
            location=(body.get("entity_metadata") or {}).get("location"),
            privacy_level=int(body.get("privacy_level") or 2),
            creator_id=self.bot_id,
            _emu=self.emu,
        )
        guild.scheduled_events[event.id] = event
        self.emu.dispatch_guild_event(guild, "GUILD_SCHEDULED_EVENT_CREATE", event.payload())
        return event.payload()

    async def get_event(self, call: Call) -> JSON:
        guild = self._guild(call)
        event = self._event(guild, call)
        data = event.payload()
        if not call.query.get("with_user_count"):
            data.pop("user_count", None)
        return data

    async def edit_event(self, call: Call) -> JSON:
        guild = self._guild(call)
        event = self._event(guild, call)
        self._may_manage_event(guild, event)
        body = call.body
        if body.get("status") is not None:
            status = EventStatus(int(body["status"]))
            if status != event.status and status not in STATUS_TRANSITIONS[event.status]:
                raise form_error(
                    ("status",),
                    "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                    f"Cannot change status from {event.status.name} to {status.name}.",
                )
        kind = EntityType(int(body.get("entity_type") or event.entity_type))
        merged = {
            "scheduled_start_time": body.get("scheduled_start_time"),
            "scheduled_end_time": body.get("scheduled_end_time", event.scheduled_end_time),
            "entity_metadata": body.get("entity_metadata")
            or ({"location": event.location} if event.location else None),
            "channel_id": body.get("channel_id", event.channel_id),
        }
        self._check_event_fields(guild, merged, kind)
        for key in ("name", "description", "privacy_level"):
            if key in body:
                setattr(event, key, body[key])
        for key in ("scheduled_start_time", "scheduled_end_time"):
            if body.get(key):
                setattr(event, key, _parse_time(body[key]).isoformat())
        if "status" in body and body["status"] is not None:
            event.status = EventStatus(int(body["status"]))
        event.entity_type = kind
        if kind == EntityType.EXTERNAL:
            event.channel_id = None
            event.location = (merged["entity_metadata"] or {}).get("location")
        elif merged["channel_id"]:
            event.channel_id = int(merged["channel_id"])
            event.location = None
        self.emu.dispatch_guild_event(guild, "GUILD_SCHEDULED_EVENT_UPDATE", event.payload())
        return event.payload()

    async def delete_event(self, call: Call) -> JSON:
        guild = self._guild(call)
        event = self._event(guild, call)
        self._may_manage_event(guild, event)
        event.deleted = True
        del guild.scheduled_events[event.id]
        self.emu.dispatch_guild_event(guild, "GUILD_SCHEDULED_EVENT_DELETE", event.payload())
        return NO_CONTENT

    async def event_users(self, call: Call) -> JSON:
        guild = self._guild(call)
        event = self._event(guild, call)
        limit = int(call.query.get("limit") or 100)
        result = []
        for user_id in sorted(event.subscribers)[:limit]:
            entry: dict[str, JSON] = {
                "guild_scheduled_event_id": str(event.id),
                "user": self.emu.users[user_id].payload(),
            }
            member = guild.members.get(user_id)
            if call.query.get("with_member") and member is not None:
                entry["member"] = member.payload()
            result.append(entry)
        return result


def register_routes(emu: Emulator) -> None:
    api = RestApi(emu)
    add = emu.router.add
    add("GET", "/gateway", api.get_gateway, "none")
    add("GET", "/gateway/bot", api.get_gateway_bot)
    add("GET", "/users/@me", api.get_me, "identify")
    add("GET", "/users/@me/guilds", api.my_guilds, "guilds")
    add("POST", "/users/@me/channels", api.create_dm)
    add("GET", "/users/{user_id}", api.get_user)
    add("GET", "/oauth2/applications/@me", api.get_application)
    for base in (
        "/applications/{application_id}/commands",
        "/applications/{application_id}/guilds/{guild_id}/commands",
    ):
        add("GET", base, api.list_commands)
        add("PUT", base, api.overwrite_commands)
        add("POST", base, api.create_command)
        add("GET", base + "/{command_id}", api.get_command)
        add("PATCH", base + "/{command_id}", api.edit_command)
        add("DELETE", base + "/{command_id}", api.delete_command)
    add(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        api.interaction_callback,
        "webhook",
    )
    hook = "/webhooks/{webhook_id}/{webhook_token}"
    add("POST", hook, api.execute_webhook, "webhook")
    for suffix in ("/messages/@original", "/messages/{message_id}"):
        add("GET", hook + suffix, api.get_webhook_message, "webhook")
        add("PATCH", hook + suffix, api.edit_webhook_message, "webhook")
        add("DELETE", hook + suffix, api.delete_webhook_message, "webhook")
    channel = "/channels/{channel_id}"
    add("GET", channel, api.get_channel)
    add("PATCH", channel, api.edit_channel)
    add("GET", channel + "/messages", api.list_messages)
    add("POST", channel + "/messages", api.create_message)
    add("GET", channel + "/messages/{message_id}", api.get_message)
    add("PATCH", channel + "/messages/{message_id}", api.edit_message)
    add("DELETE", channel + "/messages/{message_id}", api.delete_message)
    reaction = channel + "/messages/{message_id}/reactions/{emoji_name}/@me"
    add("PUT", reaction, api.add_reaction)
    add("DELETE", reaction, api.remove_reaction)
    add("POST", channel + "/messages/{message_id}/threads", api.start_thread_from_message)
    add("POST", channel + "/threads", api.start_thread)
    add("GET", channel + "/threads/archived/public", api.archived_public_threads)
    add("PUT", channel + "/thread-members/@me", api.join_thread)
    add("PUT", channel + "/thread-members/{user_id}", api.add_thread_member)
    add("DELETE", channel + "/thread-members/{user_id}", api.remove_thread_member)
    add("POST", channel + "/typing", api.typing)
    guild = "/guilds/{guild_id}"
    add("GET", guild, api.get_guild)
    add("GET", guild + "/channels", api.guild_channels)
    add("GET", guild + "/threads/active", api.active_threads)
    add("GET", guild + "/members", api.list_members)
    add("GET", guild + "/members/{user_id}", api.get_member)
    add("PUT", guild + "/members/{user_id}/roles/{role_id}", api.add_member_role)
    add("DELETE", guild + "/members/{user_id}/roles/{role_id}", api.remove_member_role)
    add("GET", guild + "/roles", api.list_roles)
    events = guild + "/scheduled-events"
    add("GET", events, api.list_events)
    add("POST", events, api.create_event)
    add("GET", events + "/{guild_scheduled_event_id}", api.get_event)
    add("PATCH", events + "/{guild_scheduled_event_id}", api.edit_event)
    add("DELETE", events + "/{guild_scheduled_event_id}", api.delete_event)
    add("GET", events + "/{guild_scheduled_event_id}/users", api.event_users)


__all__ = ["RestApi", "register_routes"]
