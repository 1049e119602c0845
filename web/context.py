"""What every page needs from the process it runs in, gathered once at start-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import WebSettings
from bot.library import Library
from bot.membership import MembershipSource
from bot.ratelimit import AttemptLimiter
from bot.search import SearchEngine
from bot.storage import Database

LOGINS_PER_MINUTE = 10


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _nothing() -> None:
    return None


@dataclass
class WebContext:
    settings: WebSettings
    db: Database
    library: Library
    engine: SearchEngine
    membership: MembershipSource
    session_key: bytes
    """The Fernet key of the session cookies (urlsafe base64, 32 bytes once decoded)."""
    reminders_changed: Callable[[], None] = _nothing
    """Wakes the bot's reminder loop when a member sets a reminder (in the bot process)."""
    clock: Callable[[], datetime] = _utc_now
    login_limiter: AttemptLimiter = field(
        default_factory=lambda: AttemptLimiter(LOGINS_PER_MINUTE, 60.0)
    )
