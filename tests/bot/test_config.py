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
