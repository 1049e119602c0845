"""Cut the part of Discord's OpenAPI specification that the emulator serves out of the full file.

The full specification is over a megabyte and changes often; the emulator only needs the operations
it implements and the schemas their request bodies and query parameters refer to. Carrying that
subset in the repository keeps the tests independent of anything outside it, and regenerating it
from a newer specification is one command::

    .venv/bin/python tests/emulator/spec/extract.py /path/to/discord-api-spec/specs/openapi.json

The output is written next to this script as ``openapi-subset.json``. Nothing is edited: where
Discord's published documentation and the specification disagree, the emulator corrects the loaded
schema in memory (``tests/emulator/validation.py``, ``DOCUMENTED_CORRECTIONS``) so the difference
stays visible.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "openapi-subset.json"

OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/gateway"),
    ("get", "/gateway/bot"),
    ("get", "/users/@me"),
    ("get", "/users/{user_id}"),
    ("post", "/users/@me/channels"),
    ("get", "/users/@me/guilds"),
    ("get", "/oauth2/applications/@me"),
    ("get", "/applications/{application_id}/commands"),
    ("put", "/applications/{application_id}/commands"),
    ("post", "/applications/{application_id}/commands"),
    ("get", "/applications/{application_id}/commands/{command_id}"),
    ("patch", "/applications/{application_id}/commands/{command_id}"),
    ("delete", "/applications/{application_id}/commands/{command_id}"),
    ("get", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("put", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("post", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("get", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"),
    ("patch", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"),
    ("delete", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"),
    ("post", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("post", "/webhooks/{webhook_id}/{webhook_token}"),
    ("get", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("delete", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("get", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("delete", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("get", "/channels/{channel_id}"),
    ("patch", "/channels/{channel_id}"),
    ("get", "/channels/{channel_id}/messages"),
    ("post", "/channels/{channel_id}/messages"),
    ("get", "/channels/{channel_id}/messages/{message_id}"),
    ("patch", "/channels/{channel_id}/messages/{message_id}"),
    ("delete", "/channels/{channel_id}/messages/{message_id}"),
    ("put", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"),
    ("delete", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me"),
    ("post", "/channels/{channel_id}/messages/{message_id}/threads"),
    ("post", "/channels/{channel_id}/threads"),
    ("get", "/channels/{channel_id}/threads/archived/public"),
    ("put", "/channels/{channel_id}/thread-members/@me"),
    ("put", "/channels/{channel_id}/thread-members/{user_id}"),
    ("delete", "/channels/{channel_id}/thread-members/{user_id}"),
    ("post", "/channels/{channel_id}/typing"),
    ("get", "/guilds/{guild_id}"),
    ("get", "/guilds/{guild_id}/channels"),
    ("get", "/guilds/{guild_id}/threads/active"),
    ("get", "/guilds/{guild_id}/members"),
    ("get", "/guilds/{guild_id}/members/{user_id}"),
    ("put", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("delete", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"),
    ("get", "/guilds/{guild_id}/roles"),
    ("get", "/guilds/{guild_id}/scheduled-events"),
    ("post", "/guilds/{guild_id}/scheduled-events"),
    ("get", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"),
    ("patch", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"),
    ("delete", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"),
    ("get", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users"),
)
"""(method, path) of every operation the emulator implements, spelled as in the specification."""

RESPONSES: tuple[tuple[str, str], ...] = (
    ("get", "/users/@me"),
    ("get", "/users/@me/guilds"),
)
"""Operations whose 200 answer schema is kept too: the answers a web app signing people in with
Discord reads (the user, their servers), so the emulator's tests check them against the spec."""

SECURITY_SCHEMES: tuple[str, ...] = ("OAuth2",)
"""The OAuth2 scheme carries the authorize and token URLs and the list of scopes Discord knows,
which the emulator's authorize step checks a ``scope`` parameter against."""

_SCHEMA_PREFIX = "#/components/schemas/"


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _closure(spec: dict[str, Any], roots: list[Any]) -> dict[str, Any]:
    """Every component schema reachable through ``$ref`` from ``roots``."""
    schemas: dict[str, Any] = spec["components"]["schemas"]
    found: dict[str, Any] = {}
    pending = [ref for root in roots for ref in _refs(root)]
    while pending:
        ref = pending.pop()
        if not ref.startswith(_SCHEMA_PREFIX):
            raise SystemExit(f"unsupported $ref {ref!r}: only component schemas are followed")
        name = ref[len(_SCHEMA_PREFIX) :]
        if name in found:
            continue
        found[name] = schemas[name]
        pending.extend(_refs(schemas[name]))
    return dict(sorted(found.items()))


def extract(spec: dict[str, Any], source: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    roots: list[Any] = []
    for method, path in OPERATIONS:
        try:
            operation = spec["paths"][path][method]
        except KeyError:
            raise SystemExit(f"the specification has no {method.upper()} {path}") from None
        kept: dict[str, Any] = {"operationId": operation["operationId"]}
        parameters = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
        if parameters:
            kept["parameters"] = parameters
            roots.append(parameters)
        body = operation.get("requestBody")
        if body is not None:
            # Only the JSON form: multipart requests carry the same object in ``payload_json``.
            kept["requestBody"] = {
                "required": body.get("required", False),
                "content": {"application/json": body["content"]["application/json"]},
            }
            roots.append(kept["requestBody"])
        if (method, path) in RESPONSES:
            ok = operation["responses"]["200"]["content"]["application/json"]
            kept["responses"] = {"200": {"content": {"application/json": ok}}}
            roots.append(ok)
        paths.setdefault(path, {})[method] = kept
    return {
        "openapi": spec["openapi"],
        "info": {
            "title": spec["info"].get("title", "Discord HTTP API"),
            "version": spec["info"].get("version"),
            "x-extracted-from": source,
        },
        "paths": paths,
        "components": {
            "schemas": _closure(spec, roots),
            "securitySchemes": {
                name: spec["components"]["securitySchemes"][name] for name in SECURITY_SCHEMES
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path, help="Discord's openapi.json (API v10)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    raw = args.spec.read_bytes()
    source = (
        f"discord/discord-api-spec specs/openapi.json, sha256 {hashlib.sha256(raw).hexdigest()}"
    )
    subset = extract(json.loads(raw), source)
    args.output.write_text(json.dumps(subset, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    operations = sum(len(methods) for methods in subset["paths"].values())
    schemas = len(subset["components"]["schemas"])
    print(f"wrote {args.output}: {operations} operations, {schemas} schemas", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
