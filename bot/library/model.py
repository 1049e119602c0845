"""The shape of a text once parsed: documents, nested sections, paragraphs and footnotes.

Every paragraph and note has a stable, readable reference built from slugs
(``anti-ai:immediate-demands:3``, ``anti-ai:note:12``) so that a reference typed in Discord, stored
in the database or printed by the command line always names the same passage across restarts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

NOTE_SECTION = "note"
"""The section slug used in references to footnotes: ``document:note:number``."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of running text.

    ``text`` keeps the seed's inline Markdown, including footnote markers such as ``[^12]``;
    ``notes`` lists the footnote labels it cites, in order of first citation.
    """

    document: str
    section: str
    index: int
    text: str
    notes: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.document}:{self.section}:{self.index}"

    @property
    def is_note(self) -> bool:
        return False


@dataclass(frozen=True, slots=True)
class Footnote:
    """A numbered note; cited from paragraphs by ``[^label]``."""

    document: str
    label: str
    text: str

    @property
    def ref(self) -> str:
        return f"{self.document}:{NOTE_SECTION}:{self.label}"

    @property
    def is_note(self) -> bool:
        return True


Passage = Paragraph | Footnote
"""Anything a reference can name and search can find."""


@dataclass(slots=True)
class Section:
    """A heading and what stands under it, down to the next heading of the same or higher level.

    ``number`` is the section's own numbering when the text has one (``"III"`` for
    "III. GOALS OF THE MOVEMENT"), so that ``tc III 2`` and ``tc 3 2`` both resolve.
    """

    document: str
    slug: str
    title: str
    level: int
    number: str | None = None
    parent: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """``document:section``: names the whole section (it resolves to its first paragraph)."""
        return f"{self.document}:{self.slug}"

    @property
    def heading(self) -> str:
        """The heading as printed, numbering included (``III. GOALS OF THE MOVEMENT``)."""
        return f"{self.number}. {self.title}" if self.number else self.title

    def walk(self) -> Iterator[Section]:
        """This section, then its descendants depth-first, in reading order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(slots=True)
class Document:
    """One text of the library, as declared by its seed's front matter and headings."""

    slug: str
    title: str
    author: str
    date: str
    description: str
    sections: list[Section] = field(default_factory=list)
    footnotes: dict[str, Footnote] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    source: Path | None = None

    def walk(self) -> Iterator[Section]:
        """Every section depth-first, in reading order."""
        for section in self.sections:
            yield from section.walk()

    def paragraphs(self) -> Iterator[Paragraph]:
        """Every paragraph in reading order."""
        for section in self.walk():
            yield from section.paragraphs

    def passages(self) -> Iterator[Passage]:
        """Every paragraph in reading order, then every footnote in label order."""
        yield from self.paragraphs()
        yield from self.footnotes.values()
