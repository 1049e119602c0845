"""The schema subset, the corrections Discord's documentation makes, and the unwritten rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.errors import DiscordError, flatten_errors
from tests.emulator.rules import check_commands, check_message, embed_length
from tests.emulator.spec import extract
from tests.emulator.validation import (
    DOCUMENTED_CORRECTIONS,
    SPEC_PATH,
    check,
    validate_query,
)

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


def raw_subset() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return data


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.add(node["$ref"])
        for value in node.values():
            found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def complaints(method: str, path: str, body: Any) -> list[str]:
    failure = check(method, path, body)
    assert failure is not None, "the body was accepted"
    assert (failure.status, failure.code) == (400, 50035)
    return flatten_errors(failure.errors)


def test_the_subset_holds_exactly_the_extracted_operations() -> None:
    subset = raw_subset()
    held = {(m, p) for p, methods in subset["paths"].items() for m in methods}
    assert held == set(extract.OPERATIONS)


def test_every_reference_in_the_subset_resolves_inside_it() -> None:
    subset = raw_subset()
    names = set(subset["components"]["schemas"])
    wanted = {ref.rsplit("/", 1)[-1] for ref in refs(subset)}
    assert wanted <= names


def test_extraction_keeps_operations_and_follows_references() -> None:
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}
    paths: dict[str, dict[str, Any]] = {"/not/served": {"get": {"operationId": "other"}}}
    answer = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/C"}}}}
    for method, path in extract.OPERATIONS:
        paths.setdefault(path, {})[method] = {
            "operationId": path,
            "requestBody": body,
            "responses": {"200": answer},
        }
    oauth2 = {"type": "oauth2", "flows": {"implicit": {"scopes": {"identify": "you"}}}}
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "10"},
        "paths": paths,
        "components": {
            "schemas": {
                "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                "B": {"type": "string"},
                "C": {"type": "boolean"},
                "Unused": {"type": "integer"},
            },
            "securitySchemes": {"OAuth2": oauth2, "BotToken": {"type": "apiKey"}},
        },
    }
    subset = extract.extract(spec, "synthetic")
    # C is reached only through the answers kept for RESPONSES.
    assert set(subset["components"]["schemas"]) == {"A", "B", "C"}
    assert subset["components"]["securitySchemes"] == {"OAuth2": oauth2}
    assert set(subset["paths"]["/users/@me/guilds"]["get"]) == {
        "operationId",
        "requestBody",
        "responses",
    }
    assert "responses" not in subset["paths"]["/gateway"]["get"]
    assert "/not/served" not in subset["paths"]
    assert subset["info"]["x-extracted-from"] == "synthetic"


@pytest.mark.parametrize(("schema", "path", "_value", "_reason"), DOCUMENTED_CORRECTIONS)
def test_each_documented_correction_still_targets_the_spec(
    schema: str, path: tuple[str, ...], _value: object, _reason: str
) -> None:
    node = raw_subset()["components"]["schemas"][schema]
    for key in path[:-1]:
        node = node[key]
    assert isinstance(node, dict)


def test_content_is_limited_to_a_bots_2000_characters_everywhere() -> None:
    assert check("POST", "/channels/{channel_id}/messages", {"content": "x" * 2000}) is None
    for method, path, body in [
        ("POST", "/channels/{channel_id}/messages", {"content": "x" * 2001}),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", {"content": "x" * 2001}),
        ("POST", "/webhooks/{webhook_id}/{webhook_token}", {"content": "x" * 2001}),
    ]:
        assert complaints(method, path, body) == ["content: Must be 2000 or fewer in length."]


def test_union_errors_name_the_field_of_the_branch_that_was_meant() -> None:
    assert complaints("POST", CALLBACK, {"type": 99}) == [
        "type: Value must be one of (1, 4, 5, 6, 7, 8, 9, 12, 13)."
    ]
    mentions = {"type": 4, "data": {"allowed_mentions": {"parse": ["all"]}}}
    assert complaints("POST", CALLBACK, mentions) == [
        "data.allowed_mentions.parse.0: Value must be one of ('users', 'roles', 'everyone')."
    ]
    button = {
        "type": 7,
        "data": {
            "components": [{"type": 1, "components": [{"type": 2, "style": 9, "custom_id": "x"}]}]
        },
    }
    assert complaints("POST", CALLBACK, button) == [
        "data.components.0.components.0.style: Value must be one of (1, 2, 3, 4, 5, 6)."
    ]


def test_a_modal_needs_a_title_and_at_most_45_characters_of_it() -> None:
    modal = {"type": 9, "data": {"custom_id": "m", "components": [{"type": 10, "content": "hi"}]}}
    assert complaints("POST", CALLBACK, modal) == ["data.title: This field is required"]
    modal["data"]["title"] = "t" * 46  # type: ignore[index]
    assert complaints("POST", CALLBACK, modal) == ["data.title: Must be 45 or fewer in length."]


def test_documented_query_parameters_are_converted_and_checked() -> None:
    assert validate_query("POST", CALLBACK, {"with_response": "1", "other": "x"}) == {
        "with_response": True
    }
    with pytest.raises(DiscordError) as bad:
        validate_query("GET", "/channels/{channel_id}/messages", {"limit": "0"})
    assert flatten_errors(bad.value.errors) == [
        "limit: int value should be greater than or equal to 1."
    ]


def rule_errors(body: dict[str, Any], **kwargs: Any) -> list[str]:
    with pytest.raises(DiscordError) as refused:
        check_message(body, creating=kwargs.pop("creating", True), **kwargs)
    return flatten_errors(refused.value.errors)


def row(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def button(label: str, custom_id: str | None = None, **extra: Any) -> dict[str, Any]:
    found = {"type": 2, "style": 1, "label": label, **extra}
    if custom_id is not None:
        found["custom_id"] = custom_id
    return found


def test_embeds_share_six_thousand_characters() -> None:
    embed = {
        "title": "t" * 10,
        "description": "d" * 20,
        "fields": [{"name": "n" * 3, "value": "v" * 4}],
        "footer": {"text": "f" * 5},
        "author": {"name": "a" * 6},
    }
    assert embed_length(embed) == 48
    check_message({"embeds": [{"description": "d" * 3000}] * 2}, creating=True)
    assert rule_errors({"embeds": [{"description": "d" * 3000}] * 2 + [{"title": "x"}]}) == [
        "embeds: Embed size exceeds maximum size of 6000"
    ]


def test_component_rules_beyond_the_schema() -> None:
    assert rule_errors({"components": [row(button("A", "same"), button("B", "same"))]}) == [
        "components.0.components.1.custom_id: Component custom id cannot be duplicated"
    ]
    assert rule_errors({"components": [row(button("A"))]}) == [
        "components.0.components.0.custom_id: This field is required"
    ]
    link = button("Docs", "x", style=5)
    assert rule_errors({"components": [row(link)]}) == [
        "components.0.components.0.url: This field is required",
        "components.0.components.0.custom_id: A link button cannot have a custom id",
    ]
    select = {"type": 3, "custom_id": "pick", "options": [{"label": "a", "value": "a"}]}
    assert rule_errors({"components": [row(select, button("B", "b"))]}) == [
        "components.0.components: The specified component exceeds the maximum width"
    ]
    rows = [row(button(str(n), str(n))) for n in range(6)]
    assert rule_errors({"components": rows}) == ["components: Must be 5 or fewer in length."]
    text = {"type": 10, "content": "hello"}
    assert "IS_COMPONENTS_V2" in rule_errors({"components": [text]})[0]
    check_message({"components": [text], "flags": 1 << 15}, creating=True)
    assert rule_errors({"components": [text], "flags": 1 << 15, "content": "hi"}) == [
        "content: The 'content' field cannot be used when using MessageFlags.IS_COMPONENTS_V2"
    ]


def test_allowed_mentions_parse_and_lists_exclude_each_other() -> None:
    body = {"content": "hi", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}
    assert rule_errors(body) == [
        'allowed_mentions: parse:["users"] and users: [ids...] are mutually exclusive.'
    ]


def test_an_empty_message_is_refused_but_an_empty_edit_is_not() -> None:
    with pytest.raises(DiscordError) as empty:
        check_message({"content": ""}, creating=True)
    assert (empty.value.status, empty.value.code) == (400, 50006)
    check_message({"content": ""}, creating=False)
    check_message({}, creating=True, has_files=True)


def test_command_definitions_follow_discords_naming_and_order_rules() -> None:
    def errors(commands: list[dict[str, Any]]) -> list[str]:
        with pytest.raises(DiscordError) as refused:
            check_commands(commands)
        return flatten_errors(refused.value.errors)

    good = {"name": "quote", "description": "Quote", "type": 1}
    check_commands([good])
    assert errors([good, good]) == ["1.name: Application command names must be unique (quote)"]
    assert errors([{**good, "name": "Quote"}]) == ["0.name: Command name is invalid"]
    options = [
        {"name": "a", "description": "a", "type": 3},
        {"name": "b", "description": "b", "type": 3, "required": True},
    ]
    assert errors([{**good, "options": options}]) == [
        "0.options.1.required: Required options must be placed before non-required options"
    ]


def test_snowflakes_follow_the_emulated_clock() -> None:
    from tests.emulator.clock import Clock, Snowflakes, snowflake_time

    clock = Clock()
    ids = Snowflakes(clock)
    first = ids.next()
    assert abs(snowflake_time(first) - clock.now()) < 1
    clock.advance(3600)
    later = ids.next()
    assert later > first and snowflake_time(later) - snowflake_time(first) >= 3599
    with pytest.raises(ValueError):
        clock.advance(-1)
