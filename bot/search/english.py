"""Whether a word is English: WordNet's 88,013 terms as a compact table of hashes.

Search leaves alone a query word the texts lack but English has (*kids* is not a misspelling of
*kind*), so it needs WordNet's word list at hand. ``wordnet-lookup`` holds that list as MD5 hashes
in 258 modules of Python string sets: 14 MB of the bot's memory and 130 ms of every start. The
same hashes cut to their first 8 bytes and sorted fit in 700 KB that load in a millisecond, with
a chance of a false match near one in 10^14 a lookup. ``python -m bot.search.english`` rebuilds the
table from ``wordnet-lookup`` (a development dependency, MIT licence), and a test checks that the
two agree.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from array import array
from bisect import bisect_left
from functools import cache
from pathlib import Path
from typing import Final

TABLE: Final = Path(__file__).parent / "data" / "wordnet-terms.bin"
"""Sorted unsigned 64-bit integers, little-endian: the first 8 bytes of each term's MD5."""


def _key(term: str) -> int:
    return int.from_bytes(hashlib.md5(term.encode()).digest()[:8], "big")


@cache
def _table() -> array[int]:
    table = array("Q")
    table.frombytes(TABLE.read_bytes())
    if sys.byteorder == "big":  # pragma: no cover - the file is little-endian everywhere
        table.byteswap()
    return table


def _has(term: str) -> bool:
    if not term:
        return False
    table = _table()
    key = _key(term.lower().strip())
    at = bisect_left(table, key)
    return at < len(table) and table[at] == key


def is_wordnet_term(text: str) -> bool:
    """The same answer as ``wordnet_lookup.is_wordnet_term``: the term as typed, without accents,
    or without a plural ``s``."""
    term = text.lower().strip()
    if _has(term):
        return True
    plain = unicodedata.normalize("NFKD", term).encode("ascii", "ignore").decode("ascii")
    if plain != term and _has(plain):
        return True
    return plain.endswith("s") and len(plain) > 3 and _has(plain[:-1])


def build_table() -> bytes:
    """The table's bytes, from ``wordnet-lookup``'s hash modules (needs the package installed)."""
    import importlib

    modules = importlib.import_module("wordnet_lookup.hs")
    keys: list[int] = []
    for name in dir(modules):
        if name.startswith("hashes_"):
            prefix = name.removeprefix("hashes_")
            keys.extend(int(prefix + rest[:14], 16) for rest in getattr(modules, name))
    table = array("Q", sorted(set(keys)))
    if sys.byteorder == "big":  # pragma: no cover
        table.byteswap()
    return table.tobytes()


def main() -> None:
    data = build_table()
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_bytes(data)
    print(f"wrote {len(data) // 8:,} terms to {TABLE}")


if __name__ == "__main__":
    main()
