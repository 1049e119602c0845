"""Ranked, typo-tolerant search over the texts, and snippets of what it found.

The command-line interface and the Discord layer use only what is exported here.
"""

from bot.search.engine import SearchEngine, SearchHit, Tuning
from bot.search.snippet import MEANING_MARK, result_snippet, snippet

__all__ = ["MEANING_MARK", "SearchEngine", "SearchHit", "Tuning", "result_snippet", "snippet"]
