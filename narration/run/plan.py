"""A book's narration plan: the parsed book and its synthesis chunks, per chapter.

This is what ``narrate --dry-run`` prints and what the flow executes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narration.emotion import PassageTag, load_styles, style_runs
from narration.emotion.script import merge_script, read_script, read_script_base
from narration.errors import InputError
from narration.ingest import load_book
from narration.ingest.language import language_name, languages_of
from narration.ingest.omissions import UNSPEAKABLE, omission
from narration.language import UNSPACED, primary_language
from narration.mastering.credits import CLOSING_TITLE, OPENING_TITLE, credit_chapters
from narration.model import Book, Chapter, Chunk
from narration.options import NarrationOptions
from narration.run.cast import (
    SPEAKERS_BASE,
    CastPlan,
    SpanKey,
    cast_book,
    read_speakers_base,
    speaker_edits,
    voiced_runs,
)
from narration.run.selection import select_chapters
from narration.synthesis import backend_class, choose_backend, reads
from narration.text import chunk_book, segment_book
from narration.text.chunking import has_speech
from narration.text.lexicon import Lexicon, load_lexicon, merge_lexicons

logger = logging.getLogger(__name__)

# Narration pace at speed 1.0, for the dry-run's duration estimate: audiobooks run at about
# 150-160 words a minute in English, 300-400 characters a minute in Japanese.
WORDS_PER_MINUTE = 155.0
CJK_CHARS_PER_MINUTE = 350.0
EDGE_WORDS = 8  # the dry-run shows a chapter's first and last words


@dataclass
class ChapterPlan:
    index: int
    title: str
    words: int
    chunks: list[Chunk] = field(default_factory=list)

    def estimated_seconds(self, language: str, speed: float = 1.0) -> float:
        """Spoken length at the usual narration pace, pauses included roughly."""
        if primary_language(language) in UNSPACED:
            minutes = sum(len("".join(c.source.split())) for c in self.chunks) / CJK_CHARS_PER_MINUTE
        else:
            minutes = sum(len(c.source.split()) for c in self.chunks) / WORDS_PER_MINUTE
        return 60.0 * minutes / speed

    def edges(self, language: str) -> tuple[str, str]:
        """The chapter's first and last few words (after its spoken title)."""
        body = [c.source for c in self.chunks if c.paragraph is not None]
        if primary_language(language) in UNSPACED:
            text = "".join(body)
            return text[:24], text[-24:]
        words = " ".join(body).split()
        return " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])


@dataclass(frozen=True)
class ChunkLimits:
    """What a book is chunked to: the backend's length of speech text, the lexicon's spoken forms."""

    max_chars: int
    lexicon: dict[str, str] | None = None


@dataclass
class BookPlan:
    source: Path
    book: Book
    chapters: list[ChapterPlan]
    options: NarrationOptions  # with ``auto`` resolved to this book's backend
    limits: ChunkLimits  # what it was chunked to: tagged later, the plan is chunked afresh to the same
    tags: list[PassageTag] | None = None  # one per span of each paragraph; None: not tagged yet
    source_book: Book | None = None  # the book as its file says, before the script's edits
    backend_note: str | None = None  # why ``auto`` chose that backend
    lexicons: tuple[Path, ...] = ()  # the lexicon files applied, the one that wins conflicts last
    # ``--chapters``: positions in ``chapters`` (0-based, plan order) this run makes; None: all.
    # The manifest still records every chapter's chunks, so status shows the others not started.
    selected: tuple[int, ...] | None = None
    cast: CastPlan = field(default_factory=CastPlan)  # who says each quote, in which voice

    @property
    def partial(self) -> bool:
        """Whether only some chapters are made (then no M4B)."""
        return self.selected is not None and len(self.selected) < len(self.chapters)

    def chapters_to_make(self) -> list[ChapterPlan]:
        """The chapters this run synthesizes and assembles, in plan order."""
        if self.selected is None:
            return list(self.chapters)
        return [self.chapters[n] for n in self.selected]

    def numbered_chapters(self) -> list[tuple[int, ChapterPlan]]:
        """(number as the dry-run shows it, chapter) of the chapters this run makes."""
        chosen = range(len(self.chapters)) if self.selected is None else self.selected
        return [(n + 1, self.chapters[n]) for n in chosen]

    def spoken_chapter(self, index: int) -> Chapter:
        """The book's chapter ``index`` as it is read: the credits (-1, and one after the book's
        last) are chapters of their own that the book does not hold (captions time them too)."""
        if 0 <= index < len(self.book.chapters):
            return self.book.chapters[index]
        opening, closing = credit_chapters(self.book)
        return segment_book(dataclasses.replace(self.book, chapters=[opening if index < 0 else closing])).chapters[0]

    def with_tags(self, tags: list[PassageTag]) -> BookPlan:
        """The plan chunked with each span's tag (a paragraph whose quotes and narration carry
        different tags is cut where the tag changes): a plan of its own, chunked once."""
        chapters = chapter_plans(self.book, tags, self.limits, self.options.assembly.credits, self.cast.voices())
        return dataclasses.replace(self, chapters=chapters, tags=tags)

    @property
    def chunks(self) -> list[Chunk]:
        return [c for ch in self.chapters for c in ch.chunks]

    def script_lines(self) -> list[str]:
        """The ``--dry-run --text`` listing: each chapter's number and title, then what the voice
        reads of it (its spoken title, then each paragraph), one paragraph a line, after
        normalisation and the script's edits."""
        joiner = "" if primary_language(self.book.language) in UNSPACED else " "
        lines: list[str] = []
        for n, ch in self.numbered_chapters():
            lines += [""] * bool(lines) + [f"## {n}. {ch.title}"]
            paragraphs: dict[int | None, list[str]] = {}
            for chunk in ch.chunks:
                paragraphs.setdefault(chunk.paragraph, []).append(" ".join(chunk.text.split()))
            lines += [joiner.join(texts) for texts in paragraphs.values()]
        return lines

    def chapter_language(self, index: int) -> str:
        """The chapter's own language where it is not the book's, else "" (credits: the book's)."""
        chapters = self.book.chapters
        return chapters[index].language if 0 <= index < len(chapters) else ""

    def summary(self) -> dict[str, Any]:
        """The ``--dry-run --json`` document: the chapters the run will make and what is left out."""
        language = self.book.language
        speed = self.options.synthesis.speed
        chapters = []
        for number, ch in self.numbered_chapters():
            first, last = ch.edges(language)
            chapters.append({
                **({"number": number} if self.partial else {}),
                "title": ch.title, "words": ch.words, "chunks": len(ch.chunks),
                "estimated_seconds": round(ch.estimated_seconds(language, speed), 1),
                "first_words": first, "last_words": last,
                **({"language": own} if (own := self.chapter_language(ch.index)) else {}),
            })  # fmt: skip
        omitted: dict[str, dict[str, Any]] = {}
        for o in (self.source_book or self.book).omitted:
            entry = omitted.setdefault(o.kind, {"parts": 0, "words": 0, "items": []})
            entry["parts"] += 1
            entry["words"] += o.words
            entry["items"].append({"where": o.where, "words": o.words, "excerpt": o.excerpt})
        return {
            "title": self.book.title,
            "authors": self.book.authors,
            "language": language,
            "language_source": self.book.language_source,
            "structure": (self.source_book or self.book).structure,
            "estimated_seconds": round(sum(c["estimated_seconds"] for c in chapters), 1),
            "chapters": chapters,
            **({"of_chapters": len(self.chapters)} if self.partial else {}),
            "lexicons": [str(p) for p in self.lexicons],
            "omitted": omitted,
            "cast": self.cast.summary(),
        }


def chapters_in_read_languages(book: Book, options: NarrationOptions) -> Book:
    """The book with each chapter in a language no voice here reads (a French school reader's
    Dutch glossary) read in the book's own language, with a warning: one such chapter does not
    stop a book whose language is read. A book in an unread language is ``unread_language``'s."""
    read = reads(options.synthesis.backend, options.synthesis.voice)
    if read is None or primary_language(book.language) not in read:
        return book
    unread: dict[str, list[int]] = {}
    chapters = []
    for n, chapter in enumerate(book.chapters, 1):
        if chapter.language and primary_language(chapter.language) not in read:
            unread.setdefault(chapter.language, []).append(n)
            chapter = dataclasses.replace(chapter, language="")
        chapters.append(chapter)
    for language, numbers in unread.items():
        logger.warning("%s: %s in %s, which no installed voice reads; read with the book's %s voice", book.source,
                       f"chapter {numbers[0]} is" if len(numbers) == 1 else f"{len(numbers)} chapters "
                       f"({', '.join(map(str, numbers[:5]))}{', ...' if len(numbers) > 5 else ''}) are",
                       language_name(language), language_name(book.language))
    return dataclasses.replace(book, chapters=chapters)


def unread_language(book: Book, options: NarrationOptions, note: str | None = None) -> str | None:
    """Why the book cannot be read in its language with these options (a language no voice
    here reads: a French book on the English Piper voice, a Finnish one on any voice we ship),
    or None. Said at planning, before anything is synthesized."""
    backend, voice = options.synthesis.backend, options.synthesis.voice
    read = reads(backend, voice)
    language = book.language
    # None: a voice whose config names no language (the user's word). Chapters in a language not
    # read were given the book's by ``chapters_in_read_languages``.
    if read is None or primary_language(language) in read:
        return None
    source = f", source: {book.language_source}" if book.language_source else ""
    speaks = ", ".join(sorted(map(language_name, read)))
    why = f" ({note})" if note else ""
    return (f"the book is in {language_name(language)} ({language}{source}) and no installed voice reads it: "
            f"{backend} {f'voice {voice} ' if voice else ''}reads {speaks}{why}; add a voice of that language "
            f"with --voice path/to/piper-voice.onnx (a Piper voice, its .onnx.json beside it)")


def without_unspeakable_chapters(book: Book, path: Path, limits: ChunkLimits) -> Book:
    """The book without its chapters that give no speech (only emoji, symbols or punctuation
    under the heading): each is an ``unspeakable`` omission (the dry-run lists it) and a
    warning, and makes no chapter file or M4B chapter; the chapters after it move up, so
    chapter files stay numbered 01, 02, ... A spoken title alone does not keep a chapter: an
    audio file that only says "Chapter Two" is not a chapter. A book with nothing speakable at
    all raises InputError."""
    spoken = Lexicon(limits.lexicon) if limits.lexicon else None
    silent = [n for n, ch in enumerate(book.chapters)
              if not has_speech(ch, ch.language or book.language, limits.max_chars, spoken)]
    skipped = frozenset(silent)
    if not silent:
        return book
    if len(silent) == len(book.chapters):
        raise InputError(path, "nothing in it can be spoken: its text is only emoji, symbols or punctuation")
    omitted = []
    for n in silent:
        chapter = book.chapters[n]
        where = chapter.source or f"{path.name}, chapter {n + 1}"
        omitted.append(omission(UNSPEAKABLE, where, [chapter.title, chapter.text]))
        logger.warning("%s: chapter %d (%r) skipped: no speakable text (only emoji, symbols or punctuation)",
                       where, n + 1, chapter.title)
    chapters = [ch for n, ch in enumerate(book.chapters) if n not in skipped]
    return dataclasses.replace(book, chapters=chapters, omitted=[*book.omitted, *omitted])


def resolve_backend(
    options: NarrationOptions, language: str = "en", others: Sequence[str] = ()
) -> tuple[NarrationOptions, str | None]:
    """``options`` with the backend ``auto`` replaced by a concrete one for a book in ``language``
    (``others``: its chapters' other languages), and the reason for the choice."""
    synthesis = options.synthesis
    if synthesis.backend != "auto":
        return options, None
    if str(synthesis.voice or "").endswith(".onnx"):  # a Piper voice file: only Piper reads it
        name, why = "piper", f"--voice {synthesis.voice} is a Piper voice"
    else:
        name, why = choose_backend(synthesis.model, language, others)
    return options.model_copy(update={"synthesis": synthesis.model_copy(update={"backend": name})}), why


def lexicon_files(options: NarrationOptions, own: Path | None) -> tuple[Path, ...]:
    """The lexicon files a run applies: the book's ``own`` (its folder's ``lexicon.tsv``, where
    the review page writes) when it exists, then ``--lexicon`` (which wins a word both have)."""
    files = [own] if own is not None and own.is_file() else []
    if options.synthesis.lexicon:
        explicit = Path(options.synthesis.lexicon)
        if not (files and explicit.is_file() and explicit.resolve() == files[0].resolve()):
            files.append(explicit)
    return tuple(files)


def plan_book(
    path: str | Path, options: NarrationOptions, script: Path | None = None, script_base: Path | None = None,
    cast_file: Path | None = None,
    own_lexicon: Path | None = None,
) -> BookPlan:
    """Read, segment and chunk a book. Raises InputError for unreadable books.

    ``own_lexicon``: the book's own lexicon file (``BookLayout.lexicon``), applied under the
    options' ``--lexicon`` when it exists.

    With an existing narration ``script``, a person's edits in it (text or emotion tag; told
    apart from the book's own text by ``script_base``) replace the book's paragraphs and the
    classifier's tags. ``cast_file``: the book's ``cast.toml``, whose voices are kept.
    """
    path = Path(path)
    if options.emotion.styles:  # a bad file is one line before the book is read, in a dry-run too
        load_styles(options.emotion.styles)
    source_book = segment_book(load_book(path, options.ingest))
    options, note = resolve_backend(options, source_book.language, languages_of(source_book)[1:])
    source_book = chapters_in_read_languages(source_book, options)
    if unread := unread_language(source_book, options, note):
        raise InputError(path, unread)
    max_chars = options.synthesis.max_chars or backend_class(options.synthesis.backend).max_chars
    lexicons = lexicon_files(options, own_lexicon)
    limits = ChunkLimits(max_chars, merge_lexicons(*map(load_lexicon, lexicons)) if lexicons else None)
    source_book = without_unspeakable_chapters(source_book, path, limits)
    book, tags, edits = source_book, None, {}
    if script is not None and script.exists():
        base = read_script_base(script_base) if script_base is not None else {}
        rows = read_script(script)
        merged = merge_script(source_book, rows, base, script)
        if merged is not None:
            book, tags = merged
            book = segment_book(book)  # edited paragraphs are split again
            if script_base is not None:
                edits = speaker_edits(rows, read_speakers_base(script_base.with_name(SPEAKERS_BASE)))
    cast = cast_book(book, options, cast_file, edits, script)
    chapters = chapter_plans(book, tags, limits, options.assembly.credits, cast.voices())
    speaking = {c.chapter for ch in chapters for c in ch.chunks if c.paragraph is not None}
    if silent := [i for i in range(len(book.chapters)) if i not in speaking]:
        # The source's silent chapters are gone already: only a person's edits can get here.
        raise InputError(script or path, f"chapter {silent[0] + 1} ({book.chapters[silent[0]].title!r}) has no "
                         "speakable text left after the script's edits (only emoji, symbols or punctuation)")
    plan = BookPlan(source=path, book=book, chapters=chapters, options=options, limits=limits, tags=tags,
                    source_book=source_book, backend_note=note, cast=cast, lexicons=lexicons)
    if options.chapters is None:
        return plan
    return dataclasses.replace(plan, selected=tuple(select_chapters(options.chapters, [c.title for c in plan.chapters], path)))


def chapter_plans(
    book: Book, tags: list[PassageTag] | None, limits: ChunkLimits, credits: bool, voices: dict[SpanKey, str] | None = None
) -> list[ChapterPlan]:
    """The book's chapters as chunks, in one ``chunk_book`` pass: each span's tag (if tagged)
    and voice (a character's, ``voices``) attached before chunking, and with ``credits`` the opening and closing credits as chapters
    of their own, numbered -1 and one after the book's last (``narration.mastering.credits``);
    chunk indices run 0.. in book order, credits included."""
    styles = voiced_runs(book, style_runs(book, tags) if tags is not None else None, voices or {})
    spoken = book
    if credits:  # chapters before chunking, the opening one first: the book's move up by one
        opening, closing = credit_chapters(book)
        spoken = dataclasses.replace(book, chapters=[opening, *book.chapters, closing])
        styles = {(c + 1, p): runs for (c, p), runs in styles.items()} if styles else None
    by_chapter: dict[int, list[Chunk]] = {}
    for chunk in chunk_book(spoken, limits.max_chars, limits.lexicon, styles):
        # one pass: a scan of every chunk per chapter took 48 s for 20,000 chapters
        chunk = dataclasses.replace(chunk, chapter=chunk.chapter - 1) if credits else chunk
        by_chapter.setdefault(chunk.chapter, []).append(chunk)
    chapters = [ChapterPlan(i, ch.title, ch.words, by_chapter.get(i, [])) for i, ch in enumerate(book.chapters)]
    if not credits:
        return chapters
    last = len(book.chapters)
    opening_chunks, closing_chunks = by_chapter.get(-1, []), by_chapter.get(last, [])
    return [ChapterPlan(-1, OPENING_TITLE, _words(opening_chunks), opening_chunks), *chapters,
            ChapterPlan(last, CLOSING_TITLE, _words(closing_chunks), closing_chunks)]


def _words(chunks: list[Chunk]) -> int:
    return sum(len(c.source.split()) for c in chunks)
