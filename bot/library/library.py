"""The loaded texts, and every way of reaching a passage in them.

Everything a command needs per keystroke (reference lookups, autocomplete candidates, reading
order) is computed once here, when the seeds are loaded, so that answering is a dictionary lookup
or one fuzzy pass over a few hundred short strings.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Final

from rapidfuzz import fuzz, process

from bot.errors import (
    AmbiguousReference,
    BadReference,
    SeedError,
    UnknownDocument,
    UnknownReference,
)
from bot.library.model import NOTE_SECTION, Document, Footnote, Paragraph, Passage, Section
from bot.library.parser import front_matter_line, parse_seed, roman_to_int, section_number_value
from bot.library.references import NOISE_WORDS, NOTE_WORDS, Query, as_number, clean

NOTES_TITLE: Final = "Notes"
"""How footnotes are labelled where a section title would stand."""

MAX_CHOICE: Final = 100
"""Discord's limit on an autocomplete choice's name and value."""

QUOTABLE_WORDS: Final = 12
"""Random and daily quotes skip shorter paragraphs (datelines, signatures, one-line questions)."""

SUGGESTIONS: Final = 5

# Fuzzy matching (rapidfuzz, 0-100): a typed word below the floor has no counterpart in a title;
# titles within the margin of the best are too close to pick one without asking. Autocomplete and
# suggestions rank with partial_ratio, several times faster than WRatio on these short keys.
_WORD_FLOOR: Final = 80
_FUZZY_MARGIN: Final = 3
_FUZZY_MAX_WORDS: Final = 12
_COMPLETE_FLOOR: Final = 45
_MARKER: Final = re.compile(r"\[\^[^\]\s]+\]")
_EMPHASIS: Final = re.compile(r"(?<!\w)[*_]{1,3}|[*_]{1,3}(?!\w)")


@dataclass(frozen=True, slots=True)
class _Choice:
    """One autocomplete candidate; ``key`` is what typed text is compared with."""

    label: str
    value: str
    key: str
    kind: int  # 0 section, 1 paragraph, 2 note: sections first on equal scores
    order: int
    document: str


@dataclass(frozen=True, slots=True)
class _Found:
    """A resolved reference, and whether it named a whole section or document."""

    passage: Passage
    section: Section | None = None
    document: Document | None = None


class Library:
    """Documents by slug, with lookups by reference, reading order and autocomplete."""

    def __init__(self, documents: Iterable[Document]) -> None:
        self.documents: dict[str, Document] = {}
        self._names: dict[str, str] = {}
        for document in documents:
            self._add_document(document)
        self._sections: dict[str, Section] = {}
        self._section_list: dict[str | None, list[Section]] = {None: []}
        self._notes_sections: dict[str, Section] = {}
        self._passages: dict[str, Passage] = {}
        self._reading: dict[str | None, list[Paragraph]] = {None: []}
        self._positions: dict[str, int] = {}
        self._notes: dict[str, list[Footnote]] = {}
        self._quotable: dict[str | None, list[Paragraph]] = {}
        for document in self.documents.values():
            self._index_document(document)
        for scope, paragraphs in self._reading.items():
            long_ones = [p for p in paragraphs if len(p.text.split()) >= QUOTABLE_WORDS]
            self._quotable[scope] = long_ones or list(paragraphs)
        self._choices: dict[str | None, list[_Choice]] = {None: []}
        self._choice_by_value: dict[str, _Choice] = {}
        self._build_choices()

    # -- building ----------------------------------------------------------------------------

    def _add_document(self, document: Document) -> None:
        existing = self.documents.get(document.slug)
        if existing is not None:
            other = existing.source or existing.title
            raise SeedError(
                _where(document), f"document slug “{document.slug}” is already used by {other}"
            )
        self.documents[document.slug] = document
        names = {document.slug, document.slug.replace("-", "")}
        for alias in document.aliases:
            names |= {alias, alias.replace("-", "")}
        for name in sorted(names):
            owner = self._names.get(name)
            if owner is not None and owner != document.slug:
                raise SeedError(
                    _where(document), f"name “{name}” already refers to the document “{owner}”"
                )
            self._names[name] = document.slug

    def _index_document(self, document: Document) -> None:
        slug = document.slug
        # A heading with nothing under it (the Anti-AI Manifesto's "References", whose notes are
        # footnotes) names no passage, so it must never be matched, suggested or offered.
        sections = [s for s in document.walk() if self._first_paragraph(s) is not None]
        self._section_list[slug] = sections
        self._section_list[None].extend(sections)
        for section in sections:
            self._sections[section.ref] = section
        self._notes_sections[slug] = Section(
            document=slug, slug=NOTE_SECTION, title=NOTES_TITLE, level=1
        )
        reading = list(document.paragraphs())
        self._reading[slug] = reading
        self._reading[None].extend(reading)
        for position, paragraph in enumerate(reading):
            self._passages[paragraph.ref] = paragraph
            self._positions[paragraph.ref] = position
        notes = list(document.footnotes.values())
        self._notes[slug] = notes
        for position, note in enumerate(notes):
            self._passages[note.ref.casefold()] = note
            self._positions[note.ref] = position

    def _build_choices(self) -> None:
        order = 0
        for document in self.documents.values():
            names = " ".join((document.slug, *document.aliases))
            scoped: list[_Choice] = []
            for section in self._section_list[document.slug]:
                path = self._path(section)
                scoped.append(
                    _choice(
                        f"{document.slug} › {path}",
                        section.ref,
                        f"{names} {section.number or ''} {path}",
                        0,
                        order,
                        document.slug,
                    )
                )
                order += 1
                for paragraph in section.paragraphs:
                    snippet = _plain(paragraph.text)
                    where = f"{section.heading} ¶{paragraph.index}"
                    scoped.append(
                        _choice(
                            f"{document.slug} › {where}: {snippet}",
                            paragraph.ref,
                            f"{names} {section.number or ''} {path} {paragraph.index} "
                            + snippet[:60],
                            1,
                            order,
                            document.slug,
                        )
                    )
                    order += 1
            for note in self._notes[document.slug]:
                snippet = _plain(note.text)
                scoped.append(
                    _choice(
                        f"{document.slug} › Note {note.label}: {snippet}",
                        note.ref,
                        f"{names} note {note.label} {snippet[:60]}",
                        2,
                        order,
                        document.slug,
                    )
                )
                order += 1
            self._choices[document.slug] = scoped
            self._choices[None].extend(scoped)
        self._choice_by_value = {choice.value: choice for choice in self._choices[None]}
        self._keys = {scope: [c.key for c in choices] for scope, choices in self._choices.items()}

    # -- documents and reading order -----------------------------------------------------------

    def document(self, slug_or_alias: str) -> Document:
        """The document by slug or alias (any case, hyphens optional); raises UnknownDocument."""
        words = clean(slug_or_alias).words
        for name in ("-".join(words), "".join(words)):
            slug = self._names.get(name)
            if slug is not None:
                return self.documents[slug]
        raise UnknownDocument(slug_or_alias.strip()[:80], list(self.documents))

    def paragraphs(self, document: str | None = None) -> Sequence[Paragraph]:
        """Every paragraph in reading order (of one document, or of all in load order)."""
        return tuple(self._reading[self._scope(document)])

    def section_of(self, passage: Passage) -> Section:
        """The section a paragraph stands in; for a note, its document's pseudo-section "Notes"."""
        if isinstance(passage, Footnote):
            section = self._notes_sections.get(passage.document)
        else:
            section = self._sections.get(f"{passage.document}:{passage.section}")
        if section is None:
            raise UnknownReference(passage.ref, [])
        return section

    def section_path(self, passage: Passage) -> str:
        """Headings from the top down to the passage: ``What Is to Be Done? › Labor Unions``."""
        return self._path(self.section_of(passage))

    def neighbours(self, passage: Passage) -> tuple[Passage | None, Passage | None]:
        """The passages before and after, in one document's reading order (notes among notes)."""
        sequence: Sequence[Passage]
        if isinstance(passage, Footnote):
            sequence = self._notes.get(passage.document, [])
        else:
            sequence = self._reading.get(passage.document, [])
        position = self._positions.get(passage.ref)
        if position is None or position >= len(sequence) or sequence[position] != passage:
            raise UnknownReference(passage.ref, [])
        before = sequence[position - 1] if position > 0 else None
        after = sequence[position + 1] if position + 1 < len(sequence) else None
        return before, after

    def random_paragraph(self, rng: random.Random, document: str | None = None) -> Paragraph:
        """A paragraph worth quoting alone, drawn with the caller's generator (seed it in tests)."""
        return rng.choice(self._quotable[self._scope(document)])

    def daily_paragraph(self, key: int, day: Date, document: str | None = None) -> Paragraph:
        """The quote of the day for ``key`` (a server id): fixed for the day, new the next day.

        Each key walks its own shuffle of the quotable paragraphs, one a day, so consecutive days
        never repeat and two servers rarely read the same passage on the same day. The shuffle sorts
        by SHA-256, which unlike ``hash()`` is the same in every process and Python version.
        """
        order = _daily_order(self, key, self._scope(document))
        return order[day.toordinal() % len(order)]

    # -- references ------------------------------------------------------------------------------

    def get(self, ref: str) -> Passage:
        """The passage at a canonical ref: ``doc:section:n``, ``doc:note:label`` or a section."""
        passage = self._passages.get(ref) or self._passages.get(ref.casefold())
        if passage is not None:
            return passage
        section = self._sections.get(ref)
        if section is not None:
            first = self._first_paragraph(section)
            if first is not None:
                return first
        raise UnknownReference(clean(ref).display, self._suggest(clean(ref), None))

    def resolve(self, text: str, document: str | None = None) -> Passage:
        """The passage a typed reference means, forgiving case, separators, aliases and typos.

        Raises UnknownReference or AmbiguousReference (both list the closest canonical references,
        best first) and nothing else for any text; an unknown ``document`` raises UnknownDocument.
        """
        return self._find(text, self._scope(document) if document is not None else None).passage

    def complete(
        self, current: str, document: str | None = None, limit: int = 25
    ) -> list[tuple[str, str]]:
        """Autocomplete choices ``(label, ref)`` for what has been typed so far, best first."""
        if limit <= 0:
            return []
        try:
            scope = self._scope(document) if document is not None else None
        except UnknownDocument:
            return []
        choices = self._choices[scope]
        query = clean(current)
        if not query.words:
            sections = [choice for choice in choices if choice.kind == 0]
            return [(c.label, c.value) for c in sections[:limit]]
        picked: dict[str, _Choice] = {}
        structured = self._structured_choices(current, scope)
        for choice in structured:
            picked.setdefault(choice.value, choice)
        if structured and len(picked) < limit:
            # What was named, then what follows it in reading order: the likely next choices.
            last = choices.index(structured[-1]) if structured[-1] in choices else len(choices)
            for choice in choices[last + 1 : last + 1 + limit]:
                if choice.document == structured[-1].document:
                    picked.setdefault(choice.value, choice)
        if len(picked) < limit:
            scored = process.extract(
                " ".join(query.words),
                self._keys[scope],
                scorer=fuzz.partial_ratio,
                limit=limit * 2,
                score_cutoff=_COMPLETE_FLOOR,
            )
            ranked = sorted(scored, key=lambda hit: (-round(hit[1]), choices[hit[2]].kind, hit[2]))
            for _key, _score, index in ranked:
                picked.setdefault(choices[index].value, choices[index])
        return [(c.label, c.value) for c in list(picked.values())[:limit]]

    # -- internals -----------------------------------------------------------------------------

    def _scope(self, document: str | None) -> str | None:
        return None if document is None else self.document(document).slug

    def _path(self, section: Section) -> str:
        headings = [section.heading]
        parent = section.parent
        while parent is not None:
            owner = self._sections[f"{section.document}:{parent}"]
            headings.append(owner.heading)
            parent = owner.parent
        return " › ".join(reversed(headings))

    def _first_paragraph(self, section: Section) -> Paragraph | None:
        return next((p for s in section.walk() for p in s.paragraphs), None)

    def _structured_choices(self, current: str, scope: str | None) -> list[_Choice]:
        try:
            found = self._find(current, scope, suggest=False)
        except AmbiguousReference as exc:
            return [self._choice_by_value[c] for c in exc.candidates if c in self._choice_by_value]
        except BadReference:
            return []
        choices = self._choices[scope]
        if found.document is not None:
            return [c for c in choices if c.kind == 0 and c.document == found.document.slug]
        if found.section is not None:
            head = self._choice_by_value.get(found.section.ref)
            members = [self._choice_by_value[p.ref] for p in found.section.paragraphs]
            return ([head] if head else []) + members
        passage = found.passage
        if isinstance(passage, Footnote):
            notes = self._notes[passage.document]
            start = self._positions[passage.ref]
            return [self._choice_by_value[n.ref] for n in notes[start:]]
        section = self.section_of(passage)
        return [self._choice_by_value[p.ref] for p in section.paragraphs[passage.index - 1 :]]

    def _find(self, text: str, scope: str | None, *, suggest: bool = True) -> _Found:
        """Resolve ``text``; with ``suggest``, errors carry candidates (too slow per keystroke)."""
        query = clean(text)
        if not query.words:
            raise UnknownReference(query.display, self._starting_refs(scope))
        exact = self._exact(text, scope)
        if exact is not None:
            return exact
        first_error: BadReference | None = None
        suggest_in = scope
        for document, rest in self._readings(query.words, scope):
            try:
                return self._locate(document, rest, query)
            except BadReference as exc:
                if first_error is None:
                    first_error = exc
                    suggest_in = document.slug if document else scope
        assert first_error is not None  # _readings always yields the reading without a document
        if not first_error.candidates and suggest:
            raise UnknownReference(query.display, self._suggest(query, suggest_in))
        raise first_error

    def _exact(self, text: str, scope: str | None) -> _Found | None:
        ref = "".join(text.split()).casefold()
        passage = self._passages.get(ref)
        if passage is not None and scope in (None, passage.document):
            return _Found(passage)
        section = self._sections.get(ref)
        if section is not None and scope in (None, section.document):
            first = self._first_paragraph(section)
            if first is not None:
                return _Found(first, section=section)
        return None

    def _readings(
        self, words: tuple[str, ...], scope: str | None
    ) -> list[tuple[Document | None, tuple[str, ...]]]:
        """Ways the leading words may name a document, most literal first; then "no document"."""
        readings: list[tuple[Document | None, tuple[str, ...]]] = []
        taken_by: dict[str | None, int] = {}

        def add(slug: str | None, taken: int) -> None:
            if scope is not None and slug not in (None, scope):
                return
            if slug in taken_by and taken_by[slug] >= taken:
                return  # the same document read from as many words or more already
            taken_by[slug] = taken
            readings.append((self.documents[slug] if slug else None, words[taken:]))

        named_outright = False
        for taken in (3, 2, 1):
            head = words[:taken]
            named = self._names.get("-".join(head)) or self._names.get("".join(head))
            if taken <= len(words) and named is not None:
                add(named, taken)
                named_outright = True
                break
        # Misspelt names ("anti-ia", "technocomunist"), compared word count for word count so
        # that "anti-ai 3" is not read as a misspelling of "anti-ai".
        for taken in (3, 2, 1):
            if taken > len(words):
                continue
            typed = "-".join(words[:taken])
            owners = {
                slug
                for name, slug in self._names.items()
                if name.count("-") + 1 == taken
                and len(name) >= 4
                and (fuzz.ratio(typed, name) >= 80 or (taken == 1 and name.startswith(typed)))
            }
            if len(owners) == 1 and len(typed) >= 4:
                add(owners.pop(), taken)
        if not named_outright or not readings:
            # A document named outright is meant; otherwise the words may all be a section's.
            add(scope, 0)
        return readings

    def _locate(self, document: Document | None, rest: tuple[str, ...], query: Query) -> _Found:
        if not rest:
            if document is None:
                raise UnknownReference(query.display, [])
            return _Found(next(iter(document.paragraphs())), document=document)
        if rest[0] in NOTE_WORDS:
            return self._note(document, rest[1:], query)
        words = tuple(word for word in rest if word not in NOISE_WORDS) or rest
        index: int | None = None
        if len(words) >= 2 and (number := as_number(words[-1])) is not None:
            index, words = number, words[:-1]
        sections = self._match_sections(document, words)
        if not sections:
            raise UnknownReference(query.display, [])
        if index is not None and len(sections) > 1:
            # "demands 10": of the sections the words fit, only one may have a tenth paragraph.
            holding = [s for s in sections if index <= len(s.paragraphs)]
            sections = holding or sections
        if len(sections) > 1:
            refs = [_target_ref(section, index) for section in sections]
            raise AmbiguousReference(query.display, refs)
        section = sections[0]
        if index is None:
            first = self._first_paragraph(section)
            if first is None:
                raise UnknownReference(query.display, self._starting_refs(section.document))
            return _Found(first, section=section)
        if 1 <= index <= len(section.paragraphs):
            return _Found(section.paragraphs[index - 1])
        nearby = sorted(section.paragraphs, key=lambda p: abs(p.index - index))
        refs = [p.ref for p in nearby] or [c.ref for c in section.children]
        raise UnknownReference(query.display, refs[:SUGGESTIONS])

    def _match_sections(self, document: Document | None, words: tuple[str, ...]) -> list[Section]:
        pool = self._section_list[document.slug if document else None]
        if len(words) == 1:
            word = words[0]
            number = as_number(word) if word.isdecimal() else roman_to_int(word[:12])
            if number is not None:
                numbered = [
                    s for s in pool if s.number and section_number_value(s.number) == number
                ]
                if numbered:
                    return numbered
        phrase = "-".join(words)
        compact = "".join(words)
        for test in (
            lambda slug: slug == phrase or slug.replace("-", "") == compact,
            lambda slug: slug.startswith(phrase),
            lambda slug: f"-{phrase}" in f"-{slug}",
        ):
            found = [section for section in pool if test(section.slug)]
            if found:
                return found
        return _fuzzy_sections(pool, words)

    def _note(self, document: Document | None, words: tuple[str, ...], query: Query) -> _Found:
        documents = [document] if document else list(self.documents.values())
        if not words:
            if document is not None and self._notes[document.slug]:
                return _Found(self._notes[document.slug][0])
            refs = [self._notes[d.slug][0].ref for d in documents if self._notes[d.slug]]
            if len(refs) == 1:
                return _Found(self.get(refs[0]))
            if refs:
                raise AmbiguousReference(query.display, refs)
            raise UnknownReference(query.display, [])
        label = "-".join(words)
        hits = [
            note
            for d in documents
            for note in self._notes[d.slug]
            if note.label.casefold() == label
        ]
        if len(hits) == 1:
            return _Found(hits[0])
        if hits:
            raise AmbiguousReference(query.display, [note.ref for note in hits])
        number = as_number(label)
        notes = [note for d in documents for note in self._notes[d.slug]]
        if number is not None:
            notes.sort(key=lambda n: abs((as_number(n.label) or 0) - number))
        raise UnknownReference(query.display, [note.ref for note in notes[:SUGGESTIONS]])

    def _starting_refs(self, scope: str | None) -> list[str]:
        return [c.value for c in self._choices[scope] if c.kind == 0][:SUGGESTIONS]

    def _suggest(self, query: Query, scope: str | None) -> list[str]:
        if not query.words:
            return self._starting_refs(scope)
        scored = process.extract(
            " ".join(query.words),
            self._keys[scope],
            scorer=fuzz.partial_ratio,
            limit=SUGGESTIONS * 2,
            score_cutoff=_COMPLETE_FLOOR,
        )
        refs: list[str] = []
        for _key, _score, index in scored:
            choice = self._choices[scope][index]
            section = self._sections.get(choice.value)
            first = self._first_paragraph(section) if section else None
            if first is not None and first.ref in refs:
                refs.remove(first.ref)  # a section and its first paragraph: name the section
            if choice.value not in refs and not (section is None and _owner_listed(choice, refs)):
                refs.append(choice.value)
        return refs[:SUGGESTIONS]


def load_library(seeds_dir: Path) -> Library:
    """Every ``*.md`` seed in the folder, in file-name order; SeedError if any is malformed."""
    folder = Path(seeds_dir)
    if not folder.is_dir():
        raise SeedError(f"{folder}:0", "no such folder of seed texts")
    paths = sorted(folder.glob("*.md"))
    if not paths:
        raise SeedError(f"{folder}:0", "no seed texts (*.md) in this folder")
    return Library(parse_seed(path) for path in paths)


def passage_payload(library: Library, passage: Passage) -> dict[str, object]:
    """The JSON shape of one passage, shared by ``quote --json``, search results and the bot."""
    document = library.documents[passage.document]
    number: int | str
    if isinstance(passage, Footnote):
        section, number = NOTES_TITLE, passage.label
    else:
        section, number = library.section_of(passage).heading, passage.index
    return {
        "ref": passage.ref,
        "document": document.slug,
        "document_title": document.title,
        "section": section,
        "paragraph": number,
        "text": passage.text,
    }


@lru_cache(maxsize=4096)
def _daily_order(library: Library, key: int, scope: str | None) -> tuple[Paragraph, ...]:
    def rank(paragraph: Paragraph) -> bytes:
        return hashlib.sha256(f"{key}\x00{paragraph.ref}".encode()).digest()

    return tuple(sorted(library._quotable[scope], key=rank))


def _where(document: Document) -> str:
    if document.source is None:
        return f"{document.slug}:1"
    return f"{document.source}:{front_matter_line(document.source, 'slug')}"


def _fuzzy_sections(pool: Sequence[Section], words: tuple[str, ...]) -> list[Section]:
    """Sections whose title has a close match for every typed word (``labour unoins``).

    Matching word by word, rather than the whole phrase, keeps a common word such as "ai" from
    pulling in every title that contains it: each typed word must find its own counterpart.
    """
    if not words or len(words) > _FUZZY_MAX_WORDS:
        return []
    scored: list[tuple[float, Section]] = []
    for section in pool:
        title_words = section.slug.split("-")
        total = 0.0
        for word in words:
            best = max(_word_score(word, title_word) for title_word in title_words)
            if best < _WORD_FLOOR:
                break
            total += best
        else:
            scored.append((total / len(words), section))
    if not scored:
        return []
    top = max(score for score, _section in scored)
    return [section for score, section in scored if score >= top - _FUZZY_MARGIN]


def _word_score(typed: str, title_word: str) -> float:
    if typed == title_word:
        return 100.0
    if len(typed) >= 2 and title_word.startswith(typed):
        return 90.0
    if len(typed) >= 4:
        return fuzz.ratio(typed, title_word)
    return 0.0


def _owner_listed(choice: _Choice, refs: list[str]) -> bool:
    """Whether a paragraph's section is already suggested and the paragraph is its first."""
    section_ref, _, index = choice.value.rpartition(":")
    return index == "1" and section_ref in refs


def _target_ref(section: Section, index: int | None) -> str:
    if index is not None and 1 <= index <= len(section.paragraphs):
        return section.paragraphs[index - 1].ref
    return section.ref


def _plain(text: str) -> str:
    """Passage text for a one-line label: no note markers, emphasis or line breaks."""
    return " ".join(_EMPHASIS.sub("", _MARKER.sub("", text)).split())


def _choice(label: str, value: str, key: str, kind: int, order: int, document: str) -> _Choice:
    if len(label) > MAX_CHOICE:
        label = label[: MAX_CHOICE - 1].rstrip() + "…"
    return _Choice(label, value, " ".join(clean(key).words), kind, order, document)
