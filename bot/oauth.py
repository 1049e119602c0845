"""Signing members in with Discord: OAuth2's authorization code flow with PKCE (RFC 7636).

The web app sends the browser to Discord's authorize page with a random ``state`` and the S256
challenge of a random verifier, both kept in the member's encrypted session cookie; the callback
checks the state, then :func:`sign_in` trades the code (with the verifier and the client secret)
for an access token, asks Discord once who the user is and which servers they are in, and drops
the token: nothing that could act for the user is ever stored.

Plain HTTP through aiohttp's client, not discord.py: the web app may run in a process of its own.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp

from bot.config import WebSettings
from bot.errors import BotError
from bot.i18n import _

SCOPES: Final = "identify guilds"
STATE_BYTES: Final = 32
VERIFIER_BYTES: Final = 48
"""64 characters once base64url-encoded: RFC 7636 wants 43 to 128."""
TIMEOUT: Final = aiohttp.ClientTimeout(total=10)
MAX_GUILDS: Final = 200
"""Discord returns at most 200 servers a page, which is also its cap for a user."""


class SignInFailed(BotError):
    """Discord refused the code or could not be reached; the member should start again."""


@dataclass(frozen=True, slots=True)
class LoginStart:
    """What ``/login`` keeps in the session and where it sends the browser."""

    state: str
    verifier: str
    url: str


@dataclass(frozen=True, slots=True)
class GuildRef:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Identity:
    """Who signed in, and the servers Discord says they are in (as of the sign-in)."""

    user_id: int
    name: str
    guilds: tuple[GuildRef, ...]
    locale: str | None = None
    """The language of their Discord client (``de``, ``es-ES``): the web pages speak it."""


def s256_challenge(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(verifier))) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start_login(web: WebSettings) -> LoginStart:
    """A fresh state and verifier, and the authorize URL that carries them."""
    state = secrets.token_urlsafe(STATE_BYTES)
    verifier = secrets.token_urlsafe(VERIFIER_BYTES)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": web.client_id,
            "scope": SCOPES,
            "redirect_uri": web.redirect_uri,
            "state": state,
            "code_challenge": s256_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in web.authorize_url else "?"
    return LoginStart(state, verifier, f"{web.authorize_url}{separator}{query}")


def same_state(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison, and never equal when either side is missing."""
    if not expected or not given:
        return False
    return secrets.compare_digest(expected.encode(), given.encode())


async def sign_in(
    web: WebSettings, code: str, verifier: str, *, session: aiohttp.ClientSession | None = None
) -> Identity:
    """Exchange the code, read the user and their servers, forget the token."""
    own = session is None
    http = session or aiohttp.ClientSession(timeout=TIMEOUT)
    try:
        token = await _exchange(http, web, code, verifier)
        headers = {"Authorization": f"Bearer {token}"}
        user = await _get(http, f"{web.api_base}/users/@me", headers)
        guilds = await _get(http, f"{web.api_base}/users/@me/guilds?limit={MAX_GUILDS}", headers)
        del token, headers  # used once, kept nowhere
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        # ValueError: a body that is not JSON (a proxy's error page).
        raise SignInFailed(_("Discord could not be reached to sign you in. Try again.")) from exc
    finally:
        if own:
            await http.close()
    try:
        name = str(user.get("global_name") or user["username"])
        refs = tuple(GuildRef(int(g["id"]), str(g.get("name", ""))) for g in guilds)
        locale = user.get("locale")
        return Identity(int(user["id"]), name, refs, str(locale) if locale else None)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SignInFailed(_("Discord's answer was not understood. Try signing in again.")) from exc


async def _exchange(http: aiohttp.ClientSession, web: WebSettings, code: str, verifier: str) -> str:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": web.redirect_uri,
        "code_verifier": verifier,
    }
    # RFC 6749 §2.3.1: the client id and secret by HTTP Basic authentication.
    basic = aiohttp.encode_basic_auth(web.client_id, web.client_secret.get_secret_value())
    headers = {"Authorization": basic}
    async with http.post(f"{web.api_base}/oauth2/token", data=form, headers=headers) as response:
        if response.status != 200:
            # Discord says why (invalid_grant: a used or expired code); the body may echo
            # nothing secret, but it is not shown either: the member only needs to start again.
            raise SignInFailed("That sign-in link was already used or has expired. Sign in again.")
        payload: Any = await response.json(content_type=None)
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token:
        raise SignInFailed("Discord's answer was not understood. Try signing in again.")
    return token


async def _get(http: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> Any:
    async with http.get(url, headers=headers) as response:
        if response.status != 200:
            raise SignInFailed("Discord did not say who you are. Try signing in again.")
        return await response.json(content_type=None)
