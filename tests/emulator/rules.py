"""Discord's rules that no schema states: sums, exclusions and cross-field conditions.

Each rule is documented by Discord (message and component reference pages, application command
naming) and answered the way Discord answers it, as a 50035 form error naming the field or as a
plain JSON error code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from tests.emulator.errors import error, form_errors

EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7
SUPPRESS_EMBEDS: Final = 1 << 2
SUPPRESS_NOTIFICATIONS: Final = 1 << 12
COMPONENTS_V2: Final = 1 << 15

EMBED_TOTAL_LIMIT: Final = 6000
LEGACY_ROW_LIMIT: Final = 5
V2_COMPONENT_LIMIT: Final = 40
SELECT_TYPES: Final = frozenset({3, 5, 6, 7, 8})

_NAME: Final = re.compile(r"^[-_'\w]{1,32}$")

Problem = tuple[tuple[str | int, ...], str, str]


def embed_length(embed: dict[str, Any]) -> int:
    """The characters Discord counts towards the 6000 of a message's embeds."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for field in embed.get("fields") or []:
        total += len(field.get("name") or "") + len(field.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def walk_components(
    components: Sequence[Any], path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every component, nested ones included (rows, containers, sections' accessories, labels)."""
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            continue
        here = (*path, index)
        yield here, component
        children = component.get("components")
        if isinstance(children, list):
            yield from walk_components(children, (*here, "components"))
        for key in ("accessory", "component"):
            child = component.get(key)
            if isinstance(child, dict):
                yield (*here, key), child
                grand = child.get("components")
                if isinstance(grand, list):
                    yield from walk_components(grand, (*here, key, "components"))


def _component_problems(
    components: Sequence[Any], flags: int, body: dict[str, Any], prefix: tuple[str | int, ...]
) -> list[Problem]:
    problems: list[Problem] = []
    at = (*prefix, "components")
    if flags & COMPONENTS_V2:
        for field in ("content", "embeds"):
            if body.get(field):
                problems.append(
                    (
                        (*prefix, field),
                        "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                        f"The '{field}' field cannot be used when using "
                        "MessageFlags.IS_COMPONENTS_V2",
                    )
                )
        if sum(1 for _ in walk_components(components)) > V2_COMPONENT_LIMIT:
            problems.append(
                (at, "BASE_TYPE_MAX_LENGTH", f"Must be {V2_COMPONENT_LIMIT} or fewer in length.")
            )
    else:
        if len(components) > LEGACY_ROW_LIMIT:
            problems.append(
                (at, "BASE_TYPE_MAX_LENGTH", f"Must be {LEGACY_ROW_LIMIT} or fewer in length.")
            )
        for index, component in enumerate(components):
            if isinstance(component, dict) and component.get("type") != 1:
                problems.append(
                    (
                        (*at, index, "type"),
                        "UNION_TYPE_CHOICES",
                        'Value of field "type" must be one of (1,): other top-level components '
                        "need the IS_COMPONENTS_V2 flag.",
                    )
                )
    seen: dict[str, tuple[str | int, ...]] = {}
    for path, component in walk_components(components, at):
        kind = component.get("type")
        custom_id = component.get("custom_id")
        if kind == 1:
            children = component.get("components") or []
            if any(c.get("type") in SELECT_TYPES for c in children) and len(children) > 1:
                problems.append(
                    (
                        (*path, "components"),
                        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                        "The specified component exceeds the maximum width",
                    )
                )
        if kind == 2:
            style = component.get("style")
            if style == 5:
                if not component.get("url"):
                    problems.append(
                        ((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
                    )
                if custom_id is not None:
                    problems.append(
                        (
                            (*path, "custom_id"),
                            "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                            "A link button cannot have a custom id",
                        )
                    )
            elif style != 6 and not custom_id:
                problems.append(
                    ((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
                )
            if style != 6 and not component.get("label") and not component.get("emoji"):
                problems.append(
                    (
                        (*path, "label"),
                        "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                        "A button needs a label or an emoji",
                    )
                )
        if kind in SELECT_TYPES and not custom_id:
            problems.append(((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
        if isinstance(custom_id, str):
            if custom_id in seen:
                problems.append(
                    (
                        (*path, "custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            seen[custom_id] = path
    return problems


def check_message(
    body: dict[str, Any],
    *,
    prefix: tuple[str | int, ...] = (),
    creating: bool,
    has_files: bool = False,
    existing_flags: int = 0,
) -> None:
    """Raise what Discord answers to a message body that passes the schema but breaks a rule."""
    problems: list[Problem] = []
    embeds = body.get("embeds") or []
    if sum(embed_length(e) for e in embeds if isinstance(e, dict)) > EMBED_TOTAL_LIMIT:
        problems.append(
            (
                (*prefix, "embeds"),
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_LIMIT}",
            )
        )
    flags = (body.get("flags") or 0) | existing_flags
    components = body.get("components")
    if components:
        problems.extend(_component_problems(components, flags, body, prefix))
    mentions = body.get("allowed_mentions")
    if isinstance(mentions, dict):
        parse = mentions.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and mentions.get(kind):
                problems.append(
                    (
                        (*prefix, "allowed_mentions"),
                        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                        f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                    )
                )
    if problems:
        raise form_errors(problems)
    if creating and not (
        body.get("content")
        or embeds
        or components
        or body.get("sticker_ids")
        or body.get("poll")
        or has_files
    ):
        raise error(50006)


def _option_problems(options: Sequence[Any], path: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    names: set[str] = set()
    optional_seen = False
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = (*path, index)
        name = option.get("name", "")
        if not _NAME.match(name) or name != name.lower():
            problems.append(
                ((*here, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            )
        if name in names:
            problems.append(
                (
                    (*here, "name"),
                    "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            )
        names.add(name)
        if not option.get("description"):
            problems.append(
                ((*here, "description"), "BASE_TYPE_REQUIRED", "This field is required")
            )
        kind = option.get("type")
        if kind in (1, 2):
            problems.extend(_option_problems(option.get("options") or [], (*here, "options")))
            if kind == 2 and any(o.get("type") != 1 for o in option.get("options") or []):
                problems.append(
                    (
                        (*here, "options"),
                        "APPLICATION_COMMAND_OPTION_TYPE_INVALID",
                        "A subcommand group may only contain subcommands",
                    )
                )
            continue
        if option.get("required"):
            if optional_seen:
                problems.append(
                    (
                        (*here, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            optional_seen = True
        if option.get("autocomplete") and option.get("choices"):
            problems.append(
                (
                    (*here, "autocomplete"),
                    "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                    "Autocomplete cannot be set for options with choices",
                )
            )
    return problems


def check_commands(commands: Sequence[Any]) -> None:
    """Bulk-overwrite rules: unique names per type, valid names, option order and shape."""
    problems: list[Problem] = []
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        kind = command.get("type") or 1
        name = command.get("name", "")
        if (kind, name) in seen:
            problems.append(
                (
                    (index, "name"),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique ({name})",
                )
            )
        seen.add((kind, name))
        if kind == 1:
            if not _NAME.match(name) or name != name.lower():
                problems.append(
                    ((index, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
                )
            if not command.get("description"):
                problems.append(
                    ((index, "description"), "BASE_TYPE_REQUIRED", "This field is required")
                )
            problems.extend(_option_problems(command.get("options") or [], (index, "options")))
    if problems:
        raise form_errors(problems)
