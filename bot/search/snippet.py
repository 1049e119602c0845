"""A short window of a passage around what matched, ready for Discord Markdown.

Results are shown as snippets, not whole paragraphs (some are over a thousand characters), so the
window is placed where the most distinct matched words stand together. Matched words are bolded;
everything else that Markdown would read as formatting is escaped, so a stray ``*`` or ``_`` in a
text cannot bold half a message or swallow the bolding of the matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

from bot.i18n import _
from bot.search.engine import SearchHit
from bot.search.text import fold
from bot.text import escape_markdown as escape

ELLIPSIS: Final = "…"
_FOOTNOTE_MARK: Final = re.compile(r"\[\^([^\]\s]*)\]")
_SPACE: Final = re.compile(r"\s+")
_WORD: Final = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def _clean(text: str) -> str:
    """One line of plain text: footnote markers as ``[12]``, whitespace collapsed."""
    return _SPACE.sub(" ", _FOOTNOTE_MARK.sub(r"[\1]", text)).strip()


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """A passage as one clean line and its words' spans and folded forms.

    Cached because the same passages are shown again and again, and folding every word of five
    passages was most of the time a results page took.
    """
    plain = _clean(text)
    return plain, tuple((m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(plain))


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
    """The ``width``-character stretch holding the most distinct matched words (then the most
    matches), with a little context before them, cut at word boundaries."""
    if len(text) <= width:
        return 0, len(text)
    best: tuple[int, int, int] | None = None
    span = (0, 0)
    for i, (first_start, _end) in enumerate(matches):
        distinct: set[str] = set()
        count, last_end = 0, first_start
        for j in range(i, len(matches)):
            if matches[j][1] - first_start > width:
                break
            distinct.add(keys[j])
            count += 1
            last_end = matches[j][1]
        rank = (len(distinct), count, -i)
        if best is None or rank > best:
            best, span = rank, (first_start, last_end)
    # A third of the room left over goes before the matches, the rest after them.
    start = span[0] - (width - (span[1] - span[0])) // 3 if best is not None else 0
    start = max(0, min(start, len(text) - width))
    end = min(len(text), start + width)
    if start > 0:
        space = text.find(" ", start, span[0] if best is not None else end)
        if space != -1:
            start = space + 1
    if end < len(text):
        space = text.rfind(" ", max(start, span[1]), end)
        if space != -1:
            end = space
    return start, end


def snippet(text: str, terms: Sequence[str], width: int = 300) -> str:
    """A window of ``text`` of about ``width`` characters around its best match, with the words
    in ``terms`` bolded (``**word**``), other Markdown escaped and ``…`` where it was cut.

    The result is never longer than ``width`` plus the two ellipses, markup included.
    """
    width = max(width, 20)
    plain, words = _words(text)
    wanted = {fold(term) for term in terms if term.strip()}
    matches: list[tuple[int, int]] = []
    keys: list[str] = []
    for start, end, key in words:
        if key in wanted:
            matches.append((start, end))
            keys.append(key)
    room = width
    while True:
        start, end = _window(plain, matches, keys, room)
        rendered = _render(plain, start, end, matches)
        overflow = len(rendered) - (width + 2)
        if overflow <= 0 or room <= 1:
            break
        # Escapes and bold markers take room too: give it back and place the window again.
        room = max(1, min(room - 1, room * (width + 2) // len(rendered)))
    # Cutting the Markdown itself could leave a bold or an escape open, so a text that cannot fit
    # even one escaped character per place (none of the seeds) is shown as a bare ellipsis.
    return rendered if len(rendered) <= width + 2 else ELLIPSIS


def snippet_parts(text: str, terms: Sequence[str], width: int = 300) -> list[tuple[str, bool]]:
    """The same window as :func:`snippet`, as plain pieces with ``True`` for a matched word.

    For surfaces that are not Markdown (the web pages escape and bold the pieces themselves).
    """
    plain, words = _words(text)
    wanted = {fold(term) for term in terms if term.strip()}
    matches = [(start, end) for start, end, key in words if key in wanted]
    keys = [key for _, _, key in words if key in wanted]
    start, end = _window(plain, matches, keys, max(width, 20))
    parts: list[tuple[str, bool]] = [(ELLIPSIS, False)] if start > 0 else []
    cursor = start
    for m_start, m_end in matches:
        if m_start < start or m_end > end:
            continue
        parts.append((plain[cursor:m_start], False))
        parts.append((plain[m_start:m_end], True))
        cursor = m_end
    parts.append((plain[cursor:end], False))
    if end < len(plain):
        parts.append((ELLIPSIS, False))
    return [part for part in parts if part[0]]


def result_mark(hit: SearchHit) -> str:
    """Why a result that may share no word with the query is there, in the reader's language:
    found by meaning, or brought by the note it cites; empty for a plain match of words."""
    if hit.by_meaning:
        return _("≈ found by meaning")
    if hit.via_note is not None:
        return _("↳ through its note {label}").format(label=hit.via_note)
    return ""


def result_snippet(hit: SearchHit, width: int = 300) -> str:
    """A result's snippet as Discord shows it, opened by its :func:`result_mark` if any."""
    mark = result_mark(hit)
    if not mark:
        return snippet(hit.passage.text, hit.terms, width=width)
    opening = f"*{escape(mark)}* · "
    return opening + snippet(hit.passage.text, hit.terms, width=width - len(opening))
