"""The real bot, ``python -m bot run``, as a child process of a test.

End-to-end tests drive the same process an operator starts, configured only through environment
variables, so nothing about the bot is special in tests except where Discord is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """Start, stop, kill and restart the bot; its output is collected for assertions.

    ``command`` is the CLI's: ``run`` (the bot, and its web app when configured) or ``web``
    (the web app alone, as an operator runs it beside bot processes)."""

    def __init__(self, env: Mapping[str, str], workdir: Path, command: str = "run") -> None:
        self.env = dict(env)
        self.workdir = workdir
        self.command = command
        self.proc: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self._reader: asyncio.Task[None] | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
            **self.env,
        }
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            self.command,
            cwd=self.workdir,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.starts += 1
        self._reader = asyncio.create_task(self._read(self.proc))

    async def _read(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            self.output.append(raw.decode(errors="replace").rstrip())

    def log_text(self) -> str:
        return "\n".join(self.output)

    async def wait_for_log(self, text: str, within: float = 15.0, after: int = 0) -> str:
        """Wait for a log line containing ``text`` (among lines from index ``after`` on)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            for line in self.output[after:]:
                if text in line:
                    return line
            if not self.running:
                break
            await asyncio.sleep(0.02)
        raise AssertionError(f"bot never logged {text!r}; output:\n{self.log_text()[-4000:]}")

    async def stop(self, grace: float = 10.0) -> int:
        """SIGTERM, as a supervisor would; returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), grace)
        except TimeoutError:
            self.proc.kill()
            code = await self.proc.wait()
        await self._drain()
        return code

    async def kill(self) -> None:
        """SIGKILL: no chance to clean up, as in a crash or an OOM kill."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        await self._drain()

    async def _drain(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)
