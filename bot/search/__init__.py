"""Ranked, typo-tolerant search over the texts, and snippets of what it found.

The command-line interface and the Discord layer use only what is exported here.
"""

from bot.search.engine import SearchEngine, SearchHit, Tuning
from bot.search.snippet import result_mark, result_snippet, snippet

__all__ = ["SearchEngine", "SearchHit", "Tuning", "result_mark", "result_snippet", "snippet"]
