"""What every process serves from, opened one way: the texts, their search index, the database.

The bot (``python -m bot run``) and the web app alone (``python -m bot web``) start from the
same three things and stop on the same signals, so neither can drift into reading the seeds or
the database differently from the other.
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass

from bot.config import Settings
from bot.library import Library, load_library
from bot.search import SearchEngine
from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class Core:
    library: Library
    engine: SearchEngine
    db: Database


async def open_core(settings: Settings) -> Core:
    """Load the texts, index them and open (and migrate) the database; raises ``BotError``
    with a sentence for the operator when a seed or the database is unusable."""
    library = load_library(settings.seeds_dir)
    engine = SearchEngine.build(library)
    db = await Database.open(settings.database_url.get_secret_value())
    return Core(library, engine, db)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM, as a supervisor or Ctrl-C stops the process."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
