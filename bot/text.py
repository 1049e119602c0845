"""Text helpers for showing passages and user input safely in Discord's Markdown.

They live in the core, not the Discord layer, because search snippets and embeds are built here and
tested without Discord; the rules follow Discord's Markdown.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_INLINE_SPECIAL: Final = re.compile(r"([\\*_~`|\[\]<])")
_LINE_START_SPECIAL: Final = re.compile(r"^(\s*)(>|#|-|\d+(?=\.))", re.MULTILINE)
_FOOTNOTE_MARK: Final = re.compile(r"\[\^([^\]\s]+)\]")
_MENTION_LIKE: Final = re.compile(r"@(everyone|here)")
# Any of the three above could apply. Most pieces of a snippet need no escape at all, and one scan
# that says so is cheaper than three substitutions that change nothing (a results page escapes
# dozens of pieces).
_MIGHT_NEED_ESCAPE: Final = re.compile(r"[\\*_~`|\[\]<@]|^\s*(?:[>#-]|\d+\.)", re.MULTILINE)
ELLIPSIS: Final = "…"

_INVISIBLE_CATEGORIES: Final = frozenset(
    {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"}
)
"""Controls, format characters (zero-width space and joiners, bidi marks), unassigned code
points, spaces and separators, and combining marks, which show nothing on their own."""
_BLANK_GLYPHS: Final = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
"""Letters and symbols that are drawn as nothing (Hangul fillers, the blank Braille pattern, ...),
a known way to post an empty-looking name."""


def is_visible(char: str) -> bool:
    """Whether a character on its own leaves a mark on the screen."""
    return char not in _BLANK_GLYPHS and unicodedata.category(char) not in _INVISIBLE_CATEGORIES


def visible_text(text: str) -> str:
    """``text`` without the invisible characters around it; empty if nothing in it shows.

    Text that people will read (a question, a meeting title) must say something: only spaces
    or zero-width characters would post an empty-looking message. Invisible characters inside
    the text (a joiner in an emoji) stay.
    """
    start = next((i for i, c in enumerate(text) if is_visible(c)), None)
    if start is None:
        return ""
    end = next(i for i in range(len(text) - 1, -1, -1) if is_visible(text[i]))
    return text[start : end + 1]


def _escape_line_start(match: re.Match[str]) -> str:
    """Headings, quotes and bullets need the backslash before the mark; numbered lists after."""
    indent, mark = match[1], match[2]
    return f"{indent}{mark}\\" if mark[0].isdigit() else f"{indent}\\{mark}"


def escape_markdown(text: str) -> str:
    """Backslash every character Discord's Markdown would act on, and defuse @everyone/@here.

    Mentions are already disabled on every message the bot sends; defusing the visible ``@everyone``
    as well keeps a quoted text from even looking like a ping.
    """
    if _MIGHT_NEED_ESCAPE.search(text) is None:
        return text
    return _escape_all(text)


def _escape_all(text: str) -> str:
    escaped = _INLINE_SPECIAL.sub(r"\\\1", text)
    escaped = _LINE_START_SPECIAL.sub(_escape_line_start, escaped)
    return _MENTION_LIKE.sub("@\u200b\\1", escaped)


_SEED_EMPHASIS: Final = re.compile(r"(\*\*[^*\n]+?\*\*|\*[^*\n]+?\*)")


def escape_keeping_emphasis(text: str) -> str:
    """Escape a seed's text but keep its own balanced ``*italic*`` and ``**bold**``.

    Seeds are Markdown written by the project, so their emphasis is meant; everything else is
    escaped so that no other character of a text can change how Discord shows it.
    """
    parts: list[str] = []
    last = 0
    for match in _SEED_EMPHASIS.finditer(text):
        parts.append(escape_markdown(text[last : match.start()]))
        marks = "**" if match[0].startswith("**") else "*"
        inner = match[0][len(marks) : -len(marks)]
        parts.append(f"{marks}{escape_markdown(inner)}{marks}")
        last = match.end()
    parts.append(escape_markdown(text[last:]))
    return "".join(parts)


def render_footnote_marks(text: str, escape: bool = True) -> str:
    """Show ``[^12]`` markers as ``[12]``, as the texts were published; keep seed emphasis."""
    parts: list[str] = []
    last = 0
    for match in _FOOTNOTE_MARK.finditer(text):
        chunk = text[last : match.start()]
        parts.append(escape_keeping_emphasis(chunk) if escape else chunk)
        parts.append(f"\\[{match[1]}\\]" if escape else f"[{match[1]}]")
        last = match.end()
    tail = text[last:]
    parts.append(escape_keeping_emphasis(tail) if escape else tail)
    return "".join(parts)


def plain_text(text: str) -> str:
    """The words of a passage without footnote markers, for search and previews."""
    return _FOOTNOTE_MARK.sub("", text)


def truncate(text: str, limit: int) -> str:
    """Cut at a word boundary to at most ``limit`` characters, ending with an ellipsis if cut.

    A trailing lone backslash left by the cut would escape the ellipsis, so it is dropped.
    """
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    cut = cut.rstrip()
    while cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut + ELLIPSIS
