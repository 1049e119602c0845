"""The key that encrypts the web app's session cookies.

An operator may set WEB_SECRET_KEY (any string of 32 characters or more; HKDF turns it into a
Fernet key, so a pass phrase works as well as random bytes). Without it a Fernet key is generated
once and kept in the database's ``meta`` table, so sessions survive restarts and every process
sharing the database decrypts every other's cookies.
"""

from __future__ import annotations

import base64
from typing import Final

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.config import Secret
from bot.storage.database import Database
from bot.storage.meta import get_or_create_meta

META_KEY: Final = "web_secret_key"
_INFO: Final = b"manifesto-bot web session cookies"


def derive_key(configured: Secret) -> bytes:
    """A Fernet key from the operator's WEB_SECRET_KEY (the same key for the same setting)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        configured.get_secret_value().encode()
    )
    return base64.urlsafe_b64encode(raw)


async def session_key(db: Database, configured: Secret | None) -> bytes:
    """The configured key, else the one kept in the database (made on first use)."""
    if configured is not None:
        return derive_key(configured)
    stored = await get_or_create_meta(db, META_KEY, lambda: Fernet.generate_key().decode())
    return stored.encode()
