"""Discord's OAuth2 authorization code grant, so a web app can sign people in against the emulator.

Discord's side of "Sign in with Discord", as a web app sees it:

* ``GET /oauth2/authorize`` (on the site root, like ``discord.com/oauth2/authorize``) checks the
  request before showing anything: an unknown ``client_id``, a ``redirect_uri`` that is not
  registered for the application, an unknown ``scope``, a ``response_type`` other than ``code``
  or a PKCE method other than ``S256`` get an error page and no redirect, since redirecting would
  hand a code to whoever forged the link. A valid request gets a consent page listing every person
  the emulator knows, a button "Authorize as NAME" each and "Cancel".
* Authorize: ``302 redirect_uri?code=...&state=...``. Cancel: ``302
  redirect_uri?error=access_denied&error_description=...&state=...``. Tests without a browser do
  the same with :meth:`OAuth.approve` and :meth:`OAuth.deny`, which return the redirect URL.
* ``POST /api/v10/oauth2/token`` (form-encoded; client credentials by HTTP Basic or in the form):
  a code works once and for ten minutes of the emulator's clock, only for the client it was issued
  to, with the ``redirect_uri`` of the authorize step and, when the authorize step carried a
  ``code_challenge``, the ``code_verifier`` whose SHA-256 it is. A code presented twice also
  revokes the tokens issued for it (RFC 6749, section 4.1.2). Refusals use OAuth's error shape,
  ``{"error", "error_description"}``: ``invalid_client`` (401), ``invalid_grant``,
  ``invalid_request``, ``unsupported_grant_type`` (400).
* The access token is a bearer token for ``GET /users/@me`` (scope ``identify``) and ``GET
  /users/@me/guilds`` (scope ``guilds``) until it expires (``expires_in``, a week) or is revoked
  (``POST /oauth2/token/revoke``); a refresh token gives a new pair once.

Every step is recorded in ``discord.requests`` (``GET /oauth2/authorize``, ``POST
/oauth2/token``...), with the client secret replaced by ``[redacted]``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import html
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from tests.emulator.errors import DiscordError, EmulatorError
from tests.emulator.models import Member, User
from tests.emulator.recording import RecordedRequest
from tests.emulator.validation import oauth2_scopes

if TYPE_CHECKING:
    from tests.emulator.server import Emulator

CODE_LIFETIME: Final = 10 * 60
"""Seconds an authorization code stays valid (RFC 6749 recommends at most ten minutes)."""

TOKEN_LIFETIME: Final = 7 * 24 * 3600
"""Discord's ``expires_in`` for an access token: 604800 seconds."""

_PKCE_VERIFIER: Final = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_PKCE_CHALLENGE: Final = re.compile(r"^[A-Za-z0-9\-_]{43}$")
REDACTED: Final = "[redacted]"


class OAuthPageError(Exception):
    """An authorize request Discord shows an error page for instead of redirecting."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OAuthError(Exception):
    """A refusal of the token endpoint, in OAuth's shape."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class AuthorizeRequest:
    """An authorize request that passed Discord's checks."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    prompt: str | None

    def as_query(self) -> dict[str, str]:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scopes),
        }
        if self.state is not None:
            query["state"] = self.state
        if self.code_challenge is not None:
            query["code_challenge"] = self.code_challenge
            query["code_challenge_method"] = "S256"
        if self.prompt is not None:
            query["prompt"] = self.prompt
        return query


@dataclass(eq=False)
class Grant:
    """An authorization code, what it was issued for, and the tokens it gave."""

    code: str
    user: User
    request: AuthorizeRequest
    issued_at: float
    used: bool = False
    tokens: list[AccessToken] = field(default_factory=list)


@dataclass(eq=False)
class AccessToken:
    access_token: str
    refresh_token: str
    user: User
    scopes: tuple[str, ...]
    expires_at: float
    revoked: bool = False

    def usable(self, now: float) -> bool:
        return not self.revoked and now < self.expires_at


def _with_query(uri: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def pkce_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier: unpadded base64url of its SHA-256 (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class OAuth:
    """The application's OAuth2 side: credentials, redirect URIs, codes and tokens."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.client_id = str(emu.application_id)
        self.client_secret = secrets.token_urlsafe(24)
        self.redirect_uris: list[str] = []
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, AccessToken] = {}
        self._refresh: dict[str, AccessToken] = {}
        self.denials = 0
        self.last_shown: AuthorizeRequest | None = None
        """The last authorize request whose consent page was served (to a browser or client)."""

    def register_redirect_uri(self, uri: str) -> None:
        """What an operator types in the Developer Portal (OAuth2 > Redirects)."""
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise EmulatorError(f"Discord refuses {uri!r} as a redirect URI")
        if uri not in self.redirect_uris:
            self.redirect_uris.append(uri)

    # --- the authorize step -----------------------------------------------------------------------

    def check_authorize(self, query: Mapping[str, str]) -> AuthorizeRequest:
        """Discord's checks before it shows the consent screen (OAuthPageError when refused)."""
        client_id = query.get("client_id")
        if not client_id:
            raise OAuthPageError("Missing client_id: the link does not name an application.")
        if client_id != self.client_id:
            raise OAuthPageError(f"Unknown application: client_id {client_id!r}.")
        response_type = query.get("response_type")
        if response_type != "code":
            raise OAuthPageError(f"Unsupported response_type {response_type!r} (use code).")
        redirect_uri = query.get("redirect_uri")
        if redirect_uri is None and len(self.redirect_uris) == 1:
            redirect_uri = self.redirect_uris[0]
        if redirect_uri not in self.redirect_uris:
            raise OAuthPageError(f"Invalid OAuth2 redirect_uri {redirect_uri!r}.")
        assert redirect_uri is not None
        scopes = tuple(query.get("scope", "").split())
        if not scopes:
            raise OAuthPageError("Invalid scope: no scope requested.")
        unknown = [s for s in scopes if s not in oauth2_scopes()]
        if unknown:
            raise OAuthPageError(f"Invalid scope: {' '.join(unknown)}.")
        challenge = query.get("code_challenge")
        method = query.get("code_challenge_method")
        if challenge is not None or method is not None:
            if method != "S256":
                raise OAuthPageError(f"Unsupported code_challenge_method {method!r} (use S256).")
            if challenge is None or not _PKCE_CHALLENGE.match(challenge):
                raise OAuthPageError("Invalid code_challenge (43 characters of base64url).")
        prompt = query.get("prompt")
        if prompt is not None and prompt not in ("consent", "none"):
            raise OAuthPageError(f"Invalid prompt {prompt!r} (consent or none).")
        return AuthorizeRequest(
            client_id, redirect_uri, scopes, query.get("state"), challenge, prompt
        )

    def people(self) -> list[User]:
        """Who can consent on the emulated consent page: every person in a server, bots aside."""
        seen: dict[int, User] = {}
        for guild in self.emu.guilds.values():
            for member in guild.members.values():
                if not member.user.bot:
                    seen.setdefault(member.user.id, member.user)
        return list(seen.values())

    def _issue_code(self, user: User, request: AuthorizeRequest) -> str:
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(code, user, request, self.emu.clock.now())
        self.emu.notify()
        return code

    def approve_request(self, user: User, request: AuthorizeRequest) -> str:
        query = {"code": self._issue_code(user, request)}
        if request.state is not None:
            query["state"] = request.state
        return _with_query(request.redirect_uri, query)

    def deny_request(self, request: AuthorizeRequest) -> str:
        self.denials += 1
        query = {
            "error": "access_denied",
            "error_description": "The resource owner or authorization server denied the request",
        }
        if request.state is not None:
            query["state"] = request.state
        return _with_query(request.redirect_uri, query)

    def _parse(self, authorize_url: str) -> AuthorizeRequest:
        parts = urlsplit(authorize_url)
        if parts.path.rstrip("/") not in ("/oauth2/authorize", "/api/oauth2/authorize"):
            raise EmulatorError(f"{authorize_url!r} is not Discord's authorize URL")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        self._record("GET", "/oauth2/authorize", parts.path, query)
        return self.check_authorize(query)

    def approve(self, who: User | Member | str, authorize_url: str | None = None) -> str:
        """``who`` clicks "Authorize" on the consent page of ``authorize_url`` (what the web app
        redirected to; by default the consent page last served); returns the URL Discord
        redirects the browser to, with the code."""
        user = self._user(who)
        return self.approve_request(user, self._pending(authorize_url))

    def deny(self, authorize_url: str | None = None) -> str:
        """The person clicks "Cancel": the redirect URL carrying ``error=access_denied``."""
        return self.deny_request(self._pending(authorize_url))

    def _pending(self, authorize_url: str | None) -> AuthorizeRequest:
        if authorize_url is not None:
            return self._parse(authorize_url)
        if self.last_shown is None:
            raise EmulatorError("no consent page was served: pass the authorize URL")
        return self.last_shown

    def _user(self, who: User | Member | str) -> User:
        if isinstance(who, Member):
            return who.user
        if isinstance(who, User):
            return who
        return self.emu.user(who)

    # --- the token endpoint -----------------------------------------------------------------------

    def _client(self, form: Mapping[str, str], authorization: str | None) -> None:
        client_id = form.get("client_id")
        secret = form.get("client_secret")
        if authorization is not None and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError("invalid_client", "Malformed Basic credentials.", 401) from None
            client_id, _, secret = decoded.partition(":")
        if not client_id:
            raise OAuthError("invalid_client", "No client credentials.", 401)
        if client_id != self.client_id or not secrets.compare_digest(
            (secret or "").encode(), self.client_secret.encode()
        ):
            raise OAuthError("invalid_client", "Invalid client credentials.", 401)

    def exchange(self, form: Mapping[str, str], authorization: str | None = None) -> dict[str, Any]:
        """The token endpoint's answer to ``form`` (raises OAuthError as Discord refuses)."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", 'Missing "grant_type" in request.')
        self._client(form, authorization)
        if grant_type == "authorization_code":
            return self._exchange_code(form)
        if grant_type == "refresh_token":
            return self._refresh_token(form)
        raise OAuthError("unsupported_grant_type", f'Unsupported grant type "{grant_type}".')

    def _exchange_code(self, form: Mapping[str, str]) -> dict[str, Any]:
        code = form.get("code")
        if not code:
            raise OAuthError("invalid_request", 'Missing "code" in request.')
        grant = self.grants.get(code)
        if grant is None or grant.request.client_id != self.client_id:
            raise OAuthError("invalid_grant", 'Invalid "code" in request.')
        if grant.used:
            for token in grant.tokens:
                token.revoked = True
            raise OAuthError("invalid_grant", 'Invalid "code" in request.')
        if self.emu.clock.now() - grant.issued_at > CODE_LIFETIME:
            raise OAuthError("invalid_grant", 'Invalid "code" in request.')
        if form.get("redirect_uri") != grant.request.redirect_uri:
            raise OAuthError("invalid_grant", 'Invalid "redirect_uri" in request.')
        challenge = grant.request.code_challenge
        if challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                raise OAuthError("invalid_request", 'Missing "code_verifier" in request.')
            if not _PKCE_VERIFIER.match(verifier) or not secrets.compare_digest(
                pkce_challenge(verifier), challenge
            ):
                raise OAuthError("invalid_grant", 'Invalid "code_verifier" in request.')
        grant.used = True
        token = self._mint(grant.user, grant.request.scopes)
        grant.tokens.append(token)
        return self._token_body(token)

    def _refresh_token(self, form: Mapping[str, str]) -> dict[str, Any]:
        refresh = form.get("refresh_token")
        if not refresh:
            raise OAuthError("invalid_request", 'Missing "refresh_token" in request.')
        old = self._refresh.pop(refresh, None)
        if old is None or old.revoked:
            raise OAuthError("invalid_grant", 'Invalid "refresh_token" in request.')
        old.revoked = True
        return self._token_body(self._mint(old.user, old.scopes))

    def _mint(self, user: User, scopes: tuple[str, ...]) -> AccessToken:
        token = AccessToken(
            access_token=secrets.token_urlsafe(24),
            refresh_token=secrets.token_urlsafe(24),
            user=user,
            scopes=scopes,
            expires_at=self.emu.clock.now() + TOKEN_LIFETIME,
        )
        self.tokens[token.access_token] = token
        self._refresh[token.refresh_token] = token
        return token

    @staticmethod
    def _token_body(token: AccessToken) -> dict[str, Any]:
        return {
            "access_token": token.access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "refresh_token": token.refresh_token,
            "scope": " ".join(token.scopes),
        }

    def revoke(self, form: Mapping[str, str], authorization: str | None = None) -> None:
        self._client(form, authorization)
        value = form.get("token")
        if not value:
            raise OAuthError("invalid_request", 'Missing "token" in request.')
        token = self.tokens.get(value) or self._refresh.get(value)
        if token is not None:
            token.revoked = True

    def bearer(self, value: str) -> AccessToken | None:
        """The live token behind ``Authorization: Bearer value``, or None."""
        token = self.tokens.get(value)
        if token is None or not token.usable(self.emu.clock.now()):
            return None
        return token

    # --- HTTP -------------------------------------------------------------------------------------

    def routes(self, app: web.Application, api_prefix: str) -> None:
        app.router.add_get("/oauth2/authorize", self._authorize_page)
        app.router.add_post("/oauth2/authorize", self._authorize_decision)
        for prefix in (api_prefix, "/api"):
            app.router.add_post(prefix + "/oauth2/token", self._token)
            app.router.add_post(prefix + "/oauth2/token/revoke", self._revoke)

    def _record(
        self, method: str, template: str, path: str, query: Mapping[str, str]
    ) -> RecordedRequest:
        record = RecordedRequest(
            method=method,
            template=template,
            path=path,
            params={},
            query=dict(query),
            time=self.emu.clock.now(),
            index=len(self.emu.requests),
        )
        self.emu.requests.append(record)
        return record

    async def _authorize_page(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        record = self._record("GET", "/oauth2/authorize", request.path, query)
        try:
            checked = self.check_authorize(query)
        except OAuthPageError as refused:
            return self._page(record, 400, "Authorization failed", _error_body(refused.message))
        self.last_shown = checked
        return self._page(record, 200, "Authorize access", self._consent_body(checked))

    async def _authorize_decision(self, request: web.Request) -> web.StreamResponse:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        record = self._record("POST", "/oauth2/authorize", request.path, {})
        record.json = form
        try:
            checked = self.check_authorize(form)
        except OAuthPageError as refused:
            return self._page(record, 400, "Authorization failed", _error_body(refused.message))
        if form.get("action") == "cancel":
            location = self.deny_request(checked)
        else:
            user_id = form.get("user_id", "")
            user = next((u for u in self.people() if str(u.id) == user_id), None)
            if user is None:
                return self._page(
                    record, 400, "Authorization failed", _error_body("Choose who consents.")
                )
            location = self.approve_request(user, checked)
        record.status = 302
        record.response = {"location": location}
        self.emu.notify()
        raise web.HTTPFound(location)

    def _page(
        self, record: RecordedRequest, status: int, title: str, body: str
    ) -> web.StreamResponse:
        record.status = status
        self.emu.notify()
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)} | Discord (emulated)</title>"
            "<style>body{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}"
            "ul.people{list-style:none;padding:0}"
            "button{min-height:2.75rem;min-width:6rem;margin:.25rem 0;font-size:1rem}</style>"
            "</head>"
            f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
        )
        return web.Response(status=status, text=page, content_type="text/html")

    def _consent_body(self, checked: AuthorizeRequest) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in checked.as_query().items()
        )
        buttons = "".join(
            f'<li><button type="submit" name="user_id" value="{u.id}">'
            f"Authorize as {html.escape(u.global_name or u.username)}</button></li>"
            for u in self.people()
        )
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in checked.scopes)
        return (
            f"<p>{html.escape(self.emu.application_name)} wants to access your account.</p>"
            f"<p>Scopes requested:</p><ul>{scopes}</ul>"
            f'<form method="post" action="/oauth2/authorize">{hidden}'
            f'<ul class="people">{buttons}</ul>'
            '<button type="submit" name="action" value="cancel">Cancel</button></form>'
        )

    async def _form(self, request: web.Request) -> dict[str, str]:
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthError(
                "invalid_request", "The body must be application/x-www-form-urlencoded."
            )
        return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}

    async def _token(self, request: web.Request) -> web.StreamResponse:
        return await self._token_endpoint(request, "/oauth2/token", revoke=False)

    async def _revoke(self, request: web.Request) -> web.StreamResponse:
        return await self._token_endpoint(request, "/oauth2/token/revoke", revoke=True)

    async def _token_endpoint(
        self, request: web.Request, template: str, *, revoke: bool
    ) -> web.StreamResponse:
        record = self._record("POST", template, request.path, dict(request.query))
        record.headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        status, payload = 200, {}
        try:
            form = await self._form(request)
            record.json = {k: (REDACTED if k == "client_secret" else v) for k, v in form.items()}
            fault = self.emu.faults.take(record)
            if fault is not None:
                record.fault = fault
                if fault.delay:
                    await asyncio.sleep(fault.delay)
                failure = fault.error()
                if failure is not None:
                    raise failure
            if revoke:
                self.revoke(form, request.headers.get("Authorization"))
            else:
                payload = self.exchange(form, request.headers.get("Authorization"))
        except OAuthError as refused:
            status, payload = refused.status, refused.body()
        except DiscordError as failure:
            status, payload = failure.status, failure.body()
        record.status = status
        record.response = payload
        self.emu.notify()
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="discord"'
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=headers)


def _error_body(message: str) -> str:
    return f'<p role="alert">{html.escape(message)}</p>'
