"""``python -m bot backup PATH``: a consistent copy while another process keeps writing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bot.config import PROJECT_ROOT
from bot.storage import meetings as store
from bot.storage.database import Database


def _env(tmp_path: Path, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"DATABASE_PATH": str(database), "SEEDS_DIR": str(tmp_path), "DISCORD_TOKEN": ""})
    return env


async def _run_backup(tmp_path: Path, database: Path, target: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(target),
        cwd=PROJECT_ROOT,
        env=_env(tmp_path, database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_backup_while_writing_is_consistent(tmp_path: Path) -> None:
    database = tmp_path / "live.db"
    target = tmp_path / "copy.db"
    db = await Database.open(database)
    stop = asyncio.Event()
    warmed_up = asyncio.Event()
    written = 0

    async def writer() -> None:
        # Each transaction adds a meeting and one check-in: a consistent copy has equal counts.
        nonlocal written
        while not stop.is_set():
            meeting = await store.start_meeting(
                db,
                guild_id=1,
                title=f"m{written}",
                at=datetime.now(UTC),
                text_channel_id=None,
                voice_channel_id=None,
                started_by_id=None,
            )
            await store.check_in(db, 1, meeting.id, 5, at=datetime.now(UTC))
            written += 1
            if written == 50:
                warmed_up.set()
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    try:
        await warmed_up.wait()
        code, output = await _run_backup(tmp_path, database, target)
        during = written
    finally:
        stop.set()
        await task
        await db.close()
    assert code == 0, output
    assert "backed up" in output
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        meetings = copy.execute("SELECT COUNT(*) FROM meetings").fetchone()[0]
        checkins = copy.execute("SELECT COUNT(*) FROM meeting_attendance").fetchone()[0]
    assert 50 <= meetings <= during + 1
    assert checkins in (meetings, meetings - 1)  # the copy may fall between a meeting and its click
    assert not (tmp_path / "copy.db.partial").exists()


async def test_existing_target_is_refused_and_untouched(tmp_path: Path) -> None:
    database = tmp_path / "live.db"
    await (await Database.open(database)).close()
    target = tmp_path / "copy.db"
    target.write_bytes(b"keep me")
    code, output = await _run_backup(tmp_path, database, target)
    assert code == 2 and "already exists" in output and "Traceback" not in output
    assert target.read_bytes() == b"keep me"


async def test_missing_database_is_refused_and_not_created(tmp_path: Path) -> None:
    database = tmp_path / "nowhere.db"
    code, output = await _run_backup(tmp_path, database, tmp_path / "copy.db")
    assert code == 2 and "no database" in output
    assert not database.exists() and not (tmp_path / "copy.db").exists()
