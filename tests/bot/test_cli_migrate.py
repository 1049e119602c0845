"""``python -m bot migrate --to postgresql://...``: what an operator runs to move to PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.storage.database import Database
from tests.bot.storage.test_transfer import _fill
from tests.postgres import PostgresServer


async def _migrate(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate",
        *args,
        cwd=PROJECT_ROOT,
        env={**os.environ, "SEEDS_DIR": str(tmp_path), "DISCORD_TOKEN": "", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_migrate_copies_then_verifies_on_a_second_run(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    source = tmp_path / "bot.db"
    await _fill(source)
    url = await postgres_server.create_database()
    # Trust authentication ignores the password; it is here to show it is never printed.
    target = url.replace("postgres@", "postgres:s3cret@")
    env = {"DATABASE_PATH": str(source)}
    try:
        code, output = await _migrate(tmp_path, env, "--to", target)
        assert code == 0, output
        assert "copied   meetings" in output and "checksums verified" in output
        assert "s3cret" not in output

        code, again = await _migrate(tmp_path, env, "--to", target)
        assert code == 0, again
        assert "already holds this database: verified, nothing copied" in again
        assert "present  meetings" in again

        db = await Database.open(url)
        try:
            row = await db.fetchone("SELECT COUNT(*) FROM meetings")
            assert row is not None and row[0] == 2
        finally:
            await db.close()

        # Configured for PostgreSQL already: the SQLite file must be named.
        code, refused = await _migrate(tmp_path, {"DATABASE_URL": target}, "--to", target)
        assert code == 2 and "--from" in refused and "s3cret" not in refused
        code, output = await _migrate(
            tmp_path, {"DATABASE_URL": target}, "--to", target, "--from", str(source)
        )
        assert code == 0 and "nothing copied" in output
    finally:
        await postgres_server.drop_database(url)


async def test_migrate_refuses_a_target_that_is_not_postgresql(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"
    await (await Database.open(source)).close()
    code, output = await _migrate(
        tmp_path, {"DATABASE_PATH": str(source)}, "--to", str(tmp_path / "other.db")
    )
    assert code == 2
    assert output.startswith("error:") and "postgresql://" in output
    assert not (tmp_path / "other.db").exists()
