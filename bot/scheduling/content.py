"""What a schedule posts: a fixed question, a rotating list, or the next part of a reading plan.

A post is rendered once, when its run is claimed, and the rendered :class:`PostPayload` is stored
with the run: a run finished after a restart posts exactly what was claimed, and the rotating
position (``state``) advances in the same transaction as the claim, so it never skips or repeats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from bot import i18n
from bot.errors import BotError
from bot.i18n import N_, _, ngettext
from bot.library.model import Document, Paragraph, Section
from bot.plural import count_text
from bot.streaks.group import sections_posted
from bot.text import visible_text

ContentKind = Literal["question", "questions", "reading"]
Escape = Callable[[str], str]
DocumentLookup = Callable[[str], Document]

MESSAGE_LIMIT: Final = 2000
EMBED_LIMIT: Final = 4096
QUESTION_LIMIT: Final = 1500
MAX_QUESTIONS: Final = 50
MAX_PARAGRAPHS: Final = 20
_NOTE_MARK: Final = re.compile(r"\[\^([^\]]+)\]")


class ContentError(BotError):
    """Prompt content that cannot be posted as given."""


class PlanFinished(Exception):
    """A reading plan has posted its last part; the schedule ends."""


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Content:
    """What to post. ``questions`` holds one question, the rotating list, or the plan's question."""

    kind: ContentKind
    questions: tuple[str, ...] = ()
    document: str | None = None
    start: str | None = None
    unit: Literal["section", "paragraphs"] = "section"
    count: int = 1

    def to_json(self) -> str:
        data = asdict(self)
        data["questions"] = list(self.questions)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Content:
        data = json.loads(raw)
        data["questions"] = tuple(data.get("questions", ()))
        return cls(**data)

    def keeps_position_of(self, old: Content) -> bool:
        """Whether a schedule changed from ``old`` to this content carries on where it was.

        A reading plan's position belongs to what is read: the text, the section it started at
        and the size of each post. Rewording its discussion question changes none of that, so
        the group is not sent back to the first section. A new list of questions starts again
        from its first question.
        """
        if self.kind != old.kind:
            return False
        if self.kind == "reading":
            return (self.document, self.start, self.unit, self.count) == (
                old.document,
                old.start,
                old.unit,
                old.count,
            )
        return self == old

    def describe(self) -> str:
        if self.kind == "question":
            return _("A fixed question")
        if self.kind == "questions":
            return count_text(
                len(self.questions),
                "A rotating list of {n} question",
                "A rotating list of {n} questions",
            )
        if self.unit == "section":
            text = _("Reading plan of `{document}` from `{start}`, one section per post")
            return text.format(document=self.document, start=self.start)
        return ngettext(
            "Reading plan of `{document}` from `{start}`, {n} paragraph per post",
            "Reading plan of `{document}` from `{start}`, {n} paragraphs per post",
            self.count,
        ).format(document=self.document, start=self.start, n=i18n.number(self.count))


def _too_long() -> str:
    return _("The question is too long: keep it under {limit} characters.").format(
        limit=i18n.number(QUESTION_LIMIT)
    )


def split_questions(text: str) -> tuple[str, ...]:
    """One question per non-empty line (a modal's paragraph field), bullets and numbers removed."""
    items = []
    for line in text.splitlines():
        cleaned = visible_text(re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", visible_text(line)))
        if cleaned:
            items.append(cleaned)
    return tuple(items)


INVISIBLE_QUESTION: Final = N_(
    "The question shows nothing: it is only spaces or invisible characters. "
    "Write the question to post."
)


def question_content(text: str) -> Content:
    question = visible_text(text)
    if not text.strip():
        raise ContentError(_("The question is empty: write the question to post."))
    if not question:
        raise ContentError(_(INVISIBLE_QUESTION))
    if len(question) > QUESTION_LIMIT:
        raise ContentError(_too_long())
    return Content(kind="question", questions=(question,))


def questions_content(text: str) -> Content:
    items = split_questions(text)
    if not items:
        raise ContentError(_("The question list is empty: write one question per line."))
    if len(items) > MAX_QUESTIONS:
        raise ContentError(
            _("That is {n} questions: a list holds at most {most}.").format(
                n=i18n.number(len(items)), most=MAX_QUESTIONS
            )
        )
    too_long = [i for i, q in enumerate(items, 1) if len(q) > QUESTION_LIMIT]
    if too_long:
        raise ContentError(
            _("Question {number} is too long: keep each under {limit} characters.").format(
                number=too_long[0], limit=i18n.number(QUESTION_LIMIT)
            )
        )
    return Content(kind="questions", questions=items)


def reading_content(
    document: Document, start: str, unit: str, count: int, question: str | None
) -> Content:
    """A reading plan starting at section ``start`` (a slug or a title) of ``document``."""
    sections = _readable_sections(document)
    wanted = start.strip().lower()
    if not wanted:
        section = sections[0]
    else:
        matches = [s for s in sections if wanted in (s.slug.lower(), s.title.lower())] or [
            s for s in sections if (s.number or "").lower() == wanted
        ]
        if not matches:
            names = ", ".join(f"`{s.slug}`" for s in sections[:8])
            raise ContentError(
                _("“{start}” is not a section of {title}. Sections include: {names}.").format(
                    start=start, title=document.title, names=names
                )
            )
        section = matches[0]
    if unit not in ("section", "paragraphs"):
        raise ContentError(_("Post either one section or a number of paragraphs at a time."))
    if unit == "paragraphs" and not 1 <= count <= MAX_PARAGRAPHS:
        raise ContentError(
            _("Post between 1 and {most} paragraphs at a time.").format(most=MAX_PARAGRAPHS)
        )
    extra = visible_text(question or "")
    if (question or "").strip() and not extra:
        raise ContentError(_(INVISIBLE_QUESTION))
    if len(extra) > QUESTION_LIMIT:
        raise ContentError(_too_long())
    return Content(
        kind="reading",
        questions=(extra,) if extra else (),
        document=document.slug,
        start=section.slug,
        unit="section" if unit == "section" else "paragraphs",
        count=1 if unit == "section" else count,
    )


def thread_name(text: str | None) -> str | None:
    """A thread name as typed: None for none, refused if it would show as an empty name."""
    if text is None or not text.strip():
        return None
    name = visible_text(text)
    if not name:
        raise ContentError(
            _(
                "The thread name shows nothing: it is only spaces or invisible characters. "
                "Write a name, or leave `thread` out."
            )
        )
    return name


def plan_starts(
    documents: Iterable[Document], document: str | None, typed: str, limit: int = 25
) -> list[tuple[str, str]]:
    """``(title, slug)`` of sections a reading plan may start at, for autocomplete.

    Those of ``document`` (a slug or a title; every text when None) whose slug or title contains
    what was typed.
    """
    text = typed.strip().lower()
    found = []
    for doc in documents:
        if document and document not in (doc.slug, doc.title):
            continue
        for section in doc.walk():
            if section.paragraphs and (
                not text or text in section.slug or text in section.title.lower()
            ):
                found.append((section.title, section.slug))
    return found[:limit]


def _readable_sections(document: Document) -> list[Section]:
    sections = [s for s in document.walk() if s.paragraphs]
    if not sections:
        raise ContentError(_("{title} has no sections to read.").format(title=document.title))
    return sections


@dataclass(frozen=True, slots=True)
class ReadingMark:
    """What a "Mark as read" button records."""

    document: str
    section: str
    ref: str


@dataclass(frozen=True, slots=True)
class PostPayload:
    """Exactly what is sent to Discord for one run (stored with the run)."""

    content: str
    embed_title: str | None = None
    embed_text: str | None = None
    thread_name: str | None = None
    thread_archive_minutes: int | None = None
    ping_role_id: int | None = None
    reading: ReadingMark | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> PostPayload:
        data = json.loads(raw)
        if data.get("reading") is not None:
            data["reading"] = ReadingMark(**data["reading"])
        return cls(**data)

    def is_sent_as(self, content: str, embed_title: str | None) -> bool:
        """Whether a message with this content and first embed title is this post.

        A run resumed after a crash looks for its post in the channel, because Discord keeps a
        nonce only for minutes; the message's content and embed title are what Discord returns.
        """
        return content.strip() == self.content.strip() and (embed_title or None) == (
            self.embed_title or None
        )

    def with_late_note(self, due_unix: int) -> PostPayload:
        note = "\n-# " + _("Posted late: this was due {when} while the bot was offline.").format(
            when=f"<t:{due_unix}:f>"
        )
        return PostPayload(**{**_shallow(self), "content": _clip(self.content, len(note)) + note})


def _shallow(payload: PostPayload) -> dict[str, Any]:
    return {f: getattr(payload, f) for f in PostPayload.__dataclass_fields__}


def _clip(text: str, reserve: int = 0, limit: int = MESSAGE_LIMIT) -> str:
    room = limit - reserve
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class PostOptions:
    thread_name: str | None = None
    thread_archive_minutes: int | None = None
    ping_role_id: int | None = None


@dataclass(slots=True)
class Rendered:
    payload: PostPayload
    state: dict[str, Any] = field(default_factory=dict)
    plan_sections: frozenset[tuple[str, str]] | None = None
    """For a section-by-section plan, every (document, section) posted once this is: stored
    with the claim, for the group's reading page
    (:func:`bot.storage.group_reading.write_plan_sections`)."""


def render(
    content: Content,
    state: Mapping[str, Any],
    options: PostOptions,
    documents: DocumentLookup,
    escape: Escape = _identity,
) -> Rendered:
    """The next post and the state after it. Raises :class:`PlanFinished` past a plan's end."""
    role = f"<@&{options.ping_role_id}>\n" if options.ping_role_id else ""
    new_state = dict(state)
    thread = options.thread_name
    if content.kind in ("question", "questions"):
        index = int(state.get("index", 0)) % len(content.questions)
        question = content.questions[index]
        new_state["index"] = (index + 1) % len(content.questions)
        text = _clip(role + _("**Discussion question**") + f"\n{escape(question)}")
        return Rendered(
            PostPayload(
                content=text,
                thread_name=_thread_title(thread, question),
                thread_archive_minutes=options.thread_archive_minutes,
                ping_role_id=options.ping_role_id,
            ),
            new_state,
        )

    assert content.document is not None and content.start is not None
    document = documents(content.document)
    plan_sections = None
    if content.unit == "section":
        mark, title, paragraphs = _next_section(document, content, state)
        new_state["next"] = _section_after(document, mark.section)
        posted = sections_posted(
            _readable_sections(document), content.start, new_state["next"], started=True
        )
        plan_sections = frozenset((document.slug, section) for section in posted)
    else:
        mark, title, paragraphs, following = _next_paragraphs(document, content, state)
        new_state["next"] = following
    body = "\n\n".join(_NOTE_MARK.sub(r"[\1]", p.text) for p in paragraphs)
    more = "\n\n" + _("*(continues: `{ref}`)*").format(ref=mark.ref)
    if len(body) > EMBED_LIMIT:
        body = _clip(body, len(more), EMBED_LIMIT) + more
    header = role + _("**Reading — {title}**").format(title=escape(document.title))
    prompt = content.questions[0] if content.questions else None
    discussion = _("**Discussion:** {question}").format(question=escape(prompt)) if prompt else ""
    text = header + (f"\n{discussion}" if prompt else "")
    return Rendered(
        PostPayload(
            content=_clip(text),
            embed_title=_clip(title, limit=256),
            embed_text=body,
            thread_name=_thread_title(thread, title),
            thread_archive_minutes=options.thread_archive_minutes,
            ping_role_id=options.ping_role_id,
            reading=mark,
        ),
        new_state,
        plan_sections,
    )


def _thread_title(template: str | None, subject: str) -> str | None:
    """Thread names: the moderator's name, with ``{title}`` replaced by the post's subject."""
    if template is None:
        return None
    name = template.replace("{title}", subject).strip() or subject
    return _clip(name, limit=100)


def _section_label(section: Section) -> str:
    return f"{section.number}. {section.title}" if section.number else section.title


def _next_section(
    document: Document, content: Content, state: Mapping[str, Any]
) -> tuple[ReadingMark, str, list[Paragraph]]:
    slug = state.get("next", content.start)
    if slug is None:
        raise PlanFinished
    sections = {s.slug: s for s in _readable_sections(document)}
    section = sections.get(str(slug))
    if section is None:  # the text changed under the plan: start again where it began
        section = sections.get(str(content.start)) or next(iter(sections.values()))
    ref = f"{document.slug}:{section.slug}"
    mark = ReadingMark(document.slug, section.slug, ref)
    return mark, _section_label(section), section.paragraphs


def _section_after(document: Document, slug: str) -> str | None:
    sections = _readable_sections(document)
    for i, section in enumerate(sections):
        if section.slug == slug:
            return sections[i + 1].slug if i + 1 < len(sections) else None
    return None


def _next_paragraphs(
    document: Document, content: Content, state: Mapping[str, Any]
) -> tuple[ReadingMark, str, list[Paragraph], str | None]:
    paragraphs = list(document.paragraphs())
    position: int | None = None
    if "next" in state:
        if state["next"] is None:
            raise PlanFinished
        position = next((i for i, p in enumerate(paragraphs) if p.ref == state["next"]), None)
    if position is None:
        position = next(i for i, p in enumerate(paragraphs) if p.section == content.start)
    chunk = paragraphs[position : position + content.count]
    following = (
        paragraphs[position + content.count].ref
        if position + content.count < len(paragraphs)
        else None
    )
    first = chunk[0]
    section = next(s for s in document.walk() if s.slug == first.section)
    ref = first.ref if len(chunk) == 1 else f"{first.ref}-{chunk[-1].index}"
    if chunk[-1].section != first.section:
        ref = first.ref
    label = f"{_section_label(section)} ¶{first.index}" + (
        f"–{chunk[-1].index}" if len(chunk) > 1 and chunk[-1].section == first.section else ""
    )
    return ReadingMark(document.slug, first.section, ref), label, chunk, following
