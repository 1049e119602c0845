"""Discord's error answers, and the exceptions the test API raises.

Discord answers a rejected REST request with a status and a JSON body ``{"code", "message"}``, plus
``"errors"`` for form validation (50035), a tree that mirrors the request with ``_errors`` lists at
the leaves. discord.py flattens that tree into ``HTTPException.text``, so the emulator produces the
same shape and a bot's error handling sees what it would see in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

JSON = Any

KNOWN_CODES: Final[Mapping[int, tuple[int, str]]] = {
    10003: (404, "Unknown Channel"),
    10004: (404, "Unknown Guild"),
    10007: (404, "Unknown Member"),
    10008: (404, "Unknown Message"),
    10011: (404, "Unknown Role"),
    10013: (404, "Unknown User"),
    10014: (404, "Unknown Emoji"),
    10015: (404, "Unknown Webhook"),
    10062: (404, "Unknown interaction"),
    10063: (404, "Unknown application command"),
    10070: (404, "Unknown Guild Scheduled Event"),
    40005: (413, "Request entity too large"),
    40060: (400, "Interaction has already been acknowledged."),
    50001: (403, "Missing Access"),
    50005: (403, "Cannot edit a message authored by another user"),
    50006: (400, "Cannot send an empty message"),
    50007: (403, "Cannot send messages to this user"),
    50008: (400, "Cannot send messages in a non-text channel"),
    50013: (403, "Missing Permissions"),
    50024: (400, "Cannot execute action on this channel type"),
    50027: (401, "Invalid Webhook Token"),
    50035: (400, "Invalid Form Body"),
    50083: (400, "Operation cannot be performed on an archived thread"),
    50109: (400, "The request body contains invalid JSON."),
    160002: (403, "Cannot reply without permission to read message history"),
    160004: (400, "A thread has already been created for this message"),
}
"""Discord's JSON error codes the emulator answers with: code -> (HTTP status, message)."""


class DiscordError(Exception):
    """A REST request Discord would refuse; becomes the HTTP answer."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: JSON | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, JSON] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, JSON]:
        body: dict[str, JSON] = {"message": self.message, "code": self.code, **self.extra}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def error(code: int, message: str | None = None) -> DiscordError:
    """The error Discord answers with for a known JSON error code."""
    status, default = KNOWN_CODES[code]
    return DiscordError(status, code, message or default)


def http_error(status: int) -> DiscordError:
    """Errors without a JSON code: Discord answers ``{"message": "404: Not Found", "code": 0}``."""
    reasons = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return DiscordError(status, 0, f"{status}: {reasons.get(status, 'Error')}")


def form_error(path: tuple[str | int, ...], code: str, message: str) -> DiscordError:
    """A 50035 Invalid Form Body naming one field."""
    return form_errors([(path, code, message)])


def form_errors(problems: list[tuple[tuple[str | int, ...], str, str]]) -> DiscordError:
    tree: dict[str, JSON] = {}
    for path, code, message in problems:
        node = tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    status, default = KNOWN_CODES[50035]
    return DiscordError(status, 50035, default, errors=tree)


def flatten_errors(errors: JSON, prefix: str = "") -> list[str]:
    """``["data.content: Must be 2000 or fewer in length."]``, as discord.py would print them."""
    lines: list[str] = []
    if not isinstance(errors, dict):
        return lines
    for key, value in errors.items():
        if key == "_errors":
            lines.extend(f"{prefix or '<body>'}: {item['message']}" for item in value)
        else:
            lines.extend(flatten_errors(value, f"{prefix}.{key}" if prefix else key))
    return lines


class EmulatorError(Exception):
    """The test used the emulator in a way it cannot honour (say, no bot is connected)."""


class ClientRefused(EmulatorError):
    """Discord's own client would not let the person do this (say, click a disabled button)."""


class NoResponse(AssertionError):
    """The bot did not answer in time; the message says what it did instead."""
