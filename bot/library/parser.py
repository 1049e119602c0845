"""Seed files (Markdown with YAML front matter) into :class:`~bot.library.model.Document`.

Markdown and YAML are read by markdown-it-py (with its footnote and front-matter plugins) and
PyYAML; this module only maps their tokens onto the library's model and refuses anything a reader
would trip over later: a seed that loads is one whose every reference and note resolves. Each
refusal is a :class:`~bot.errors.SeedError` pointing at ``file:line`` so the author can fix it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Final

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from bot.errors import SeedError
from bot.library.model import NOTE_SECTION, Document, Footnote, Paragraph, Section

REQUIRED_KEYS: Final = ("slug", "title", "author", "date", "description")
"""Front-matter keys every seed must declare."""

OPENING_SLUG: Final = "opening"
OPENING_TITLE: Final = "Opening"
"""Where text before the first heading (a dateline, an epigraph) goes, so it stays quotable."""

MAX_SECTION_SLUG: Final = 48
MAX_NOTE_LABEL: Final = 8
"""Long titles are cut (at a word) so that any reference, with a short prefix, fits Discord's
100-character limits on choice values and button ids: 32 (document) + 48 + 2 colons + 4 digits."""

# Slugs that would read as something else in a reference ``document:section:paragraph``.
_RESERVED_SECTION_SLUGS: Final = frozenset({NOTE_SECTION, "notes"})
_DOCUMENT_SLUG: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_DOCUMENT_SLUG: Final = 32
_NUMBERED_HEADING: Final = re.compile(r"^(?P<number>[IVXLCDM]+|\d{1,3})[.)]\s+(?P<title>\S.*)$")
_ROMAN: Final = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_CITATION: Final = re.compile(r"\[\^([^\]\s]+)\]")
_DEFINITION: Final = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:(.*)$")
# Hard line breaks are Markdown syntax, not words: a passage's text keeps plain newlines instead.
_HARD_BREAK: Final = re.compile(r"(?: {2,}|\\)$", re.MULTILINE)

_MARKDOWN: Final = MarkdownIt("commonmark").use(front_matter_plugin).use(footnote_plugin)


def slugify(text: str, max_length: int = MAX_SECTION_SLUG) -> str:
    """Lower-case ASCII words and hyphens: ``What Is to Be Done?`` → ``what-is-to-be-done``."""
    # Apostrophes join (``d’Arc`` → ``darc``), whichever of the two the text happens to use.
    text = text.replace("’", "").replace("'", "")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.casefold())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or (words[0][:max_length] if words else "section")


def roman_to_int(text: str) -> int | None:
    """The value of a well-formed Roman numeral (any case), or ``None``."""
    upper = text.upper()
    if not upper or not _ROMAN.match(upper):
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for current, following in zip(upper, [*upper[1:], ""], strict=True):
        value = values[current]
        total += -value if following and values[following] > value else value
    return total


def section_number_value(number: str) -> int | None:
    """``"III"`` → 3, ``"3"`` → 3: how ``tc III 2`` and ``tc 3 2`` meet."""
    return int(number) if number.isdigit() else roman_to_int(number)


@dataclass(slots=True)
class _State:
    """What the token walk has built so far."""

    name: str
    document: Document
    definitions: Mapping[str, int]
    stack: list[Section] = field(default_factory=list)
    slugs: set[str] = field(default_factory=set)
    opening: Section | None = None
    last_level: int = 1
    list_markers: list[str] = field(default_factory=list)
    item_marker: str | None = None

    def where(self, line: int) -> str:
        return f"{self.name}:{line}"


def parse_seed(path: Path) -> Document:
    """Read one seed file; raises :class:`SeedError` with ``file:line`` when it is malformed."""
    name = str(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SeedError(f"{name}:1", f"not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise SeedError(f"{name}:1", f"cannot be read ({exc.strerror})") from exc
    return parse_seed_text(source, name=name, path=path)


def parse_seed_text(source: str, *, name: str, path: Path | None = None) -> Document:
    """Parse seed text; ``name`` is what error locations call the file."""
    source = source.lstrip("\ufeff")
    tokens = _MARKDOWN.parse(source, {})
    if not tokens or tokens[0].type != "front_matter":
        raise SeedError(
            f"{name}:1",
            "no front matter: a seed starts with a '---' block declaring "
            + ", ".join(REQUIRED_KEYS),
        )
    meta, aliases = _front_matter(tokens[0], name)
    document = Document(
        slug=meta["slug"],
        title=meta["title"],
        author=meta["author"],
        date=meta["date"],
        description=meta["description"],
        aliases=_aliases(aliases, name),
        source=path,
    )
    definitions = _definition_lines(source, name)
    state = _State(name=name, document=document, definitions=definitions)
    _walk(tokens[1:], state)
    _attach_footnotes(tokens, state)
    if not any(True for _ in document.paragraphs()):
        raise SeedError(f"{name}:{_line(tokens[0], 1)}", "the text has no paragraphs")
    return document


def front_matter_line(path: Path, key: str) -> int:
    """The line declaring ``key`` in a seed's front matter (1 if it cannot be found)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            break
        if line.startswith(f"{key}:"):
            return number
    return 1


def _line(token: Token, default: int) -> int:
    return token.map[0] + 1 if token.map else default


def _front_matter(token: Token, name: str) -> tuple[dict[str, str], object]:
    try:
        data = yaml.safe_load(token.content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SeedError(f"{name}:{line}", f"front matter is not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise SeedError(f"{name}:1", "front matter must be 'key: value' lines")
    missing = [key for key in REQUIRED_KEYS if key not in data or data[key] in (None, "")]
    if missing:
        raise SeedError(f"{name}:1", f"front matter lacks {', '.join(missing)}")
    meta: dict[str, str] = {}
    for key, value in data.items():
        if key == "aliases":
            continue
        if isinstance(value, Date):
            value = value.isoformat()
        if not isinstance(value, str | int | float):
            raise SeedError(
                f"{name}:{_key_line(token, str(key))}", f"front matter '{key}' must be text"
            )
        meta[str(key)] = str(value).strip()
    slug = meta["slug"]
    if not _DOCUMENT_SLUG.match(slug) or len(slug) > _MAX_DOCUMENT_SLUG or slug == NOTE_SECTION:
        raise SeedError(
            f"{name}:{_key_line(token, 'slug')}",
            f"slug “{slug}” must be lower-case letters, digits and single hyphens "
            f"(at most {_MAX_DOCUMENT_SLUG} characters)",
        )
    return meta, data.get("aliases")


def _key_line(token: Token, key: str) -> int:
    for offset, line in enumerate(token.content.splitlines()):
        if line.startswith(f"{key}:"):
            return _line(token, 0) + 2 + offset
    return _line(token, 1)


def _aliases(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items: Sequence[object] = [value] if isinstance(value, str) else value  # type: ignore[assignment]
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise SeedError(f"{name}:1", "front matter 'aliases' must be a list of short names")
    aliases = tuple(dict.fromkeys(str(item).strip().casefold() for item in items))
    for alias in aliases:
        if not _DOCUMENT_SLUG.match(alias) or len(alias) > _MAX_DOCUMENT_SLUG:
            raise SeedError(f"{name}:1", f"alias “{alias}” must look like a slug (e.g. tc)")
    return aliases


def _definition_lines(source: str, name: str) -> dict[str, int]:
    """Note labels and the line defining each, refusing duplicates and empty notes."""
    lines = source.splitlines()
    found: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        match = _DEFINITION.match(line)
        if not match:
            continue
        label = match.group(1)
        if len(label) > MAX_NOTE_LABEL:
            raise SeedError(
                f"{name}:{number}",
                f"note label [^{label}] is longer than {MAX_NOTE_LABEL} characters",
            )
        if label in found:
            raise SeedError(
                f"{name}:{number}",
                f"note [^{label}] is defined twice (first on line {found[label]})",
            )
        rest = match.group(2).strip()
        following = lines[number] if number < len(lines) else ""
        if not rest and not following.startswith("    "):
            raise SeedError(f"{name}:{number}", f"note [^{label}] has no text")
        found[label] = number
    return found


def _walk(tokens: Sequence[Token], state: _State) -> None:
    unsupported = {
        "fence": "code block",
        "code_block": "code block",
        "html_block": "HTML block",
        "table_open": "table",
    }
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind == "footnote_block_open":
            return  # Notes are read by _attach_footnotes.
        if kind == "heading_open":
            _heading(token, tokens[index + 1], state)
        elif kind == "paragraph_open":
            _paragraph(token, tokens[index + 1], state)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            state.list_markers.append(token.markup)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            state.list_markers.pop()
        elif kind == "list_item_open":
            ordered = token.info != ""
            marker = state.list_markers[-1] if state.list_markers else "-"
            state.item_marker = f"{token.info}{marker}" if ordered else marker
        elif kind in unsupported:
            raise SeedError(
                state.where(_line(token, 1)),
                f"{unsupported[kind]} not supported: seeds hold headings, paragraphs, quotes, "
                "lists and notes",
            )
        index += 1


def _heading(token: Token, inline: Token, state: _State) -> None:
    line = _line(token, 1)
    level = int(token.tag[1:])
    if level > state.last_level + 1:
        previous = "the title" if not state.stack else "#" * state.last_level
        raise SeedError(
            state.where(line),
            f"heading level skipped: {'#' * level} follows {previous} "
            f"(use {'#' * (state.last_level + 1)})",
        )
    _check_citations(inline.content, line, state)
    heading = "".join(
        child.content for child in inline.children or () if child.type in ("text", "code_inline")
    ).strip()
    if not heading:
        raise SeedError(state.where(line), "heading has no title")
    number: str | None = None
    title = heading
    match = _NUMBERED_HEADING.match(heading)
    if match and section_number_value(match.group("number")) is not None:
        number, title = match.group("number"), match.group("title").strip()
    slug = _unique_slug(slugify(title), state)
    while state.stack and state.stack[-1].level >= level:
        state.stack.pop()
    parent = state.stack[-1] if state.stack else None
    section = Section(
        document=state.document.slug,
        slug=slug,
        title=title,
        level=level,
        number=number,
        parent=parent.slug if parent else None,
    )
    (parent.children if parent else state.document.sections).append(section)
    state.stack.append(section)
    state.last_level = level


def _unique_slug(base: str, state: _State) -> str:
    slug, counter = base, 1
    while slug in state.slugs or slug in _RESERVED_SECTION_SLUGS:
        counter += 1
        suffix = f"-{counter}"
        slug = f"{base[: MAX_SECTION_SLUG - len(suffix)]}{suffix}"
    state.slugs.add(slug)
    return slug


def _current_section(state: _State) -> Section:
    if state.stack:
        return state.stack[-1]
    if state.opening is None:
        state.opening = Section(
            document=state.document.slug,
            slug=_unique_slug(OPENING_SLUG, state),
            title=OPENING_TITLE,
            level=1,
        )
        state.document.sections.append(state.opening)
    return state.opening


def _paragraph(token: Token, inline: Token, state: _State) -> None:
    line = _line(token, 1)
    text = _HARD_BREAK.sub("", inline.content).strip()
    if state.item_marker is not None:
        text = f"{state.item_marker} {text}"
        state.item_marker = None
    if not text:
        return
    notes = _check_citations(text, line, state)
    section = _current_section(state)
    section.paragraphs.append(
        Paragraph(
            document=state.document.slug,
            section=section.slug,
            index=len(section.paragraphs) + 1,
            text=text,
            notes=notes,
        )
    )


def _check_citations(text: str, line: int, state: _State) -> tuple[str, ...]:
    labels = tuple(dict.fromkeys(_CITATION.findall(text)))
    for label in labels:
        if label not in state.definitions:
            raise SeedError(state.where(line), f"note [^{label}] is cited but never defined")
    return labels


def _attach_footnotes(tokens: Sequence[Token], state: _State) -> None:
    """Collect notes from the footnote block markdown-it gathers at the end of the token stream."""
    texts: dict[str, list[str]] = {}
    label: str | None = None
    for index, token in enumerate(tokens):
        if token.type == "footnote_open":
            label = str(token.meta["label"])
            texts[label] = []
        elif token.type == "footnote_close":
            label = None
        elif (
            token.type == "inline"
            and label is not None
            and tokens[index - 1].type.startswith("paragraph")
        ):
            text = _HARD_BREAK.sub("", token.content).strip()
            if text:
                texts[label].append(text)
    for label in sorted(texts, key=_natural_key):
        if not texts[label]:
            raise SeedError(
                state.where(state.definitions.get(label, 1)), f"note [^{label}] has no text"
            )
        state.document.footnotes[label] = Footnote(
            document=state.document.slug, label=label, text="\n\n".join(texts[label])
        )


def _natural_key(label: str) -> tuple[int, int, str]:
    return (0, int(label), "") if label.isdigit() else (1, 0, label)
