"""Session cookies: aiohttp-session's Fernet-encrypted storage, and who is signed in.

A session holds the signed-in user's id and name, the servers they shared with the bot at sign-in
(ids only: what the bot allows is asked again on every request), a CSRF token, and while a
sign-in is under way its OAuth ``state``, PKCE verifier and ``next`` page. No Discord token.

Sessions last :data:`SESSION_SECONDS` from the last visit: Fernet's timestamp is checked on
every request (``ttl``), and a visit renews the cookie once :data:`RENEW_AFTER` has passed.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Final

from aiohttp import web
from aiohttp_session import Session, SessionData, get_session
from aiohttp_session.cookie_storage import EncryptedCookieStorage

SESSION_SECONDS: Final = 7 * 24 * 3600
RENEW_AFTER: Final = 600
MAX_GUILDS: Final = 100
LOST_KEY: Final = "web.session_lost"


class LenientCookieStorage(EncryptedCookieStorage):
    """Notes on the request when a cookie came but could not be read (forged or expired), so
    pages can say "sign in again" instead of silently treating the visitor as new."""

    async def load_session(self, request: web.Request) -> Session:
        session = await super().load_session(request)
        if session.new and self.load_cookie(request) is not None:
            request[LOST_KEY] = True
        return session

    def _get_session_data(self, session: Session) -> SessionData:
        # aiohttp-session expires a session max_age after it was *created*; counting from the
        # last save instead makes the expiry slide with each visit (Fernet's own ttl does too).
        data = super()._get_session_data(session)
        if data:
            data["created"] = int(time.time())
        return data


@dataclass(frozen=True, slots=True)
class SignedIn:
    user_id: int
    name: str
    guild_ids: tuple[int, ...]
    csrf: str


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def signed_in(request: web.Request) -> SignedIn | None:
    """The member signed in with this request's cookie, renewing the sliding expiry."""
    session = await get_session(request)
    user_id = _int(session.get("uid"))
    csrf = session.get("csrf")
    if user_id is None or not isinstance(csrf, str):
        return None
    raw_guilds = session.get("guilds")
    guilds = tuple(
        g for g in (raw_guilds if isinstance(raw_guilds, list) else []) if _int(g) is not None
    )
    seen = _int(session.get("seen")) or 0
    now = int(time.time())
    if now - seen >= RENEW_AFTER:
        session["seen"] = now  # a change: the cookie is encrypted again with a fresh timestamp
    return SignedIn(user_id, str(session.get("name", "")), guilds, csrf)


def session_lost(request: web.Request) -> bool:
    return bool(request.get(LOST_KEY))


async def begin(
    request: web.Request,
    user_id: int,
    name: str,
    guild_ids: list[int],
    locale: str | None = None,
) -> None:
    """Sign in: a new session (and so a new CSRF token) for this user."""
    session = await get_session(request)
    session.clear()  # nothing of the anonymous visit (a sign-in under way) carries over
    session.update(
        {
            "uid": user_id,
            "name": name[:100],
            "guilds": guild_ids[:MAX_GUILDS],
            "csrf": secrets.token_urlsafe(32),
            "seen": int(time.time()),
            "locale": (locale or "")[:16],
        }
    )


async def end(request: web.Request) -> None:
    session = await get_session(request)
    session.invalidate()


async def flash(request: web.Request, text: str | None = None) -> str:
    """Set (with ``text``) or take the one-line notice shown on the page after a change: a
    POST redirects (303) and the page it lands on says what happened."""
    session = await get_session(request)
    if text is not None:
        session["flash"] = text[:300]
        return text
    taken = session.pop("flash", "")
    return taken if isinstance(taken, str) else ""
