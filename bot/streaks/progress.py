"""Reading progress per text, and finding the section a member says they read.

A section counts as read once the member recorded reading in it: the whole section with
``/read section``, or any of its passages with a "Mark as read" button. Only sections with text of
their own count (a part heading whose text is all in subsections is not a section to read).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process

from bot.errors import BotError
from bot.i18n import _
from bot.library.library import Library
from bot.library.model import Document, Section

BAR_WIDTH: Final = 20


class UnknownSection(BotError):
    """A section reference that names no readable section."""

    def __init__(self, typed: str, suggestions: list[str]) -> None:
        shown = typed.strip()[:80]
        if suggestions:
            listed = ", ".join(f"`{s}`" for s in suggestions)
            text = _(
                "There is no section “{typed}”. Pick one from the list as you type. "
                "Did you mean {listed}?"
            ).format(typed=shown, listed=listed)
        else:
            text = _("There is no section “{typed}”. Pick one from the list as you type.").format(
                typed=shown
            )
        super().__init__(text)
        self.suggestions = suggestions


class NothingToUndo(BotError):
    """``/read undo`` by a member with no reading recorded in this server."""

    def __init__(self) -> None:
        super().__init__(_("There is no reading of yours on this server to undo."))


@dataclass(frozen=True, slots=True)
class Progress:
    document: str
    title: str
    read: int
    total: int

    @property
    def fraction(self) -> float:
        return self.read / self.total if self.total else 0.0


def readable_sections(document: Document) -> list[Section]:
    """Sections with paragraphs of their own, in reading order."""
    return [section for section in document.walk() if section.paragraphs]


def _label(document: Document, section: Section) -> str:
    label = f"{document.title} › {section.heading}"
    return label if len(label) <= 100 else label[:99] + "…"


def section_choices(library: Library, typed: str, limit: int = 25) -> list[tuple[str, str]]:
    """Autocomplete ``(label, section ref)`` pairs: substring matches in order, then fuzzy ones."""
    everything = [
        (_label(doc, section), section.ref)
        for doc in library.documents.values()
        for section in readable_sections(doc)
    ]
    needle = typed.strip().casefold()
    if not needle:
        return everything[:limit]
    found = [c for c in everything if needle in c[0].casefold() or needle in c[1].casefold()]
    if len(found) < limit:
        labels = [f"{label} {ref}".casefold() for label, ref in everything]
        for _label_text, _score, index in process.extract(
            needle, labels, scorer=fuzz.WRatio, limit=limit, score_cutoff=60
        ):
            if everything[index] not in found:
                found.append(everything[index])
    return found[:limit]


def find_section(library: Library, typed: str) -> Section:
    """The readable section a typed value names (its ref as autocomplete sends, or its title)."""
    text = typed.strip()
    for doc in library.documents.values():
        for section in readable_sections(doc):
            if text.casefold() in (section.ref.casefold(), _label(doc, section).casefold()):
                return section
    suggestions = [ref for _, ref in section_choices(library, text, limit=3)] if text else []
    raise UnknownSection(typed, suggestions)


def progress_of(
    library: Library, read_sections: Collection[tuple[str, str]], document: str | None = None
) -> list[Progress]:
    """Sections read out of all, per text (one text when ``document`` is given)."""
    documents: Iterable[Document] = (
        [library.document(document)] if document is not None else library.documents.values()
    )
    result = []
    for doc in documents:
        sections = readable_sections(doc)
        read = sum(1 for s in sections if (doc.slug, s.slug) in read_sections)
        result.append(Progress(doc.slug, doc.title, read, len(sections)))
    return result


def progress_bar(read: int, total: int, width: int = BAR_WIDTH) -> str:
    """``▰▰▰▱▱▱`` with as many filled cells as the share read (rounded down, full only at 100%)."""
    if total <= 0:
        return "▱" * width
    filled = min(width, read * width // total)
    return "▰" * filled + "▱" * (width - filled)
