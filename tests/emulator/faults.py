"""Switchable failures of the REST API: rate limits, server errors, refusals, slowness.

A fault matches requests by route pattern (``"POST /channels/{channel_id}/messages"``, ``"POST *"``,
``"*"``; shell-style wildcards) and optionally by a predicate on the recorded request, fires
``times`` times (``None``: until removed), and either delays the request or answers it with an
error instead of handling it. Rate limits answer exactly as Discord does (status 429,
``Retry-After``, ``X-RateLimit-*`` headers, ``Via``, body with ``retry_after`` and ``global``), and
open a window in which retrying early is refused again and counted as a violation.
"""

from __future__ import annotations

import fnmatch
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tests.emulator.errors import KNOWN_CODES, DiscordError, http_error

if TYPE_CHECKING:
    from tests.emulator.recording import RecordedRequest


def route_matches(pattern: str, method: str, template: str) -> bool:
    """``"POST /channels/*"`` matches method and route; without a method, any method matches."""
    if pattern == "*":
        return True
    key = f"{method} {template}"
    if pattern.startswith("/"):
        return fnmatch.fnmatchcase(template, pattern)
    return fnmatch.fnmatchcase(key, pattern)


@dataclass(eq=False)
class Fault:
    route: str
    status: int | None = None
    code: int | None = None
    message: str | None = None
    retry_after: float | None = None
    global_: bool = False
    scope: str = "user"
    delay: float = 0.0
    times: int | None = 1
    when: Callable[[RecordedRequest], bool] | None = None
    hits: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, record: RecordedRequest) -> bool:
        if self.exhausted or not route_matches(self.route, record.method, record.template):
            return False
        return self.when is None or self.when(record)

    def error(self) -> DiscordError | None:
        """The answer this fault gives instead of the real one (None for a pure delay)."""
        if self.status is None:
            return None
        if self.status == 429:
            return rate_limited(self.retry_after or 1.0, global_=self.global_, scope=self.scope)
        if self.code is not None:
            _status, default = KNOWN_CODES.get(self.code, (self.status, "Error"))
            return DiscordError(self.status, self.code, self.message or default)
        failure = http_error(self.status)
        if self.message:
            failure.message = self.message
        return failure


def rate_limited(
    retry_after: float, *, global_: bool = False, scope: str = "user", bucket: str = "emulated"
) -> DiscordError:
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Scope": "global" if global_ else scope,
        "Via": "1.1 google",
    }
    if global_:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers["X-RateLimit-Bucket"] = bucket
    return DiscordError(
        429,
        0,
        "You are being rate limited.",
        headers=headers,
        extra={"retry_after": round(retry_after, 3), "global": global_},
    )


class Faults:
    """The switchboard: ``discord.faults.add(...)`` and friends."""

    def __init__(self) -> None:
        self.active: list[Fault] = []

    def add(
        self,
        route: str = "*",
        *,
        status: int | None = None,
        code: int | None = None,
        message: str | None = None,
        retry_after: float | None = None,
        global_: bool = False,
        scope: str = "user",
        delay: float = 0.0,
        times: int | None = 1,
        when: Callable[[RecordedRequest], bool] | None = None,
    ) -> Fault:
        if code is not None and status is None:
            status = KNOWN_CODES[code][0]
        fault = Fault(
            route=route,
            status=status,
            code=code,
            message=message,
            retry_after=retry_after,
            global_=global_,
            scope=scope,
            delay=delay,
            times=times,
            when=when,
        )
        self.active.append(fault)
        return fault

    def rate_limit(
        self,
        route: str,
        retry_after: float = 0.5,
        *,
        global_: bool = False,
        scope: str = "user",
        times: int | None = 1,
    ) -> Fault:
        return self.add(
            route, status=429, retry_after=retry_after, global_=global_, scope=scope, times=times
        )

    def server_error(self, route: str, status: int = 500, *, times: int | None = 1) -> Fault:
        return self.add(route, status=status, times=times)

    def missing_access(self, route: str, *, times: int | None = 1) -> Fault:
        return self.add(route, code=50001, times=times)

    def missing_permissions(self, route: str, *, times: int | None = 1) -> Fault:
        return self.add(route, code=50013, times=times)

    def unknown_channel(self, route: str, *, times: int | None = 1) -> Fault:
        return self.add(route, code=10003, times=times)

    def unknown_message(self, route: str, *, times: int | None = 1) -> Fault:
        return self.add(route, code=10008, times=times)

    def slow(self, route: str, seconds: float, *, times: int | None = 1) -> Fault:
        return self.add(route, delay=seconds, times=times)

    def remove(self, fault: Fault) -> None:
        if fault in self.active:
            self.active.remove(fault)

    def clear(self) -> None:
        self.active.clear()

    def take(self, record: RecordedRequest) -> Fault | None:
        """The first matching fault, counted as hit."""
        for fault in self.active:
            if fault.matches(record):
                fault.hits += 1
                fault.requests.append(record)
                return fault
        return None
