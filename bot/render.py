"""What the bot shows, as plain data: embeds described without Discord's classes.

Building the content here keeps Discord's limits (4096 for a description, 6000 for an embed...)
in one tested place; the Discord layer only copies an :class:`EmbedSpec` into a ``discord.Embed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from bot import i18n
from bot.i18n import _, ngettext
from bot.library.model import Footnote, Paragraph, Passage
from bot.text import escape_markdown, render_footnote_marks, truncate

if TYPE_CHECKING:
    from bot.library import Library
    from bot.search import SearchHit

TITLE_LIMIT: Final = 256
DESCRIPTION_LIMIT: Final = 4096
FIELD_NAME_LIMIT: Final = 256
FIELD_VALUE_LIMIT: Final = 1024
FOOTER_LIMIT: Final = 2048
AUTHOR_LIMIT: Final = 256
FIELD_COUNT_LIMIT: Final = 25
TOTAL_LIMIT: Final = 6000

PASSAGE_COLOUR: Final = 0xB22222
SEARCH_COLOUR: Final = 0x2F6F9F
RESULTS_PER_PAGE: Final = 5


@dataclass(frozen=True, slots=True)
class EmbedField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class EmbedSpec:
    """An embed's content. :func:`fit` guarantees Discord's limits."""

    title: str = ""
    description: str = ""
    author: str = ""
    footer: str = ""
    colour: int = PASSAGE_COLOUR
    fields: tuple[EmbedField, ...] = field(default_factory=tuple)
    url: str = ""
    """Where the title links (a passage's page on the web app, when it runs)."""

    def total_length(self) -> int:
        """Characters Discord counts towards the 6000 limit of one embed."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.author)
            + len(self.footer)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


def fit(spec: EmbedSpec) -> EmbedSpec:
    """Truncate every part to its limit, then drop trailing fields and shorten the description
    until the whole embed is within 6000 characters: the passage itself is kept longest."""
    fields = tuple(
        EmbedField(
            truncate(f.name, FIELD_NAME_LIMIT) or "\u200b",
            truncate(f.value, FIELD_VALUE_LIMIT) or "\u200b",
            f.inline,
        )
        for f in spec.fields[:FIELD_COUNT_LIMIT]
    )
    spec = replace(
        spec,
        title=truncate(spec.title, TITLE_LIMIT),
        description=truncate(spec.description, DESCRIPTION_LIMIT),
        author=truncate(spec.author, AUTHOR_LIMIT),
        footer=truncate(spec.footer, FOOTER_LIMIT),
        fields=fields,
    )
    while spec.total_length() > TOTAL_LIMIT and spec.fields:
        spec = replace(spec, fields=spec.fields[:-1])
    excess = spec.total_length() - TOTAL_LIMIT
    if excess > 0:
        spec = replace(spec, description=truncate(spec.description, len(spec.description) - excess))
    return spec


def _document_line(library: Library, passage: Passage) -> str:
    document = library.document(passage.document)
    return f"{document.title} — {document.author}" if document.author else document.title


def permalink_path(ref: str) -> str:
    """A passage's address on the web app: ``/p/anti-ai:immediate-demands:2``."""
    return "/p/" + quote(ref, safe=":-_.")


def passage_url(web_base: str | None, ref: str) -> str:
    """The absolute link for an embed's title; empty when the web app is off."""
    return f"{web_base}{permalink_path(ref)}" if web_base else ""


def passage_embed(
    library: Library, passage: Passage, *, heading: str = "", web_base: str | None = None
) -> EmbedSpec:
    """A passage with the notes it cites; the reference in the footer so it can be quoted back."""
    if isinstance(passage, Footnote):
        title = _("Note {label}").format(label=passage.label)
        fields: tuple[EmbedField, ...] = ()
    else:
        title = library.section_path(passage)
        document = library.document(passage.document)
        fields = tuple(
            EmbedField(f"[{label}]", render_footnote_marks(document.footnotes[label].text))
            for label in passage.notes
            if label in document.footnotes
        )
    description = render_footnote_marks(passage.text)
    if heading:
        description = f"{heading}\n\n{description}"
    return fit(
        EmbedSpec(
            title=escape_markdown(title),
            description=description,
            author=_document_line(library, passage),
            footer=passage.ref,
            colour=PASSAGE_COLOUR,
            fields=fields,
            url=passage_url(web_base, passage.ref),
        )
    )


def page_count(total: int, per_page: int = RESULTS_PER_PAGE) -> int:
    return max(1, -(-total // per_page))


def search_page_embed(
    library: Library,
    query: str,
    hits: Sequence[SearchHit],
    page: int,
    *,
    per_page: int = RESULTS_PER_PAGE,
) -> EmbedSpec:
    """One page of results: reference, section and a snippet with the matched words in bold."""
    from bot.search import result_snippet

    pages = page_count(len(hits), per_page)
    page = min(max(page, 0), pages - 1)
    start = page * per_page
    fields = []
    for number, hit in enumerate(hits[start : start + per_page], start=start + 1):
        passage = hit.passage
        fields.append(EmbedField(_result_name(library, number, passage), result_snippet(hit)))
    return fit(
        EmbedSpec(
            title=_("Results for “{query}”").format(query=escape_markdown(truncate(query, 200))),
            description="" if hits else _("No passage matches."),
            footer=_search_footer(page + 1, pages, len(hits)),
            colour=SEARCH_COLOUR,
            fields=tuple(fields),
        )
    )


def _search_footer(page: int, pages: int, results: int) -> str:
    # One message with every number in it: word order and plural agreement are the language's.
    return ngettext(
        "Page {page}/{pages} · {n} result", "Page {page}/{pages} · {n} results", results
    ).format(page=i18n.number(page), pages=i18n.number(pages), n=i18n.number(results))


def _result_name(library: Library, number: int, passage: Passage) -> str:
    where = (
        _("Note {label}").format(label=passage.label)
        if isinstance(passage, Footnote)
        else (library.section_path(passage) if isinstance(passage, Paragraph) else "")
    )
    return f"{number}. {where} · {passage.ref}"


def similar_embed(library: Library, passage: Passage, hits: Sequence[SearchHit]) -> EmbedSpec:
    """ "More like this": the passages closest in meaning to ``passage``, each with the start of
    its text (no words to bold: they were found by meaning)."""
    from bot.search import snippet

    fields = tuple(
        EmbedField(_result_name(library, number, hit.passage), snippet(hit.passage.text, ()))
        for number, hit in enumerate(hits, start=1)
    )
    return fit(
        EmbedSpec(
            title=_("More like {ref}").format(ref=passage.ref),
            description=(
                _(
                    "The passages closest in meaning, from every text (the ones just before and "
                    "after it left out)."
                )
                if hits
                else _("No other passage is close in meaning.")
            ),
            colour=SEARCH_COLOUR,
            fields=fields,
        )
    )
