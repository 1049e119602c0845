"""What a person's actions become: INTERACTION_CREATE payloads, and waiting for the bot's answer.

The payloads are built the way Discord builds them, from the *synced* command definitions: a test
that passes an option the command does not declare, leaves out a required one, or picks a value
outside its choices gets :class:`ClientRefused`, because Discord's client would not send it either.
"""

# The test API bounds every wait with a ``timeout`` argument so a silent bot fails with an
# explanation (NoResponse) instead of a bare TimeoutError from an outer asyncio.timeout().
# ruff: noqa: ASYNC109

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tests.emulator.errors import ClientRefused, EmulatorError, NoResponse
from tests.emulator.models import (
    Attachment,
    Channel,
    Command,
    Interaction,
    Member,
    Message,
    Role,
    User,
)
from tests.emulator.permissions import Permission as P
from tests.emulator.recording import RecordedRequest

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

JSON = Any

SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = (
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
)
SELECT_TYPES = {3, 5, 6, 7, 8}


class InteractionResult:
    """The bot's answer to one interaction, kept live: edits and follow-ups show up as they come."""

    def __init__(self, emu: Emulator, interaction: Interaction) -> None:
        self._emu = emu
        self.interaction = interaction
        # Edits counted by wait_for_edit start after the answer; for a deferred update (6) the
        # edit *is* the answer, so they count from the click.
        message = interaction.original or interaction.message
        if interaction.response_type == 6:
            self._edits_seen = interaction.history_at_dispatch
        else:
            self._edits_seen = len(message.history) if message is not None else 0

    def __repr__(self) -> str:
        return (
            f"<InteractionResult id={self.interaction.id} type={self.interaction.type} "
            f"response_type={self.response_type}>"
        )

    @property
    def response_type(self) -> int | None:
        """4 message, 5 deferred message, 6 deferred update, 7 update, 8 choices, 9 modal."""
        return self.interaction.response_type

    @property
    def deferred(self) -> bool:
        return self.response_type in (5, 6)

    @property
    def message(self) -> Message:
        """The original response (or, for 6 and 7, the message the component was on)."""
        message = self.interaction.original
        if message is None:
            raise EmulatorError(f"the bot answered with type {self.response_type}, not a message")
        return message

    @property
    def ephemeral(self) -> bool:
        return self.message.ephemeral

    @property
    def content(self) -> str:
        return self.message.content

    @property
    def embeds(self) -> list[JSON]:
        return self.message.embeds

    @property
    def embed(self) -> JSON:
        return self.message.embed

    @property
    def components(self) -> list[JSON]:
        return self.message.components

    @property
    def attachments(self) -> list[Attachment]:
        return self.message.attachments

    @property
    def flags(self) -> int:
        return self.message.flags

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def modal(self) -> JSON:
        """The modal the bot opened (``custom_id``, ``title``, ``components``), or ``None``."""
        return self.interaction.modal

    @property
    def choices(self) -> list[JSON] | None:
        return self.interaction.choices

    @property
    def followups(self) -> list[Message]:
        return list(self.interaction.followups)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request the bot made with this interaction's id or token, in order."""
        return [r for r in self._emu.requests if r.interaction_id == self.interaction.id]

    async def wait_for_followups(self, count: int = 1, timeout: float = 10.0) -> list[Message]:
        await self._emu.wait_for(
            lambda: len(self.interaction.followups) >= count,
            timeout=timeout,
            what=f"{count} follow-up(s) to interaction {self.interaction.id}",
        )
        return self.followups

    async def wait_for_rejection(self, timeout: float = 10.0) -> RecordedRequest:
        """Wait until Discord refused one of the bot's answers to this interaction; that request."""
        await self._emu.wait_for(
            lambda: bool(self.interaction.rejected),
            timeout=timeout,
            what=f"Discord to refuse an answer to interaction {self.interaction.id}",
        )
        return self.interaction.rejected[0]

    async def wait_for_edit(self, timeout: float = 10.0) -> Message:
        """Wait until the response message is edited after the answer (or deleted).

        After a deferred update (type 6) the edit that follows the click counts, even if it
        landed before this call.
        """
        message = self.message
        seen = self._edits_seen
        await self._emu.wait_for(
            lambda: len(message.history) > seen or message.deleted,
            timeout=timeout,
            what=f"an edit of message {message.id}",
        )
        self._edits_seen = len(message.history)
        return message


# --- building payloads ----------------------------------------------------------------------------


def _token() -> str:
    return "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)


def _dispatch(
    emu: Emulator,
    member: Member,
    channel: Channel,
    kind: int,
    data: JSON,
    *,
    locale: str,
    command: Command | None = None,
    message: Message | None = None,
) -> Interaction:
    guild = member.guild
    session = emu.gateway.current_session(guild.id)
    if session is None:
        raise EmulatorError("the bot has no gateway session: await discord.wait_for_ready() first")
    if emu.bot_user.id not in guild.members:
        raise ClientRefused(f"the bot is not in {guild.name}")
    granted = member.permissions_in(channel)
    if not granted & P.VIEW_CHANNEL:
        raise ClientRefused(f"{member.name} cannot see #{channel.name}")
    interaction_id = emu.snowflakes.next()
    token = _token()
    payload: dict[str, JSON] = {
        "id": str(interaction_id),
        "application_id": str(emu.application_id),
        "type": kind,
        "data": data,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
        "channel_id": str(channel.id),
        "channel": {**channel.payload(), "permissions": str(granted)},
        "member": {**member.payload(), "permissions": str(granted)},
        "token": token,
        "version": 1,
        "app_permissions": str(guild.permissions_in(emu.bot_user.id, channel)),
        "locale": locale,
        "guild_locale": guild.preferred_locale,
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": guild.attachment_size_limit,
    }
    if message is not None:
        payload["message"] = message.payload()
    interaction = Interaction(
        history_at_dispatch=len(message.history) if message is not None else 0,
        id=interaction_id,
        token=token,
        type=kind,
        user=member.user,
        guild_id=guild.id,
        channel_id=channel.id,
        payload=payload,
        created_at=emu.clock.now(),
        command=command,
        message=message,
    )
    emu.register_interaction(interaction)
    emu.gateway.dispatch("INTERACTION_CREATE", payload, guild_id=guild.id, only=session)
    emu.notify()
    return interaction


def find_command(emu: Emulator, member: Member, name: str) -> Command:
    guild = member.guild
    candidates = [*emu.commands.get(guild.id, []), *emu.commands.get(None, [])]
    for command in candidates:
        if command.type == 1 and command.name == name:
            return command
    synced = sorted({c.name for c in candidates})
    raise ClientRefused(f"/{name} is not a command in {guild.name}; synced: {synced}")


def _check_visible(command: Command, member: Member, channel: Channel) -> None:
    contexts = command.contexts
    if contexts is not None and 0 not in contexts:
        raise ClientRefused(f"/{command.name} cannot be used in servers")
    granted = member.permissions_in(channel)
    if not granted & P.USE_APPLICATION_COMMANDS:
        raise ClientRefused(f"{member.name} may not use application commands in #{channel.name}")
    required = command.default_member_permissions
    if required is not None and command.name not in member.guild.opened_commands:
        base = member.permissions
        if required == 0 and not base & P.ADMINISTRATOR:
            raise ClientRefused(f"/{command.name} is disabled for everyone but administrators")
        if required & ~base and not base & P.ADMINISTRATOR:
            missing = [p.name for p in P if required & p and not base & p]
            raise ClientRefused(f"{member.name} cannot see /{command.name}: it needs {missing}")


def _subcommand_path(
    command: Command, path: Sequence[str], data: dict[str, JSON]
) -> tuple[list[JSON], list[JSON]]:
    """Walk ``/group sub`` into the data tree; returns (where options go, their definitions)."""
    target: list[JSON] = []
    data["options"] = target
    definitions = command.options
    for word in path:
        found = next(
            (
                d
                for d in definitions
                if d.get("name") == word and d.get("type") in (SUBCOMMAND, GROUP)
            ),
            None,
        )
        if found is None:
            names = [d.get("name") for d in definitions if d.get("type") in (SUBCOMMAND, GROUP)]
            raise ClientRefused(f"/{command.name} has no subcommand {word!r}; it has {names}")
        entry: dict[str, JSON] = {"name": word, "type": found["type"], "options": []}
        target.append(entry)
        target = entry["options"]
        definitions = found.get("options") or []
    if any(d.get("type") in (SUBCOMMAND, GROUP) for d in definitions):
        names = [d.get("name") for d in definitions]
        raise ClientRefused(f"/{command.name} {' '.join(path)} needs a subcommand: {names}")
    return target, definitions


def _check_choice(definition: JSON, value: Any) -> None:
    choices = definition.get("choices")
    if choices and value not in [c.get("value") for c in choices]:
        offered = [c.get("value") for c in choices]
        raise ClientRefused(f"{definition['name']} must be one of {offered}, not {value!r}")


def _option_value(
    emu: Emulator,
    member: Member,
    definition: JSON,
    value: Any,
    resolved: dict[str, dict[str, JSON]],
) -> Any:
    kind = definition.get("type")
    name = definition.get("name")
    guild = member.guild
    if kind == STRING:
        if not isinstance(value, str):
            raise ClientRefused(f"{name} takes text, not {value!r}")
        low, high = definition.get("min_length"), definition.get("max_length")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ClientRefused(f"{name} must be {low}-{high} characters long")
        _check_choice(definition, value)
        return value
    if kind in (INTEGER, NUMBER):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ClientRefused(f"{name} takes a number, not {value!r}")
        if kind == INTEGER and not isinstance(value, int):
            raise ClientRefused(f"{name} takes a whole number, not {value!r}")
        low, high = definition.get("min_value"), definition.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ClientRefused(f"{name} must be between {low} and {high}")
        _check_choice(definition, value)
        return value
    if kind == BOOLEAN:
        if not isinstance(value, bool):
            raise ClientRefused(f"{name} takes True or False, not {value!r}")
        return value
    if kind in (USER, MENTIONABLE) and isinstance(value, Member | User):
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        target = guild.members.get(user.id)
        if target is not None:
            entry = target.payload()
            entry.pop("user", None)
            entry["permissions"] = str(target.permissions)
            resolved.setdefault("members", {})[str(user.id)] = entry
        return str(user.id)
    if kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if kind == CHANNEL and isinstance(value, Channel):
        allowed = definition.get("channel_types")
        if allowed and int(value.type) not in allowed:
            raise ClientRefused(f"{name} does not accept #{value.name} (type {int(value.type)})")
        entry = value.payload()
        entry["permissions"] = str(member.permissions_in(value))
        resolved.setdefault("channels", {})[str(value.id)] = entry
        return str(value.id)
    if kind == ATTACHMENT and isinstance(value, tuple) and len(value) == 2:
        filename, data = value
        attachment_id = emu.snowflakes.next()
        attachment = Attachment(
            attachment_id,
            str(filename),
            bytes(data),
            None,
            f"{emu.base_url}/attachments/0/{attachment_id}/{filename}",
        )
        resolved.setdefault("attachments", {})[str(attachment_id)] = attachment.payload()
        return str(attachment_id)
    raise ClientRefused(f"{name} (option type {kind}) cannot take {value!r}")


def _build_options(
    emu: Emulator,
    member: Member,
    command: Command,
    definitions: list[JSON],
    given: Mapping[str, Any],
    resolved: dict[str, dict[str, JSON]],
    *,
    partial: bool = False,
) -> list[JSON]:
    known = {d.get("name") for d in definitions}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ClientRefused(
            f"/{command.name} has no option {unknown}; its options are {sorted(known)}"
        )
    built: list[JSON] = []
    for definition in definitions:
        name = definition.get("name")
        if name not in given:
            if definition.get("required") and not partial:
                raise ClientRefused(f"/{command.name} needs the option {name!r}")
            continue
        value = _option_value(emu, member, definition, given[name], resolved)
        built.append({"name": name, "type": definition["type"], "value": value})
    return built


def _command_data(
    emu: Emulator,
    member: Member,
    channel: Channel,
    text: str,
    options: Mapping[str, Any],
    *,
    focused: tuple[str, str] | None = None,
) -> tuple[Command, dict[str, JSON]]:
    words = text.strip().lstrip("/").split()
    if not words:
        raise EmulatorError("say which command to run, e.g. '/search'")
    command = find_command(emu, member, words[0])
    _check_visible(command, member, channel)
    data: dict[str, JSON] = {"id": str(command.id), "name": command.name, "type": 1}
    if command.guild_id is not None:
        data["guild_id"] = str(command.guild_id)
    target, definitions = _subcommand_path(command, words[1:], data)
    resolved: dict[str, dict[str, JSON]] = {}
    given = dict(options)
    focus_definition: JSON = None
    if focused is not None:
        focus_name, _typed = focused
        focus_definition = next((d for d in definitions if d.get("name") == focus_name), None)
        if focus_definition is None:
            raise ClientRefused(f"/{command.name} has no option {focus_name!r}")
        if not focus_definition.get("autocomplete"):
            raise ClientRefused(f"option {focus_name!r} of /{command.name} has no autocomplete")
        given.pop(focus_name, None)
    target.extend(
        _build_options(
            emu, member, command, definitions, given, resolved, partial=focused is not None
        )
    )
    if focused is not None and focus_definition is not None:
        target.append(
            {
                "name": focused[0],
                "type": focus_definition["type"],
                "value": focused[1],
                "focused": True,
            }
        )
    if not data["options"]:
        del data["options"]
    if resolved:
        data["resolved"] = resolved
    return command, data


def _explain(emu: Emulator, interaction: Interaction, timeout: float, since: int) -> str:
    what = (
        f"/{interaction.command.name}"
        if interaction.command
        else f"interaction type {interaction.type}"
    )
    lines = [f"the bot did not answer {what} (interaction {interaction.id}) within {timeout:.1f}s"]
    if interaction.response_type == 5:
        lines[0] = (
            f"the bot deferred {what} but never sent the deferred message within {timeout:.1f}s"
        )
    if interaction.rejected:
        lines.append("Discord refused the bot's answers:")
        lines.extend("  " + r.describe() for r in interaction.rejected)
    later = emu.requests[since:]
    lines.append("requests since the interaction was dispatched:")
    lines.extend("  " + r.describe() for r in later) if later else lines.append("  (none)")
    return "\n".join(lines)


async def _await_answer(
    emu: Emulator, interaction: Interaction, timeout: float, since: int
) -> InteractionResult:
    def answered() -> bool:
        if interaction.response_type is None:
            return False
        if interaction.response_type == 5:
            return interaction.original is not None and not interaction.original.loading
        return True

    try:
        await emu.wait_for(answered, timeout=timeout, what="the bot's answer")
    except NoResponse:
        raise NoResponse(_explain(emu, interaction, timeout, since)) from None
    return InteractionResult(emu, interaction)


async def run_command(
    emu: Emulator,
    member: Member,
    text: str,
    options: Mapping[str, Any],
    *,
    channel: Channel | None,
    timeout: float,
    wait: bool,
    locale: str | None,
) -> InteractionResult:
    channel = channel or member.guild.default_channel
    command, data = _command_data(emu, member, channel, text, options)
    since = len(emu.requests)
    interaction = _dispatch(
        emu, member, channel, 2, data, locale=locale or member.user.locale, command=command
    )
    if not wait:
        return InteractionResult(emu, interaction)
    return await _await_answer(emu, interaction, timeout, since)


async def run_autocomplete(
    emu: Emulator,
    member: Member,
    text: str,
    option: str,
    typed: str,
    options: Mapping[str, Any],
    *,
    channel: Channel | None,
    timeout: float,
) -> list[JSON]:
    channel = channel or member.guild.default_channel
    command, data = _command_data(emu, member, channel, text, options, focused=(option, typed))
    since = len(emu.requests)
    interaction = _dispatch(
        emu, member, channel, 4, data, locale=member.user.locale, command=command
    )
    result = await _await_answer(emu, interaction, timeout, since)
    return list(result.choices or [])


def _target_message(member: Member, target: Message | InteractionResult) -> Message:
    message = target.message if isinstance(target, InteractionResult) else target
    if message.deleted:
        raise ClientRefused(f"message {message.id} was deleted")
    if message.ephemeral and message.interaction_metadata is not None:
        owner = message.interaction_metadata.get("user", {}).get("id")
        if owner != str(member.id):
            raise ClientRefused(f"{member.name} cannot see someone else's ephemeral message")
    return message


async def click_button(
    emu: Emulator,
    member: Member,
    target: Message | InteractionResult,
    label: str | None,
    *,
    custom_id: str | None,
    timeout: float,
    wait: bool,
) -> InteractionResult:
    message = _target_message(member, target)
    if label is None and custom_id is None:
        raise EmulatorError("say which button: a label or custom_id=")
    button = message.find_component(label, custom_id=custom_id, type=2)
    if button is None:
        raise ClientRefused(
            f"no button {label or custom_id!r} on message {message.id}; "
            f"it has {message.button_labels}"
        )
    if button.get("disabled"):
        raise ClientRefused(f"the button {label or custom_id!r} is disabled")
    if button.get("style") in (5, 6):
        raise ClientRefused(f"the button {label or custom_id!r} opens a link, not an interaction")
    channel = emu.channels[message.channel_id]
    data = {"custom_id": button["custom_id"], "component_type": 2}
    since = len(emu.requests)
    # Discord sends the clicker's own client language, whoever's message the button is on.
    interaction = _dispatch(
        emu, member, channel, 3, data, locale=member.user.locale, message=message
    )
    if not wait:
        return InteractionResult(emu, interaction)
    return await _await_answer(emu, interaction, timeout, since)


async def choose_in_select(
    emu: Emulator,
    member: Member,
    target: Message | InteractionResult,
    values: Sequence[str],
    *,
    placeholder: str | None,
    custom_id: str | None,
    timeout: float,
) -> InteractionResult:
    message = _target_message(member, target)
    menu = next(
        (
            c
            for c in message.all_components()
            if c.get("type") == 3
            and (placeholder is None or c.get("placeholder") == placeholder)
            and (custom_id is None or c.get("custom_id") == custom_id)
        ),
        None,
    )
    if menu is None:
        raise ClientRefused(f"no string select menu on message {message.id}")
    if menu.get("disabled"):
        raise ClientRefused("the select menu is disabled")
    offered = [o.get("value") for o in menu.get("options") or []]
    wrong = [v for v in values if v not in offered]
    if wrong:
        raise ClientRefused(f"{wrong} are not options of the menu; it offers {offered}")
    low, high = menu.get("min_values", 1), menu.get("max_values", 1)
    if not low <= len(values) <= high:
        raise ClientRefused(f"pick between {low} and {high} options")
    channel = emu.channels[message.channel_id]
    data = {"custom_id": menu["custom_id"], "component_type": 3, "values": list(values)}
    since = len(emu.requests)
    interaction = _dispatch(
        emu, member, channel, 3, data, locale=member.user.locale, message=message
    )
    return await _await_answer(emu, interaction, timeout, since)


def _submitted(component: JSON, values: dict[str, Any], label: str | None) -> JSON:
    custom_id = component.get("custom_id")
    kind = component.get("type")
    key = custom_id if custom_id in values else label if label in values else None
    raw = values.pop(key) if key is not None else None
    if kind == 4:
        value = str(raw) if raw is not None else str(component.get("value") or "")
        if component.get("required", True) and not value:
            raise ClientRefused(f"the field {label or custom_id!r} is required")
        low, high = component.get("min_length"), component.get("max_length")
        if value and (
            (low is not None and len(value) < low) or (high is not None and len(value) > high)
        ):
            raise ClientRefused(f"the field {label or custom_id!r} takes {low}-{high} characters")
        return {"type": 4, "id": component.get("id"), "custom_id": custom_id, "value": value}
    if kind in SELECT_TYPES:
        chosen = list(raw) if raw is not None else []
        return {"type": kind, "id": component.get("id"), "custom_id": custom_id, "values": chosen}
    return {"type": kind, "id": component.get("id")}


def _fill(components: Sequence[JSON], values: dict[str, Any]) -> list[JSON]:
    filled: list[JSON] = []
    for component in components:
        kind = component.get("type")
        if kind == 1:
            filled.append(
                {
                    "type": 1,
                    "id": component.get("id"),
                    "components": _fill(component.get("components") or [], values),
                }
            )
        elif kind == 18:
            inner = component.get("component") or {}
            filled.append(
                {
                    "type": 18,
                    "id": component.get("id"),
                    "component": _submitted(inner, values, component.get("label")),
                }
            )
        elif kind == 10:
            filled.append({"type": 10, "id": component.get("id")})
        else:
            filled.append(_submitted(component, values, component.get("label")))
    return filled


async def submit_modal(
    emu: Emulator,
    member: Member,
    opened: InteractionResult,
    values: Mapping[str, Any],
    *,
    timeout: float,
) -> InteractionResult:
    modal = opened.modal
    if modal is None:
        raise EmulatorError("the bot did not open a modal for this interaction")
    remaining = dict(values)
    components = _fill(modal.get("components") or [], remaining)
    if remaining:
        raise ClientRefused(f"the modal {modal.get('title')!r} has no field {sorted(remaining)}")
    channel = emu.channels[opened.interaction.channel_id]
    data = {"custom_id": modal["custom_id"], "components": components}
    since = len(emu.requests)
    interaction = _dispatch(
        emu, member, channel, 5, data, locale=member.user.locale, message=opened.interaction.message
    )
    return await _await_answer(emu, interaction, timeout, since)
