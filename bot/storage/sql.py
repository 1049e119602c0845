"""The few rewrites that let one SQL text run on SQLite and on PostgreSQL.

Storage modules write SQLite-flavoured portable SQL with ``?`` placeholders. PostgreSQL (asyncpg)
numbers its parameters ``$1, $2, ...``, and SQLite has no row locks, so two rewrites are done here,
in one place, on the statement text outside string literals, quoted names and comments:

- for PostgreSQL, ``?`` becomes ``$n`` and ``?NNN`` becomes ``$NNN``, numbered the way SQLite
  numbers them (a bare ``?`` takes the largest number used so far plus one), so ``?1 ... ?3`` mixed
  with later ``?`` binds the same values on both;
- for SQLite, a ``FOR UPDATE`` / ``FOR SHARE`` locking clause (with ``SKIP LOCKED`` or ``NOWAIT``)
  is dropped: a SQLite write transaction (``BEGIN IMMEDIATE``) already excludes every other
  writer, which is the guarantee the row lock gives on PostgreSQL.

Both results are cached: storage modules use a small, fixed set of statements.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

# Everything inside which a "?" or a keyword is text, not SQL: string literals, quoted names,
# comments and PostgreSQL dollar-quoted bodies.
_OPAQUE: Final = re.compile(
    r"""
      '(?:[^']|'')*'
    | "(?:[^"]|"")*"
    | --[^\n]*
    | /\*.*?\*/
    | \$(?P<tag>(?:[A-Za-z_][A-Za-z_0-9]*)?)\$.*?\$(?P=tag)\$
    """,
    re.VERBOSE | re.DOTALL,
)
_PLACEHOLDER: Final = re.compile(r"\?(\d*)")
_LOCKING: Final = re.compile(
    r"\s+FOR\s+(?:NO\s+KEY\s+UPDATE|KEY\s+SHARE|UPDATE|SHARE)"
    r"(?:\s+OF\s+[A-Za-z_][A-Za-z_0-9]*(?:\s*,\s*[A-Za-z_][A-Za-z_0-9]*)*)?"
    r"(?:\s+(?:SKIP\s+LOCKED|NOWAIT))?",
    re.IGNORECASE,
)
_ROW_STATEMENT: Final = re.compile(
    r"^[\s(#]*(?:SELECT|WITH|VALUES|TABLE|SHOW|EXPLAIN)\b", re.IGNORECASE
)
_RETURNING: Final = re.compile(r"\bRETURNING\b", re.IGNORECASE)


def _masked(sql: str) -> str:
    """``sql`` with every opaque part blanked out, same length, so positions still match.

    The filler is neither a space nor a word character, so a blanked literal cannot pass for the
    whitespace before a keyword, nor for part of one.
    """
    return _OPAQUE.sub(lambda m: "#" * len(m[0]), sql)


@lru_cache(maxsize=2048)
def to_postgresql(sql: str) -> tuple[str, bool]:
    """The statement with ``$n`` parameters, and whether it returns rows.

    Whether it returns rows decides how it is run: rows are fetched (a SELECT, or a write with
    ``RETURNING``), otherwise the command status gives the row count, like SQLite's rowcount.
    """
    masked = _masked(sql)
    parts: list[str] = []
    last = 0
    highest = 0
    for match in _PLACEHOLDER.finditer(masked):
        if match[1]:
            number = int(match[1])
            highest = max(highest, number)
        else:
            highest += 1
            number = highest
        parts.append(sql[last : match.start()])
        parts.append(f"${number}")
        last = match.end()
    parts.append(sql[last:])
    returns_rows = bool(_ROW_STATEMENT.match(masked) or _RETURNING.search(masked))
    return "".join(parts), returns_rows


@lru_cache(maxsize=2048)
def to_sqlite(sql: str) -> str:
    """The statement without row-locking clauses, which SQLite does not parse."""
    masked = _masked(sql)
    spans = [m.span() for m in _LOCKING.finditer(masked)]
    if not spans:
        return sql
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts.append(sql[last:start])
        last = end
    parts.append(sql[last:])
    return "".join(parts)
