"""Every REST request the bot made, in arrival order, with what the emulator answered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.emulator.errors import flatten_errors


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(eq=False)
class RecordedRequest:
    method: str
    template: str
    """The route as Discord documents it, e.g. ``/channels/{channel_id}/messages``."""
    path: str
    params: dict[str, str]
    query: dict[str, str]
    time: float
    """Emulated clock (seconds since the Unix epoch) when the request arrived."""
    index: int
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers, ``Authorization`` left out (its scheme is in ``auth``)."""
    auth: str | None = None
    """The scheme of the credentials: ``"Bot"``, ``"Bearer"`` (a person's OAuth2 token) or None."""
    json: Any = None
    """The JSON body (for multipart requests, the ``payload_json`` part)."""
    files: list[UploadedFile] = field(default_factory=list)
    interaction_id: int | None = None
    status: int | None = None
    response: Any = None
    error_code: int | None = None
    fault: Any = None

    @property
    def route(self) -> str:
        """``"POST /channels/{channel_id}/messages"``: what faults and ``calls()`` match on."""
        return f"{self.method} {self.template}"

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def errors(self) -> list[str]:
        """The form errors of a refused request, flattened as discord.py shows them."""
        if isinstance(self.response, dict) and "errors" in self.response:
            return flatten_errors(self.response["errors"])
        return []

    def describe(self) -> str:
        outcome = f"{self.status}"
        if isinstance(self.response, dict) and not self.ok and "message" in self.response:
            outcome += f" {self.response.get('code')} {self.response['message']}"
            if self.errors:
                outcome += " (" + "; ".join(self.errors) + ")"
        return f"#{self.index} {self.method} {self.path} -> {outcome}"
