"""A whole text as HTML: table of contents, sections, paragraphs with their references as ids,
and footnotes linked both ways.

A text never changes while the process runs, so each is rendered once per language (English at
start-up, another the first time a reader asks for it) and kept; a page is then a string copied
into the layout. Seeds are Markdown written by
the project: markdown-it renders their inline emphasis and links with raw HTML disabled, so
nothing in a seed can inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from bot import i18n
from bot.library import Document, Library, Section
from bot.render import permalink_path

_MD: Final = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MARK: Final = re.compile(r"\[\^([A-Za-z0-9_.-]+)\]")


permalink = permalink_path


def text_url(slug: str) -> str:
    return "/texts/" + quote(slug, safe="-_.")


@dataclass(frozen=True, slots=True)
class RenderedText:
    title: str
    html: Markup


def _inline(text: str, document: Document, cited_from: str | None) -> str:
    """One paragraph's Markdown as HTML, its footnote markers as links to the notes."""
    html = _MD.renderInline(text)
    seen: set[str] = set()

    def marker(match: re.Match[str]) -> str:
        label = match[1]
        note = document.footnotes.get(label)
        if note is None:
            return str(escape(match[0]))
        anchor = ""
        if cited_from is not None and label not in seen:
            seen.add(label)
            anchor = f' id="{escape(_cite_id(cited_from, label))}"'
        return (
            f'<sup class="fn"><a href="#{escape(note.ref)}"{anchor} '
            f'aria-label="Note {escape(label)}">{escape(label)}</a></sup>'
        )

    return _MARK.sub(marker, html)


def _cite_id(paragraph_ref: str, label: str) -> str:
    return f"cite-{paragraph_ref}-{label}"


def _toc(sections: list[Section]) -> Iterator[str]:
    yield "<ol>"
    for section in sections:
        yield f'<li><a href="#{escape(section.ref)}">{escape(section.heading)}</a>'
        if section.children:
            yield from _toc(section.children)
        yield "</li>"
    yield "</ol>"


def _section(section: Section, document: Document, depth: int) -> Iterator[str]:
    level = min(2 + depth, 6)
    heading_id = f"{section.ref}-h"
    yield f'<section id="{escape(section.ref)}" aria-labelledby="{escape(heading_id)}">'
    yield f'<h{level} id="{escape(heading_id)}">{escape(section.heading)}</h{level}>'
    yield from _paragraphs(section, document)
    for child in section.children:
        yield from _section(child, document, depth + 1)
    yield "</section>"


def _paragraphs(section: Section, document: Document) -> Iterator[str]:
    for paragraph in section.paragraphs:
        ref = paragraph.ref
        yield (
            f'<p id="{escape(ref)}" class="para">'
            f'<a class="pref" href="{escape(permalink(ref))}" '
            f'aria-label="{escape(i18n._("Permalink to paragraph {ref}").format(ref=ref))}">'
            f"{paragraph.index}</a> "
            f"{_inline(paragraph.text, document, ref)}</p>"
        )


def render_document(library: Library, slug: str) -> RenderedText:
    document = library.documents[slug]
    first_citation: dict[str, str] = {}
    for paragraph in document.paragraphs():
        for label in paragraph.notes:
            first_citation.setdefault(label, paragraph.ref)
    parts: list[str] = ['<article class="text">', "<header>"]
    parts.append(f"<h1>{escape(document.title)}</h1>")
    byline = " · ".join(part for part in (document.author, document.date) if part)
    if byline:
        parts.append(f'<p class="byline">{escape(byline)}</p>')
    if document.description:
        parts.append(f'<p class="description">{escape(document.description)}</p>')
    parts.append("</header>")
    # An untitled opening (the text before the first heading) stands under the title itself,
    # after the contents, so that on a phone the contents come first.
    sections = list(document.sections)
    opening = sections[0] if sections and sections[0].level == 1 else None
    if opening is not None:
        sections = opening.children + sections[1:]
    if sections:
        contents = escape(i18n._("Contents"))
        parts.append(f'<nav class="toc" aria-labelledby="toc-h"><h2 id="toc-h">{contents}</h2>')
        parts.extend(_toc(sections))
        if document.footnotes:
            parts.append(f'<p><a href="#notes">{escape(i18n._("Notes"))}</a></p>')
        parts.append("</nav>")
    if opening is not None:
        parts.append(f'<div id="{escape(opening.ref)}" class="opening">')
        parts.extend(_paragraphs(opening, document))
        parts.append("</div>")
    for section in sections:
        parts.extend(_section(section, document, 0))
    if document.footnotes:
        parts.append('<section id="notes" class="notes" aria-labelledby="notes-h">')
        parts.append(f'<h2 id="notes-h">{escape(i18n._("Notes"))}</h2><ol>')
        for label, note in document.footnotes.items():
            back = ""
            citing = first_citation.get(label)
            if citing is not None:
                back_label = escape(
                    i18n._("Back to the text citing note {label}").format(label=label)
                )
                back = (
                    f' <a class="back" href="#{escape(_cite_id(citing, label))}" '
                    f'aria-label="{back_label}">↩</a>'
                )
            parts.append(
                f'<li id="{escape(note.ref)}" class="para" value="{escape(label)}">'
                f"{_inline(note.text, document, None)}{back}</li>"
                if label.isdigit()
                else f'<li id="{escape(note.ref)}" class="para">'
                f"<strong>{escape(label)}.</strong> {_inline(note.text, document, None)}{back}</li>"
            )
        parts.append("</ol></section>")
    parts.append("</article>")
    return RenderedText(document.title, Markup("".join(parts)))


class TextCache:
    """Every text rendered once per language: English when the app is built (about 10 ms for
    both seeds, before the bot connects), another language the first time a page asks for it
    (its headings and link labels are translated); a page is then a dictionary lookup."""

    def __init__(self, library: Library) -> None:
        self._library = library
        with i18n.language(i18n.DEFAULT):
            self._done = {
                (i18n.DEFAULT, slug): render_document(library, slug) for slug in library.documents
            }

    def get(self, slug: str) -> RenderedText:
        key = (i18n.current(), slug)
        found = self._done.get(key)
        if found is None:
            if slug not in self._library.documents:
                raise KeyError(slug)
            found = self._done[key] = render_document(self._library, slug)
        return found


def highlighted(html: Markup, ref: str) -> Markup:
    """The text with one paragraph marked as the one a link pointed to."""
    needle = f'id="{escape(ref)}" class="para"'
    return Markup(str(html).replace(needle, f'{needle[:-1]} hl" aria-current="location"', 1))
