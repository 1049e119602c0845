"""Storage: the only place SQL lives.

Each area of the bot has a module of plain async functions over :class:`Database`, so tests can call
them directly and the Discord layer never sees SQL.
"""

from bot.storage.database import Database, Migration, load_migrations

__all__ = ["Database", "Migration", "load_migrations"]
