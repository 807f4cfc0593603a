"""What the review page shows of a narrated book, read from its folder: the plan its last run
made (with its options), each chapter's audio and sentences placed in it, each chunk's take,
tag and QA, and the script's spans."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from narration.assembly.timing import chapter_text, chapter_timing
from narration.emotion.script import read_script
from narration.emotion.spans import split_spans
from narration.emotion.tags import TAGS
from narration.errors import InputError
from narration.language import UNSPACED, primary_language
from narration.model import Book, Chunk
from narration.options import NarrationOptions
from narration.review.audition import Voice, kokoro_voice, piper_voice
from narration.review.edits import applied_keys, marked_keys, review_options
from narration.run import pipeline
from narration.run.pipeline import stored_options
from narration.run.plan import BookPlan, ChapterPlan
from narration.store.layout import BookLayout, check_own_folder
from narration.store.manifest import FAILED, ChunkRecord, Manifest
from narration.store.verify import read_record

log = logging.getLogger(__name__)


def default_voice(backend: str) -> str | None:
    """The voice ``backend`` reads with when none is named (qwen3's speakers are not auditioned)."""
    if backend in ("kokoro-en", "kokoro-multi"):
        from narration.synthesis.kokoro_en import DEFAULT_VOICE
    elif backend == "kokoro":
        from narration.synthesis.kokoro import DEFAULT_VOICE
    elif backend == "piper":
        from narration.synthesis.piper import DEFAULT_VOICE
    else:
        return None
    return DEFAULT_VOICE


def narrated_voice(out_dir: str | Path, book_path: str | Path) -> tuple[str, Voice | None]:
    """The language of a narrated book and the voice its last run read it with (None for a
    backend the audition does not list: qwen3)."""
    layout = BookLayout.for_book(out_dir, book_path)
    try:
        language = Book.from_json(layout.book_json.read_text(encoding="utf-8")).language
    except FileNotFoundError:
        raise InputError(book_path, f"not narrated into {out_dir} yet (no {layout.book_json.name})") from None
    options = stored_options(layout)
    if options is None:
        return language, None
    backend = options.synthesis.backend
    name = options.synthesis.voice or default_voice(backend)
    if name is None:
        return language, None
    voice = piper_voice(name) if backend == "piper" else kokoro_voice(backend, name)
    return language, dataclasses.replace(voice, role=f"narrates {layout.root.name}")


# --- the review page's document -------------------------------------------------------------


@dataclass(frozen=True)
class ReviewBook:
    """A narrated book opened for review: its source file, its folder and its last run's options."""

    source: Path
    out_dir: Path
    layout: BookLayout
    options: NarrationOptions
    # Sentence times per (chapter, what its audio was made from): reading every take again for
    # each page load would cost seconds on a long book; a chapter assembled anew has new inputs.
    timings: dict[tuple[Any, ...], list[dict[str, Any]]] = field(default_factory=dict, compare=False, repr=False)
    # The plan, by what it was made from (``book_plan``): each opened chapter would plan the book again.
    plans: dict[tuple[Any, ...], BookPlan] = field(default_factory=dict, compare=False, repr=False)


def open_book(out_dir: str | Path, book_path: str | Path) -> ReviewBook:
    """The book narrated into ``out_dir`` from ``book_path``; InputError when it was not (no
    manifest or no recorded options) or its folder is not narrate's alone."""
    layout = BookLayout.for_book(out_dir, book_path)
    check_own_folder(layout)
    if not Path(book_path).is_file():
        raise InputError(book_path, "the book's file is needed to review it (its plan is read from it)")
    options = stored_options(layout)
    if not layout.manifest.exists() or options is None:
        raise InputError(book_path, f"not narrated into {out_dir} yet: run narrate on it first")
    return ReviewBook(Path(book_path), Path(out_dir), layout, options)


def _speaker(text: str) -> str:
    spans = split_spans(text)
    return "dialogue" if spans and spans[0].speech else "narrator"


def _spans(layout: BookLayout, chapter: int) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """The script's rows of ``chapter`` per (chapter, paragraph): span number, tag, speaker, text."""
    out: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for row in read_script(layout.script) if layout.script.exists() else []:
        if row.chapter != chapter:
            continue
        out.setdefault((row.chapter, row.paragraph), []).append(
            {"span": (row.span or 0) + 1, "tag": row.tag, "speaker": _speaker(row.text), "text": row.text,
             "character": row.speaker or ""})
    return out


def _flagged(record: ChunkRecord) -> bool:
    """Whether QA flagged the chunk's take, it was taken again, or it failed."""
    qa = record.qa or {}
    return bool(record.retakes or (qa and not qa.get("passed", True)) or record.status == FAILED)


def _chunk_doc(chunk: Chunk, record: ChunkRecord | None, layout: BookLayout, marked: set[str],
               previous: dict[int, str]) -> dict[str, Any]:
    qa = (record.qa if record else None) or {}
    key = record.key if record else None
    flagged = record is not None and _flagged(record)
    before = previous.get(chunk.index)
    return {
        "index": chunk.index, "key": key, "text": chunk.source, "spoken": chunk.text, "tag": chunk.style,
        "paragraph": chunk.paragraph, "stored": bool(key and layout.chunk_audio(key).exists()),
        "flagged": flagged, "reasons": list(qa.get("reasons") or []), "transcript": qa.get("transcript") if flagged else None,
        "error_rate": qa.get("error_rate"), "retakes": record.retakes if record else 0,
        "marked": key in marked, "previous": before if before and previous_take(layout, before) else None,
    }  # fmt: skip


def previous_take(layout: BookLayout, key: str) -> Path | None:
    """The take a review's Apply replaced: set aside for a retake, else still in the store
    under its old key (an edit gave the chunk a new one)."""
    for path in (layout.replaced_take(key), layout.chunk_audio(key)):
        if path.is_file():
            return path
    return None


def chapter_audio(layout: BookLayout, index: int) -> tuple[Path, dict[str, Any]] | None:
    """The chapter's file and its record, when it was assembled."""
    record = read_record(layout.chapter_record(index))
    if not record:
        return None
    names = [name for name in record.get("files", []) if str(name).startswith("chapters/")]
    return (layout.root / names[0], record) if names else None


def _stamp(path: Path | str | None) -> tuple[str, int, int] | None:
    """What tells a file changed: its path, modification time and size (None: no such file)."""
    if path is None:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return str(path), stat.st_mtime_ns, stat.st_size


def book_plan(review: ReviewBook) -> BookPlan:
    """The plan the page shows, planned again only when a file it is made from changed (the book,
    its script, a lexicon, the last run's options): each chapter opened asks for it, and planning a
    long book takes seconds."""
    layout, options = review.layout, review_options(review)
    made_of = tuple(_stamp(p) for p in (review.source, layout.script, layout.script_base, layout.lexicon,
                                         options.synthesis.lexicon, options.emotion.styles, layout.options))
    cached = review.plans.get(made_of)
    if cached is None:
        cached, _ = pipeline.plan(review.source, review.out_dir, options)
        review.plans.clear()  # one plan kept: the page shows only the current one
        review.plans[made_of] = cached
    return cached


def book_outline(review: ReviewBook) -> dict[str, Any]:
    """What the page loads first: the book and its chapter list, each chapter with its audio and
    counts but without its sentences and chunks (``chapter_document``, fetched when opened), so a
    300-chapter book's page answers at once."""
    plan = book_plan(review)
    layout = review.layout
    records = Manifest(layout.manifest).records()
    per_chapter: dict[int, list[ChunkRecord]] = {}
    for record in records:
        per_chapter.setdefault(record.chapter, []).append(record)
    marked = marked_keys(layout)
    chapters = []
    for number, chapter in enumerate(plan.chapters, 1):
        made = chapter_audio(layout, chapter.index)
        mine = per_chapter.get(chapter.index, [])
        chapters.append({
            "number": number, "index": chapter.index, "title": chapter.title, "chunks": len(chapter.chunks),
            "audio": f"audio/chapter/{chapter.index}" if made else None,
            "duration": made[1].get("duration") if made else None,
            "flagged": sum(_flagged(r) for r in mine), "marked": sum(r.key in marked for r in mine),
        })  # fmt: skip
    return {"title": plan.book.title, "authors": plan.book.authors, "language": plan.book.language,
            "unspaced": primary_language(plan.book.language) in UNSPACED,
            "backend": plan.options.synthesis.backend if plan.options else None, "tags": list(TAGS),
            **_cast(plan), "chapters": chapters}


def _cast(plan: BookPlan) -> dict[str, Any]:
    """The characters the page can give a line to or a voice: those of the plan's cast."""
    cast = plan.cast.cast
    if cast is None:
        return {"cast": [], "narrator": None}
    return {"narrator": cast.narrator,
            "cast": [{"id": c.id, "name": c.name, "voice": c.voice, "lines": c.lines} for c in cast.characters]}


def chapter_document(review: ReviewBook, number: int) -> dict[str, Any]:
    """Chapter ``number`` (from 1, as the page and the dry-run number them) as the page shows it
    opened: its audio, sentences (placed in the audio), paragraphs' spans and chunks. LookupError
    for a number the book has no chapter for."""
    plan = book_plan(review)
    if not 1 <= number <= len(plan.chapters):
        raise LookupError(f"no chapter {number}: the book has {len(plan.chapters)}")
    layout = review.layout
    chapter = plan.chapters[number - 1]
    records = {r.index: r for r in Manifest(layout.manifest).records()}
    marked, previous = marked_keys(layout), applied_keys(layout)
    # The last run's record of each chunk; a plan whose chapters moved since (a hand edit of the
    # script) has no take for a chunk of another chapter.
    chunks = [_chunk_doc(c, r if (r := records.get(c.index)) and r.chapter == c.chapter else None, layout, marked,
                         previous) for c in chapter.chunks]
    doc: dict[str, Any] = {"number": number, "index": chapter.index, "title": chapter.title, "audio": None,
                           "duration": None, "chunks": chunks, "sentences": [], "paragraphs": {}}
    made = chapter_audio(layout, chapter.index)
    keys = [c["key"] for c in chunks]
    if 0 <= chapter.index < len(plan.book.chapters):
        made_of = (chapter.index, made[1].get("inputs") if made else None, *keys)
        if made_of not in review.timings:
            review.timings[made_of] = _sentences(plan, chapter, keys, layout, made)
        doc["sentences"] = review.timings[made_of]
        spans = _spans(layout, chapter.index)
        doc["paragraphs"] = {str(p): spans.get((chapter.index, p), [])
                             for p in range(len(plan.book.chapters[chapter.index].paragraphs))}
    if made is not None:
        doc["audio"], doc["duration"] = f"audio/chapter/{chapter.index}", made[1].get("duration")
    return doc


def book_document(review: ReviewBook) -> dict[str, Any]:
    """The whole book as the page would show it with every chapter opened: the outline with each
    chapter's document in place of its summary (for scripts and tests; the page fetches chapters
    one at a time)."""
    outline = book_outline(review)
    return {**outline, "chapters": [chapter_document(review, c["number"]) for c in outline["chapters"]]}


def _sentences(plan: BookPlan, chapter: ChapterPlan, keys: list[str | None], layout: BookLayout,
               made: tuple[Path, dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The chapter's sentences with the chunks speaking them, and where each is heard in the
    chapter's audio when it was assembled from the takes stored now (the caption timings)."""
    book_chapter = plan.book.chapters[chapter.index]
    language = plan.book.language
    text = chapter_text(book_chapter, chapter.chunks, language)
    times: list[Any] = [None] * len(text.sentences)
    if made is not None and None not in keys:
        record = made[1]
        starts, takes = record.get("piece_starts"), record.get("takes")
        whole = isinstance(starts, list) and isinstance(takes, list) and len(starts) == len(takes) == len(keys)
        if whole and all(layout.chunk_audio(k).exists() for k in keys):  # type: ignore[arg-type]
            try:
                timing = chapter_timing(chapter.index, chapter.title, book_chapter, chapter.chunks, keys,  # type: ignore[arg-type]
                                        layout, starts, float(record.get("duration", 0.0)), takes, language)
                times = timing.sentences
            except (OSError, ValueError) as exc:  # a take unreadable, a chapter edited out of line with its takes
                log.warning("chapter %d: its sentences are shown without times (%s)", chapter.index + 1, exc)
    speaking: dict[int, list[int]] = {}
    for chunk, parts in zip(chapter.chunks, text.parts, strict=True):
        for part in parts:
            speaking.setdefault(part.sentence, []).append(chunk.index)
    out = []
    for i, sentence in enumerate(text.sentences):
        timed = times[i]
        out.append({"id": i, "paragraph": sentence.paragraph, "text": sentence.text,
                    "start": round(timed.start, 3) if timed else None, "end": round(timed.end, 3) if timed else None,
                    "chunks": list(dict.fromkeys(speaking.get(i, [])))})
    return out
