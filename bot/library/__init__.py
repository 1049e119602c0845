"""The texts as a library: seeds parsed into documents, and forgiving references into them.

Public API (others code against these names): :func:`load_library`, :class:`Library`,
:func:`passage_payload`, and the model classes re-exported from :mod:`bot.library.model`.
"""

from bot.library.library import NOTES_TITLE, Library, load_library, passage_payload
from bot.library.model import NOTE_SECTION, Document, Footnote, Paragraph, Passage, Section
from bot.library.parser import parse_seed, parse_seed_text, slugify

__all__ = [
    "NOTES_TITLE",
    "NOTE_SECTION",
    "Document",
    "Footnote",
    "Library",
    "Paragraph",
    "Passage",
    "Section",
    "load_library",
    "parse_seed",
    "parse_seed_text",
    "passage_payload",
    "slugify",
]
