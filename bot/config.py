"""Configuration from the environment and ``.env``, validated once at start-up.

All defaults are declared here, in one place, so the README's table and the code cannot drift apart
without a test noticing. The token is wrapped in :class:`Secret` so that printing the settings, a
traceback or a log line can never reveal it; only the Discord layer unwraps it, at login.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dotenv import dotenv_values

from bot.errors import ConfigError
from bot.sharding import Shards
from bot.storage.database import parse_database_url

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent

DEFAULTS: Final[Mapping[str, str]] = {
    "DATABASE_PATH": "data/bot.db",
    "LOG_LEVEL": "INFO",
    "SEEDS_DIR": str(PROJECT_ROOT / "seeds"),
    "HEARTBEAT_SECONDS": "5",
    "DISCORD_GLOBAL_RATE": "50",
    "WEB_HOST": "127.0.0.1",
    "WEB_PORT": "8080",
    "DISCORD_AUTHORIZE_URL": "https://discord.com/oauth2/authorize",
    "DISCORD_API_BASE": "https://discord.com/api/v10",
}

# Three dot-separated base64url parts: the shape Discord gives bot tokens. Checking it catches
# the usual paste mistakes (a client secret, an application id, quotes or spaces) before login does.
_TOKEN_SHAPE: Final = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
_BASE_URL: Final = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Secret:
    """A string that refuses to show itself in ``repr``, ``str`` or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web app's configuration; present on :class:`Settings` only when WEB_BASE_URL is set."""

    base_url: str
    """The public address without a trailing slash (``https://read.example.org``)."""
    host: str
    port: int
    client_id: str
    client_secret: Secret
    secret_key: Secret | None
    """WEB_SECRET_KEY; None: a key generated once and kept in the database."""
    authorize_url: str
    api_base: str
    """Where the token exchange and ``/users/@me`` go (DISCORD_API_BASE, Discord's by default)."""

    @property
    def secure_cookies(self) -> bool:
        """Cookies are ``Secure`` on https; a plain-http address (local runs, tests) cannot be."""
        return self.base_url.startswith("https://")

    @property
    def redirect_uri(self) -> str:
        """What the Developer Portal must list under OAuth2 > Redirects."""
        return f"{self.base_url}/auth/callback"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot needs to start, already checked."""

    token: Secret
    database_path: Path
    """The SQLite file (for PostgreSQL: where one would be, unused); see :attr:`database_url`."""
    dev_guild_id: int | None
    log_level: str
    seeds_dir: Path
    api_base: str | None = None
    gateway_url: str | None = None
    shards: Shards | None = None
    """The shards this process runs (SHARD_COUNT, SHARD_IDS); None: Discord's recommended count,
    all in this process."""
    process_name: str | None = None
    """How ``python -m bot status`` names this process (PROCESS_NAME; default the host name)."""
    heartbeat_seconds: float = 5.0
    global_rate: float = 50.0
    """Discord's REST limit for the whole bot (requests/s); each process paces itself at its
    shards' share of it. 0: no pacing (a REST proxy in front paces the bot)."""
    database_url: Secret = field(
        default_factory=lambda: Secret(f"sqlite:///{DEFAULTS['DATABASE_PATH']}")
    )
    """What the bot opens: ``sqlite:///...`` or ``postgresql://...`` (hidden: it may hold a
    password). DATABASE_URL when set, else ``sqlite:///`` + DATABASE_PATH."""
    web: WebSettings | None = None
    """The web app (WEB_BASE_URL and the OAuth2 keys); None: the bot runs without it."""


def _environment(env: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
    """Merge ``.env`` under the real environment: an exported variable wins over the file."""
    if env is not None:
        return dict(env)
    merged: dict[str, str] = {}
    path = env_file if env_file is not None else Path.cwd() / ".env"
    if path.is_file():
        merged.update({k: v for k, v in dotenv_values(path).items() if v is not None})
    merged.update(os.environ)
    return merged


def _optional(values: Mapping[str, str], key: str) -> str | None:
    value = values.get(key, "").strip()
    return value or None


def load_settings(
    env: Mapping[str, str] | None = None,
    env_file: Path | None = None,
    *,
    require_token: bool = True,
) -> Settings:
    """Read and validate settings; raise :class:`ConfigError` naming the key and the fix."""
    values = _environment(env, env_file)

    raw_token = values.get("DISCORD_TOKEN", "").strip()
    if require_token:
        if not raw_token:
            raise ConfigError(
                "DISCORD_TOKEN is not set: copy .env.example to .env and paste your bot's token "
                "from the Discord Developer Portal (Bot > Reset Token)."
            )
        if not _TOKEN_SHAPE.match(raw_token):
            raise ConfigError(
                "DISCORD_TOKEN does not look like a bot token: paste the token from the Developer "
                "Portal's Bot page (not the client secret or application id), without quotes."
            )

    dev_guild_raw = _optional(values, "DEV_GUILD_ID")
    dev_guild_id: int | None = None
    if dev_guild_raw is not None:
        if not dev_guild_raw.isdigit():
            raise ConfigError(
                "DEV_GUILD_ID must be a server id (digits only; right-click the server with "
                "Developer Mode on and choose Copy Server ID), or left empty."
            )
        dev_guild_id = int(dev_guild_raw)

    log_level = (_optional(values, "LOG_LEVEL") or DEFAULTS["LOG_LEVEL"]).upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}.")

    database_path = Path(_optional(values, "DATABASE_PATH") or DEFAULTS["DATABASE_PATH"])
    database_url = _optional(values, "DATABASE_URL")
    if database_url is None:
        database_url = f"sqlite:///{database_path}"
    else:
        dialect, where = parse_database_url(database_url)
        if dialect == "sqlite":
            database_path = Path(where)
    seeds_dir = Path(_optional(values, "SEEDS_DIR") or DEFAULTS["SEEDS_DIR"])
    if not seeds_dir.is_dir():
        raise ConfigError(f"SEEDS_DIR {seeds_dir} is not a folder of seed texts.")

    shards = _shards(values)
    heartbeat_raw = _optional(values, "HEARTBEAT_SECONDS") or DEFAULTS["HEARTBEAT_SECONDS"]
    try:
        heartbeat_seconds = float(heartbeat_raw)
    except ValueError:
        heartbeat_seconds = 0.0
    if not 1 <= heartbeat_seconds <= 60:
        raise ConfigError("HEARTBEAT_SECONDS must be a number of seconds from 1 to 60.")

    rate_raw = _optional(values, "DISCORD_GLOBAL_RATE") or DEFAULTS["DISCORD_GLOBAL_RATE"]
    try:
        global_rate = float(rate_raw)
    except ValueError:
        global_rate = -1.0
    if not 0 <= global_rate <= 100_000:
        raise ConfigError(
            "DISCORD_GLOBAL_RATE must be the bot's requests per second (50 unless Discord raised "
            "it), or 0 when a REST proxy paces the bot."
        )

    return Settings(
        token=Secret(raw_token),
        database_path=database_path,
        dev_guild_id=dev_guild_id,
        log_level=log_level,
        seeds_dir=seeds_dir,
        api_base=_optional(values, "DISCORD_API_BASE"),
        gateway_url=_optional(values, "DISCORD_GATEWAY_URL"),
        shards=shards,
        process_name=_optional(values, "PROCESS_NAME"),
        heartbeat_seconds=heartbeat_seconds,
        global_rate=global_rate,
        database_url=Secret(database_url),
        web=_web(values),
    )


def _web(values: Mapping[str, str]) -> WebSettings | None:
    """WEB_BASE_URL turns the web app on; then it needs the application's OAuth2 id and secret."""
    base = _optional(values, "WEB_BASE_URL")
    if base is None:
        return None
    base = base.rstrip("/")
    if not _BASE_URL.match(base):
        raise ConfigError(
            "WEB_BASE_URL must be the site's public address, such as https://read.example.org "
            "(http or https, no path, query or fragment)."
        )
    client_id = _optional(values, "DISCORD_CLIENT_ID")
    if client_id is None or not client_id.isdigit():
        raise ConfigError(
            "DISCORD_CLIENT_ID must be your application's id (digits; Developer Portal > OAuth2 > "
            "Client ID) when WEB_BASE_URL is set."
        )
    client_secret = _optional(values, "DISCORD_CLIENT_SECRET")
    if client_secret is None:
        raise ConfigError(
            "DISCORD_CLIENT_SECRET is not set: copy it from the Developer Portal (OAuth2 > Client "
            "Secret > Reset Secret); the web app needs it to sign members in."
        )
    secret_key = _optional(values, "WEB_SECRET_KEY")
    if secret_key is not None and len(secret_key) < 32:
        raise ConfigError(
            "WEB_SECRET_KEY must be at least 32 characters (or left empty: a key is generated "
            "once and kept in the database)."
        )
    host = _optional(values, "WEB_HOST") or DEFAULTS["WEB_HOST"]
    port_raw = _optional(values, "WEB_PORT") or DEFAULTS["WEB_PORT"]
    if not port_raw.isdigit() or not 0 <= int(port_raw) <= 65535:
        raise ConfigError("WEB_PORT must be a port number from 1 to 65535 (0: any free port).")
    authorize = _optional(values, "DISCORD_AUTHORIZE_URL") or DEFAULTS["DISCORD_AUTHORIZE_URL"]
    if not authorize.startswith(("https://", "http://")):
        raise ConfigError("DISCORD_AUTHORIZE_URL must be an http(s) URL.")
    api_base = (_optional(values, "DISCORD_API_BASE") or DEFAULTS["DISCORD_API_BASE"]).rstrip("/")
    return WebSettings(
        base_url=base,
        host=host,
        port=int(port_raw),
        client_id=client_id,
        client_secret=Secret(client_secret),
        secret_key=Secret(secret_key) if secret_key is not None else None,
        authorize_url=authorize,
        api_base=api_base,
    )


def _shards(values: Mapping[str, str]) -> Shards | None:
    """SHARD_COUNT alone runs every shard here; SHARD_IDS picks some of them for this process."""
    count_raw = _optional(values, "SHARD_COUNT")
    ids_raw = _optional(values, "SHARD_IDS")
    if count_raw is None:
        if ids_raw is not None:
            raise ConfigError(
                "SHARD_IDS needs SHARD_COUNT: set SHARD_COUNT to the total number of shards "
                "across all processes."
            )
        return None
    if not count_raw.isdigit() or int(count_raw) < 1:
        raise ConfigError(
            "SHARD_COUNT must be a whole number of at least 1 (the total across all processes)."
        )
    ids: list[int] | None = None
    if ids_raw is not None:
        parts = [part.strip() for part in ids_raw.split(",")]
        if not all(part.isdigit() for part in parts):
            raise ConfigError("SHARD_IDS must be shard numbers separated by commas, such as 0,1.")
        ids = [int(part) for part in parts]
    return Shards.of(int(count_raw), ids)


def configure_logging(level: str) -> None:
    """Log to stdout with levels and timestamps, which is what process supervisors collect."""
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
        stream=sys.stdout,
        force=True,
    )


GUILD_DEFAULTS: Final[Mapping[str, object]] = {
    # Core
    "timezone": "UTC",
    "moderator_role_id": None,
    "log_channel_id": None,
    # Prompts: a run missed by less than this many minutes is posted late; older ones are skipped.
    "prompt_grace_minutes": 60,
    # Streaks: missed days forgiven per week, whether attending a meeting counts as a streak day,
    # and "daily" or "weekly" streaks (weekly suits groups that meet once a week).
    "streak_freezes_per_week": 0,
    "streak_counts_attendance": False,
    "streak_cadence": "daily",
    # Meetings: minutes in the meeting's voice channel that count as attending, and whether
    # Discord Scheduled Events starting and completing open and close meetings.
    "meeting_voice_minutes": 10,
    "meeting_from_events": False,
    # Audit log: days an entry of a moderator's change is kept.
    "audit_retention_days": 365,
    # The language of what the bot posts on its own (prompts, check-ins): a shipped catalog, or
    # None to follow the server's Discord language (its preferred_locale), English otherwise.
    "language": None,
}
"""Per-server settings and their defaults, declared in one place (stored values override them).

Features add their keys here so that ``/settings`` and the privacy export see every setting.
"""
