"""Deciding whether the slash-command tree must be synced with Discord again.

Discord limits how many commands an application may create a day, so syncing on every start-up can
lock a bot out of command changes for hours. The tree's JSON is fingerprinted and compared with the
fingerprint stored at the last successful sync, per scope (global, or one development server).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from bot.storage.database import Database
from bot.storage.meta import get_meta, set_meta


def tree_fingerprint(commands: Sequence[dict[str, Any]]) -> str:
    """A stable hash of the commands' JSON, independent of declaration order."""
    canonical = sorted(json.dumps(c, sort_keys=True, ensure_ascii=False) for c in commands)
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()


def _key(scope: int | None) -> str:
    return "command_tree_hash:global" if scope is None else f"command_tree_hash:guild:{scope}"


async def needs_sync(db: Database, scope: int | None, fingerprint: str) -> bool:
    return await get_meta(db, _key(scope)) != fingerprint


async def record_sync(db: Database, scope: int | None, fingerprint: str) -> None:
    await set_meta(db, _key(scope), fingerprint)
