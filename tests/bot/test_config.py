from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULTS, Secret, load_settings
from bot.errors import ConfigError

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789"
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_valid_settings_use_defaults() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert settings.token.get_secret_value() == TOKEN
    assert settings.database_path == Path(DEFAULTS["DATABASE_PATH"])
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"


def test_token_never_shows_in_repr() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.token)
    assert TOKEN not in f"{settings.token}"
    assert Secret(TOKEN) == settings.token


@pytest.mark.parametrize("token", ["", "   ", "not-a-token", "123456789012345678", f'"{TOKEN}"'])
def test_missing_or_malformed_token_names_the_key(token: str) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        load_settings({"DISCORD_TOKEN": token})


@pytest.mark.parametrize(
    ("key", "value"),
    [("DEV_GUILD_ID", "abc"), ("LOG_LEVEL", "LOUD"), ("SEEDS_DIR", "/nonexistent/seeds")],
)
def test_malformed_keys_are_named(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings({"DISCORD_TOKEN": TOKEN, key: value})


def test_dev_guild_and_level_parsed() -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "42", "LOG_LEVEL": "debug"})
    assert settings.dev_guild_id == 42
    assert settings.log_level == "DEBUG"


def test_env_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={TOKEN}\nLOG_LEVEL=WARNING\n")
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    settings = load_settings(env_file=env_file)
    assert settings.token.get_secret_value() == TOKEN
    assert settings.log_level == "ERROR"


@pytest.mark.parametrize("token", ["", "garbage", TOKEN + "'"])
def test_run_without_a_valid_token_exits_2_with_one_line(tmp_path: Path, token: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "DISCORD_TOKEN": token, "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr
    if token:
        assert token not in result.stderr


@pytest.mark.parametrize(
    ("env", "url", "path"),
    [
        ({}, "sqlite:///data/bot.db", Path("data/bot.db")),
        ({"DATABASE_PATH": "/srv/bot.db"}, "sqlite:////srv/bot.db", Path("/srv/bot.db")),
        # DATABASE_URL wins over DATABASE_PATH when both are set.
        (
            {"DATABASE_URL": "sqlite:///other.db", "DATABASE_PATH": "/srv/bot.db"},
            "sqlite:///other.db",
            Path("other.db"),
        ),
        (
            {"DATABASE_URL": "postgresql://bot:pw@db/bot", "DATABASE_PATH": "/srv/bot.db"},
            "postgresql://bot:pw@db/bot",
            Path("/srv/bot.db"),
        ),
    ],
)
def test_database_url_and_path(env: dict[str, str], url: str, path: Path) -> None:
    settings = load_settings({"DISCORD_TOKEN": TOKEN, **env})
    assert settings.database_url.get_secret_value() == url
    assert settings.database_path == path
    assert "pw" not in repr(settings)


def test_malformed_database_url_is_named() -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings({"DISCORD_TOKEN": TOKEN, "DATABASE_URL": "mysql://db/bot"})


WEB = {
    "DISCORD_TOKEN": TOKEN,
    "WEB_BASE_URL": "https://read.example.org/",
    "DISCORD_CLIENT_ID": "123456789012345678",
    "DISCORD_CLIENT_SECRET": "the-client-secret",
}


def test_web_is_off_without_base_url() -> None:
    assert load_settings({"DISCORD_TOKEN": TOKEN, "DISCORD_CLIENT_SECRET": "x"}).web is None


def test_web_settings_and_defaults() -> None:
    web = load_settings(WEB).web
    assert web is not None
    assert web.base_url == "https://read.example.org"
    assert (
        (web.host, web.port)
        == (DEFAULTS["WEB_HOST"], int(DEFAULTS["WEB_PORT"]))
        == (
            "127.0.0.1",
            8080,
        )
    )
    assert web.redirect_uri == "https://read.example.org/auth/callback"
    assert web.authorize_url == "https://discord.com/oauth2/authorize"
    assert web.api_base == "https://discord.com/api/v10"
    assert web.secure_cookies and web.secret_key is None
    assert "the-client-secret" not in repr(load_settings(WEB))


def test_web_settings_follow_the_emulator() -> None:
    web = load_settings(
        {
            **WEB,
            "WEB_BASE_URL": "http://127.0.0.1:9000",
            "WEB_PORT": "9000",
            "DISCORD_API_BASE": "http://127.0.0.1:7000/api/v10/",
            "DISCORD_AUTHORIZE_URL": "http://127.0.0.1:7000/oauth2/authorize",
            "WEB_SECRET_KEY": "k" * 32,
        }
    ).web
    assert web is not None
    assert not web.secure_cookies
    assert web.api_base == "http://127.0.0.1:7000/api/v10"
    assert web.authorize_url == "http://127.0.0.1:7000/oauth2/authorize"
    assert web.secret_key == Secret("k" * 32)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("WEB_BASE_URL", "read.example.org"),
        ("WEB_BASE_URL", "https://read.example.org/app?x=1"),
        ("DISCORD_CLIENT_ID", ""),
        ("DISCORD_CLIENT_ID", "abc"),
        ("DISCORD_CLIENT_SECRET", ""),
        ("WEB_SECRET_KEY", "short"),
        ("WEB_PORT", "http"),
        ("WEB_PORT", "70000"),
        ("DISCORD_AUTHORIZE_URL", "discord.com/oauth2/authorize"),
    ],
)
def test_malformed_web_keys_are_named(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings({**WEB, key: value})
