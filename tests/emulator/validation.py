"""Request bodies and query strings checked against Discord's own OpenAPI schemas.

The limits live in the specification (content length, 10 embeds, 25 fields, 25 autocomplete choices,
100-character custom ids, 5 components per row ...), so they are read from it rather than written
out by hand: :func:`validate_body` runs a JSON Schema 2020-12 validator over the request and turns
its complaints into Discord's ``50035 Invalid Form Body`` tree. Unions (``anyOf``/``oneOf``
discriminated by a ``type`` field) are narrowed to the branch whose discriminator matched, so the
error names the field that is wrong rather than every branch that did not apply.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from tests.emulator.errors import DiscordError, form_errors

SPEC_PATH: Final = Path(__file__).resolve().parent / "spec" / "openapi-subset.json"

_STRING_OR_INTEGER_PERMISSIONS: Final = {
    "type": ["integer", "string", "null"],
    "pattern": "^[0-9]+$",
    "minimum": 0,
}

DOCUMENTED_CORRECTIONS: Final[tuple[tuple[str, tuple[str, ...], Any, str], ...]] = (
    (
        "SnowflakeType",
        ("type",),
        ["string", "integer"],
        "Discord returns snowflakes as strings but accepts integers in requests (docs: Reference, "
        "Snowflakes); discord.py sends integers for recipient_id, channel_id and attachment ids.",
    ),
    (
        "SnowflakeType",
        ("minimum",),
        0,
        "With integers accepted, a negative one is still not a snowflake.",
    ),
    (
        "MessageCreateRequest",
        ("properties", "content", "maxLength"),
        2000,
        "A bot's message content is limited to 2000 characters (the 4000 of the specification is "
        "a Nitro user's limit); docs: Message resource, Create Message, content.",
    ),
    (
        "MessageEditRequestPartial",
        ("properties", "content", "maxLength"),
        2000,
        "Same limit when a bot edits its message.",
    ),
    (
        "ApplicationCommandCreateRequest",
        ("properties", "default_member_permissions"),
        _STRING_OR_INTEGER_PERMISSIONS,
        "Permissions are documented as a string of digits (what discord.py sends); the "
        "specification only lists integers.",
    ),
    (
        "ApplicationCommandUpdateRequest",
        ("properties", "default_member_permissions"),
        _STRING_OR_INTEGER_PERMISSIONS,
        "As above, for bulk overwrites.",
    ),
    (
        "ApplicationCommandPatchRequestPartial",
        ("properties", "default_member_permissions"),
        _STRING_OR_INTEGER_PERMISSIONS,
        "As above, for edits of one command.",
    ),
)
"""(schema, key path, new value, reason): where the published documentation overrides the spec."""


@cache
def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for name, path, value, _reason in DOCUMENTED_CORRECTIONS:
        if name not in schemas:
            continue
        node = schemas[name]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = copy.deepcopy(value)
    return spec


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("uri")  # type: ignore[untyped-decorator]
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        if parts.scheme == "attachment":
            return bool(parts.netloc or parts.path)
        return parts.scheme in ("http", "https") and bool(parts.netloc)

    @checker.checks("date-time")  # type: ignore[untyped-decorator]
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True

    return checker


_FORMATS: Final = _format_checker()


def has_operation(method: str, path: str) -> bool:
    return method.lower() in load_spec()["paths"].get(path, {})


def _operation(method: str, path: str) -> dict[str, Any]:
    try:
        operation: dict[str, Any] = load_spec()["paths"][path][method.lower()]
    except KeyError:
        raise KeyError(
            f"the spec subset has no {method} {path}; add it to spec/extract.py"
        ) from None
    return operation


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    # Local "#/components/schemas/..." references resolve against the root document, so the
    # component schemas ride along under a key JSON Schema itself ignores.
    rooted = {**schema, "components": load_spec()["components"]}
    return Draft202012Validator(rooted, format_checker=_FORMATS)


@cache
def _body_validator(method: str, path: str) -> Draft202012Validator | None:
    body = _operation(method, path).get("requestBody")
    if body is None:
        return None
    return _validator(body["content"]["application/json"]["schema"])


def body_required(method: str, path: str) -> bool:
    body = _operation(method, path).get("requestBody")
    return bool(body and body.get("required"))


def validate_body(method: str, path: str, body: Any) -> None:
    """Raise Discord's 50035 if ``body`` breaks the operation's request schema."""
    validator = _body_validator(method, path)
    if validator is None:
        return
    # The same body always gets the same answer, and a bot sends the same large bodies again
    # and again (its command tree at every start: about a second of validation each time).
    key = (method, path, json.dumps(body, sort_keys=True))
    problems = _ANSWERS.get(key)
    if problems is None:
        problems = [p for error in validator.iter_errors(body) for p in _describe(error)]
        if len(_ANSWERS) >= _ANSWERS_KEPT:
            _ANSWERS.pop(next(iter(_ANSWERS)))
        _ANSWERS[key] = problems
    if problems:
        raise form_errors(problems)


_ANSWERS: Final[dict[tuple[str, str, str], list[tuple[tuple[str | int, ...], str, str]]]] = {}
"""What the schema said of each body seen (the oldest forgotten first, past ``_ANSWERS_KEPT``)."""
_ANSWERS_KEPT: Final = 4096


@cache
def _query_validators(method: str, path: str) -> dict[str, tuple[Draft202012Validator, Any]]:
    validators: dict[str, tuple[Draft202012Validator, Any]] = {}
    for parameter in _operation(method, path).get("parameters", []):
        schema = parameter["schema"]
        validators[parameter["name"]] = (_validator(schema), _resolve(schema))
    return validators


def _resolve(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = load_spec()["components"]["schemas"][name]
    return schema


def _coerce(raw: str, schema: Any) -> Any:
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind == "boolean":
        lowered = raw.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        return raw
    if kind in ("integer", "number"):
        try:
            return int(raw) if kind == "integer" else float(raw)
        except ValueError:
            return raw
    return raw


def validate_query(method: str, path: str, query: Mapping[str, str]) -> dict[str, Any]:
    """Check and convert the documented query parameters (Discord ignores unknown ones)."""
    values: dict[str, Any] = {}
    problems: list[tuple[tuple[str | int, ...], str, str]] = []
    for name, (validator, schema) in _query_validators(method, path).items():
        if name not in query:
            continue
        value = _coerce(query[name], schema)
        for error in validator.iter_errors(value):
            for error_path, code, message in _describe(error):
                problems.append(((name, *error_path), code, message))
        values[name] = value
    if problems:
        raise form_errors(problems)
    return values


# --- turning jsonschema's complaints into Discord's -----------------------------------------------


def _is_discriminator_miss(error: ValidationError) -> bool:
    """True when a union branch failed only because the value is not of that branch's kind."""
    path = list(error.relative_path)
    if not path and error.validator in ("type", "const", "enum"):
        return True
    return path == ["type"] and error.validator in ("enum", "const")


def _branches(error: ValidationError) -> list[list[ValidationError]]:
    grouped: dict[int, list[ValidationError]] = defaultdict(list)
    for sub in error.context or []:
        grouped[int(sub.relative_schema_path[0])].append(sub)
    return list(grouped.values())


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors inside the union branch the value was meant for (fewest complaints wins)."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        matching = [
            errors
            for errors in _branches(error)
            if not any(_is_discriminator_miss(sub) for sub in errors)
        ]
        if matching:
            best = min(matching, key=lambda errors: sum(1 for _ in _flat(errors)))
            for sub in best:
                yield from _leaves(sub)
            return
    yield error


def _flat(errors: list[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        if error.context:
            yield from _flat(list(error.context))
        else:
            yield error


def _discriminator_choices(error: ValidationError) -> list[Any] | None:
    """The accepted ``type`` values when no union branch has the ``type`` the request gave."""
    values: list[Any] = []
    for branch in _branches(error):
        misses = [e for e in branch if list(e.relative_path) == ["type"]]
        if not misses or misses[0].validator not in ("const", "enum"):
            return None
        value = misses[0].validator_value
        values.extend(value if isinstance(value, list) else [value])
    return sorted(set(values), key=lambda v: (type(v).__name__, v))


def _choices(error: ValidationError) -> list[Any] | None:
    """The allowed constants when a union is a list of ``const`` (Discord's enums), else None."""
    values: list[Any] = []
    for branch in _branches(error):
        if len(branch) != 1 or branch[0].validator not in ("const", "enum"):
            return None
        value = branch[0].validator_value
        values.extend(value if isinstance(value, list) else [value])
    return values


_MESSAGES: Final[Mapping[str, Callable[[ValidationError], tuple[str, str]]]] = {
    "maxLength": lambda e: (
        "BASE_TYPE_MAX_LENGTH",
        f"Must be {e.validator_value} or fewer in length.",
    ),
    "maxItems": lambda e: (
        "BASE_TYPE_MAX_LENGTH",
        f"Must be {e.validator_value} or fewer in length.",
    ),
    "maxProperties": lambda e: (
        "BASE_TYPE_MAX_LENGTH",
        f"Must be {e.validator_value} or fewer in length.",
    ),
    "minLength": lambda e: (
        "BASE_TYPE_MIN_LENGTH",
        f"Must be {e.validator_value} or more in length.",
    ),
    "minItems": lambda e: (
        "BASE_TYPE_MIN_LENGTH",
        f"Must be {e.validator_value} or more in length.",
    ),
    "minimum": lambda e: (
        "NUMBER_TYPE_MIN",
        f"int value should be greater than or equal to {e.validator_value}.",
    ),
    "maximum": lambda e: (
        "NUMBER_TYPE_MAX",
        f"int value should be less than or equal to {e.validator_value}.",
    ),
    "pattern": lambda e: ("STRING_TYPE_REGEX", "String value did not match validation regex."),
    "enum": lambda e: (
        "BASE_TYPE_CHOICES",
        f"Value must be one of {tuple(e.validator_value)!r}.",
    ),
    "const": lambda e: ("BASE_TYPE_CHOICES", f"Value must be one of ({e.validator_value!r},)."),
    "uniqueItems": lambda e: ("LIST_ITEM_VALUE_DUPLICATE", "List items must be unique."),
}

_TYPE_MESSAGES: Final[Mapping[str, tuple[str, str]]] = {
    "integer": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not int.'),
    "number": ("NUMBER_TYPE_COERCE", 'Value "{value}" is not a number.'),
    "boolean": ("BOOLEAN_TYPE_COERCE", 'Value "{value}" is not bool.'),
    "string": ("STRING_TYPE_CONVERT", 'Could not interpret "{value}" as string.'),
    "array": ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"),
    "object": ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"),
}


def _describe(error: ValidationError) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    for leaf in _leaves(error):
        path = tuple(leaf.absolute_path)
        if leaf.validator == "required":
            instance = leaf.instance if isinstance(leaf.instance, dict) else {}
            for name in leaf.validator_value:
                if name not in instance:
                    yield (*path, name), "BASE_TYPE_REQUIRED", "This field is required"
            continue
        if leaf.validator == "type":
            expected = leaf.validator_value
            first = (
                expected
                if isinstance(expected, str)
                else next((kind for kind in expected if kind != "null"), "string")
            )
            code, template = _TYPE_MESSAGES.get(first, ("BASE_TYPE_INVALID", "{value}"))
            yield path, code, template.format(value=leaf.instance)
            continue
        if leaf.validator == "format":
            if leaf.validator_value == "uri":
                yield path, "URL_TYPE_INVALID_URL", "Not a well formed URL."
            else:
                yield path, "BASE_TYPE_INVALID", f"Could not parse {leaf.instance!r}."
            continue
        describe = _MESSAGES.get(str(leaf.validator))
        if describe is not None:
            code, message = describe(leaf)
            yield path, code, message
        elif leaf.validator in ("anyOf", "oneOf"):
            kinds = _discriminator_choices(leaf)
            choices = _choices(leaf)
            if kinds:
                yield (
                    (*path, "type"),
                    "BASE_TYPE_CHOICES",
                    f"Value must be one of {tuple(kinds)!r}.",
                )
            elif choices:
                yield path, "BASE_TYPE_CHOICES", f"Value must be one of {tuple(choices)!r}."
            else:
                yield path, "UNION_TYPE_CHOICES", "Value matches none of the allowed shapes."
        else:
            yield path, "BASE_TYPE_INVALID", leaf.message


def check(method: str, path: str, body: Any) -> DiscordError | None:
    """The error for ``body``, or ``None``: convenient in tests of the validator itself."""
    try:
        validate_body(method, path, body)
    except DiscordError as exc:
        return exc
    return None


# --- answers and OAuth2 ---------------------------------------------------------------------------


@cache
def _response_validator(method: str, path: str) -> Draft202012Validator:
    responses = _operation(method, path).get("responses")
    if responses is None:
        raise KeyError(f"the spec subset keeps no answer schema for {method} {path} (RESPONSES)")
    return _validator(responses["200"]["content"]["application/json"]["schema"])


def response_problems(method: str, path: str, payload: Any) -> list[str]:
    """How the emulator's own 200 answer breaks the spec's schema (empty when it conforms).

    The emulator's tests call this on what it serves, so a web app reading ``/users/@me`` or
    ``/users/@me/guilds`` is tested against the shape Discord documents rather than our guess.
    """
    validator = _response_validator(method, path)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(payload)
    ]


@cache
def oauth2_scopes() -> frozenset[str]:
    """Every OAuth2 scope Discord knows, from the spec's security scheme."""
    flows = load_spec()["components"]["securitySchemes"]["OAuth2"]["flows"]
    return frozenset(scope for flow in flows.values() for scope in flow.get("scopes", {}))
