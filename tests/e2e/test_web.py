"""The web app in the bot process: on with WEB_BASE_URL, absent without it.

The member page is reached with a session cookie sealed with the configured WEB_SECRET_KEY, so
this checks the in-process membership (gateway cache plus the bot's REST lookup through the
emulator) without a browser; the browser tests sign in through the emulator's OAuth2.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from cryptography.fernet import Fernet

from bot.config import Secret
from bot.session_key import derive_key
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import World, make_world
from tests.emulator import Emulator

SECRET = "a-web-secret-key-for-the-end-to-end-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cookie(user_id: int) -> str:
    data = {
        "created": int(time.time()),
        "session": {"uid": user_id, "name": "x", "guilds": [], "csrf": "t", "seen": 0},
    }
    return Fernet(derive_key(Secret(SECRET))).encrypt(json.dumps(data).encode()).decode()


async def test_bot_serves_the_web_app_when_configured(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "WEB_BASE_URL": base,
        "WEB_PORT": str(port),
        "DISCORD_CLIENT_ID": "123456789012345678",
        "DISCORD_CLIENT_SECRET": "client-secret-for-tests",
        "WEB_SECRET_KEY": SECRET,
    }
    async with Emulator() as discord:
        world: World = make_world(discord, tmp_path, env)
        await world.start_bot()
        try:
            await world.bot.wait_for_log(f"web app listening on http://127.0.0.1:{port}")
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{base}/healthz") as response:
                    assert response.status == 200
                    assert (await response.json())["status"] == "ok"
                own = {"manifesto_session": _cookie(world.alice.id)}
                async with http.get(f"{base}/me/{world.guild.id}", cookies=own) as response:
                    assert response.status == 200
                    assert "Reading Group" in await response.text()
                stranger = {"manifesto_session": _cookie(424242)}
                async with http.get(f"{base}/me/{world.guild.id}", cookies=stranger) as response:
                    assert response.status == 404
                    assert "Reading Group" not in await response.text()
            reply = await world.alice.run("/quote", reference="anti-ai immediate 2")
            embed = reply.embeds[0]
            assert embed["url"] == f"{base}/p/anti-ai:immediate-demands:2"
        finally:
            assert await world.bot.stop() == 0
    log = world.bot.log_text()
    assert "client-secret-for-tests" not in log and SECRET not in log


async def test_without_web_base_url_nothing_is_served(world: World) -> None:
    assert "web app" not in world.bot.log_text()
    reply = await world.alice.run("/quote", reference="anti-ai immediate 2")
    assert "url" not in reply.embeds[0]


def test_the_bot_imports_nothing_of_the_web_app_at_start() -> None:
    probe = (
        "import sys, bot.cli, cogs.client; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('web', 'jinja2', 'aiohttp_session', 'cryptography')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
