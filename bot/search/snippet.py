"""A short window of a passage around what matched, ready for Discord Markdown.

Results are shown as snippets, not whole paragraphs (some are over a thousand characters), so the
window is placed where the most distinct matched words stand together. Matched words are bolded;
everything else that Markdown would read as formatting is escaped, so a stray ``*`` or ``_`` in a
text cannot bold half a message or swallow the bolding of the matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from bot.search.text import fold

ELLIPSIS: Final = "…"
_FOOTNOTE_MARK: Final = re.compile(r"\[\^([^\]\s]*)\]")
_SPACE: Final = re.compile(r"\s+")
_WORD: Final = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_MARKDOWN: Final = re.compile(r"([\\*_~|`>#\[\]<])")
_LINE_START: Final = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s)")


def escape(text: str) -> str:
    """``text`` with every Markdown-significant character backslash-escaped."""
    escaped = _MARKDOWN.sub(r"\\\1", text)
    # List markers only mean something at the start of a line, and a snippet is one line.
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def _clean(text: str) -> str:
    """One line of plain text: footnote markers as ``[12]``, whitespace collapsed."""
    return _SPACE.sub(" ", _FOOTNOTE_MARK.sub(r"[\1]", text)).strip()


def _render(text: str, start: int, end: int, matches: list[tuple[int, int]]) -> str:
    parts: list[str] = [ELLIPSIS] if start > 0 else []
    cursor = start
    for m_start, m_end in matches:
        if m_start < start or m_end > end:
            continue
        parts.append(escape(text[cursor:m_start]))
        parts.append(f"**{escape(text[m_start:m_end])}**")
        cursor = m_end
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts)


def _window(
    text: str, matches: list[tuple[int, int]], keys: list[str], width: int
) -> tuple[int, int]:
    """The ``width``-character stretch holding the most distinct matched words, centred on them
    and cut at word boundaries."""
    if len(text) <= width:
        return 0, len(text)
    best = (0, 0, 0)  # (distinct terms, matches, -first match index)
    best_span = (0, 0)
    for i, (first_start, _) in enumerate(matches):
        distinct: set[str] = set()
        count = 0
        last_end = first_start
        for j in range(i, len(matches)):
            if matches[j][1] - first_start > width:
                break
            distinct.add(keys[j])
            count += 1
            last_end = matches[j][1]
        rank = (len(distinct), count, -i)
        if rank > best:
            best, best_span = rank, (first_start, last_end)
    if best == (0, 0, 0):
        start = 0
    else:
        first_start, last_end = best_span
        start = first_start - (width - (last_end - first_start)) // 3
    start = max(0, min(start, len(text) - width))
    end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start, end)
        if space != -1 and (not matches or space < best_span[0] or best == (0, 0, 0)):
            start = space + 1
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > start:
            end = space
    return start, end


def snippet(text: str, terms: Sequence[str], width: int = 300) -> str:
    """A window of ``text`` of about ``width`` characters around its best match, with the words
    in ``terms`` bolded (``**word**``), other Markdown escaped and ``…`` where it was cut.

    The result is never longer than ``width`` plus the two ellipses, markup included.
    """
    width = max(width, 20)
    plain = _clean(text)
    wanted = {fold(term) for term in terms if term.strip()}
    matches: list[tuple[int, int]] = []
    keys: list[str] = []
    for match in _WORD.finditer(plain):
        key = fold(match.group())
        if key in wanted:
            matches.append((match.start(), match.end()))
            keys.append(key)
    start, end = _window(plain, matches, keys, width)
    rendered = _render(plain, start, end, matches)
    # Escapes and bold markers take room too: give it back from the end until the whole fits.
    while len(rendered) > width + 2 and end > start:
        end = max(start, end - (len(rendered) - width - 2))
        space = plain.rfind(" ", start, end)
        if space > start:
            end = space
        rendered = _render(plain, start, end, matches)
    return rendered
