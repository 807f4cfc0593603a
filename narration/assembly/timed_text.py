"""The book's captions and read-along EPUB, made from its assembled chapters (the pipeline's step
after the chapters, beside the M4B).

    chapters/01 - <title>.srt / .vtt    captions of each chapter file, beside it
    <book>.srt / <book>.vtt             captions of the whole book (the M4B's timeline)
    <book>.readalong.epub               text and audio, sentence by sentence (EPUB 3 Media Overlays)

Each kind has a record (``.work/captions.json``, ``.work/readalong.json``) of what it was made
from: the chapters' records (their takes and audio), the narrated text and the options. A rerun
that changed none of it keeps the files (checked whole against their recorded SHA-256).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from narration.assembly.captions import WRITERS, book_cues, chapter_cues
from narration.assembly.chapter import encode_chapter
from narration.assembly.readalong import AUDIO_TYPES, write_readalong
from narration.assembly.settings import AssemblySettings
from narration.assembly.timing import (
    ChapterTiming,
    chapter_timing,
    locate_pieces,
    piece_starts_from_takes,
)
from narration.audio import read_wav
from narration.model import Book, Chapter, Chunk
from narration.qa.settings import QASettings
from narration.store import atomic, digests
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest
from narration.store.verify import read_record, record_problem, write_record

log = logging.getLogger(__name__)


# What this step reads of the run's plan, results and options (``narration.run``'s ``BookPlan``,
# ``ChapterResult`` and ``NarrationOptions`` have these): declared here, so assembly does not
# import the run above it.
class PlannedChapter(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def chunks(self) -> Sequence[Chunk]: ...


class BookPlan(Protocol):
    @property
    def book(self) -> Book: ...
    @property
    def chapters(self) -> Sequence[PlannedChapter]: ...
    def spoken_chapter(self, index: int) -> Chapter: ...  # the credits' chapters too


class ChapterResult(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def duration(self) -> float: ...


class NarrationOptions(Protocol):
    @property
    def assembly(self) -> AssemblySettings: ...
    @property
    def qa(self) -> QASettings: ...


def readalong_path(layout: BookLayout) -> Path:
    return layout.root / f"{layout.root.name}.readalong.epub"


def book_caption_path(layout: BookLayout, fmt: str) -> Path:
    return layout.root / f"{layout.root.name}.{fmt}"


def _chapter_made_of(plan: BookPlan, chapters: Sequence[ChapterResult], records: dict[int, dict[str, Any]]) -> list[Any]:
    """What the timings rest on, per chapter: its record (takes, audio files, where the takes
    begin) and the sentences narrated."""
    out = []
    for result in chapters:
        record = records[result.index]
        chapter = plan.spoken_chapter(result.index)
        out.append({"record": {k: record.get(k) for k in ("inputs", "files", "piece_starts", "takes")},
                    "title": chapter.title, "text": [p.sentences or p.text for p in chapter.paragraphs],
                    "file": Path(result.path).name})
    return out


def write_timed_text(
    plan: BookPlan, chapters: Sequence[ChapterResult], keys: Sequence[Sequence[str]], root: str | Path,
    options: NarrationOptions,
) -> list[str]:
    """Write the captions (``options.assembly.captions``) and the read-along EPUB
    (``options.assembly.readalong``) of the assembled ``chapters`` (``keys``: each chapter's chunk
    keys, in the plan's chapter order); the paths of the files. What was made before from the
    same inputs is kept."""
    layout = BookLayout(Path(root))
    formats, readalong = tuple(options.assembly.captions), options.assembly.readalong
    if not (formats or readalong) or not chapters:
        return []
    records = {c.index: read_record(layout.chapter_record(c.index)) or {} for c in chapters}
    made_of = _chapter_made_of(plan, chapters, records)
    language = plan.book.language
    timings: list[ChapterTiming] = []

    def timed() -> list[ChapterTiming]:
        if not timings:
            timings.extend(_timings(plan, chapters, keys, layout, options, records))
        return timings

    written: list[Path] = []
    if formats:
        files = [book_caption_path(layout, f) for f in formats] + [
            layout.chapter_file(c.index, c.title, f) for c in chapters for f in formats]
        inputs = digests.timed_text_inputs({"chapters": made_of, "formats": formats, "language": language})
        if record_problem(read_record(layout.captions_record), layout.root, inputs) is not None:
            for fmt in formats:
                write = WRITERS[fmt]
                atomic.write_text(book_caption_path(layout, fmt), write(book_cues(timed(), language)))
                for timing, result in zip(timed(), chapters, strict=True):
                    atomic.write_text(layout.chapter_file(result.index, result.title, fmt),
                                      write(chapter_cues(timing, language)))
            write_record(layout.captions_record, layout.root, inputs, files)
        written += files
    if readalong:
        book = plan.book
        epub_path = readalong_path(layout)
        inputs = digests.timed_text_inputs({
            "chapters": made_of, "title": book.title, "authors": book.authors, "language": language,
            "bitrate": options.assembly.bitrate, "cover": digests.bytes_sha256(book.cover.data if book.cover else None)})
        if record_problem(read_record(layout.readalong_record), layout.root, inputs) is not None:
            _write_epub(epub_path, plan, chapters, timed(), layout, options, records)
            write_record(layout.readalong_record, layout.root, inputs, [epub_path])
        written.append(epub_path)
    return [str(p) for p in written]


def _write_epub(path: Path, plan: BookPlan, chapters: Sequence[ChapterResult], timings: list[ChapterTiming],
                layout: BookLayout, options: NarrationOptions, records: dict[int, dict[str, Any]]) -> None:
    kinds = [{n: p.kind for n, p in enumerate(plan.spoken_chapter(c.index).paragraphs)} for c in chapters]
    with tempfile.TemporaryDirectory(prefix=atomic.TEMP_MARK, dir=layout.work) as scratch:
        audio = []
        for result in chapters:
            file = Path(result.path)
            parts = records[result.index].get("parts", 1)
            # opus and flac are not EPUB core media types; a chapter cut into parts is one file here
            if file.suffix.lower() not in AUDIO_TYPES or parts != 1:
                file = encode_chapter(layout.chapter_master(result.index), Path(scratch) / f"{result.index:03d}.mp3",
                                      "mp3", bitrate=options.assembly.bitrate)
            audio.append(file)
        write_readalong(path, plan.book, timings, audio, kinds=kinds)


def _timings(plan: BookPlan, chapters: Sequence[ChapterResult], keys: Sequence[Sequence[str]], layout: BookLayout,
             options: NarrationOptions, records: dict[int, dict[str, Any]]) -> list[ChapterTiming]:
    from narration.assembly.word_times import WordTimer

    timer = WordTimer(options.qa.asr_model)
    # ``keys`` are in the plan's chapter order, where the opening credits (index -1) come first
    position = {ch.index: n for n, ch in enumerate(plan.chapters)}
    manifest: Manifest | None = None  # opened only for a record without its takes (an older store)
    out = []
    for result in chapters:
        planned = plan.chapters[position[result.index]]
        chapter_keys = list(keys[position[result.index]])
        record = records[result.index]
        takes = record.get("takes")
        if not isinstance(takes, list) or len(takes) != len(chapter_keys):
            manifest = manifest or Manifest(layout.manifest)
            found = manifest.fingerprints(chapter_keys)
            takes = [found[k].sha256 if k in found else None for k in chapter_keys]
        starts = record.get("piece_starts")
        if not isinstance(starts, list) or len(starts) != len(chapter_keys):
            starts = _located_starts(layout, result.index, planned.chunks, chapter_keys, options)
        out.append(chapter_timing(result.index, result.title, plan.spoken_chapter(result.index), planned.chunks,
                                  chapter_keys, layout, starts, float(record.get("duration", result.duration)),
                                  takes, plan.book.language, timer))
    return out


def _located_starts(layout: BookLayout, index: int, chunks: Sequence[Any], keys: list[str],
                    options: NarrationOptions) -> list[float]:
    """Where each take begins in the chapter's master when its record does not say: expected
    from the takes and the pauses, then found in the master's own audio."""
    paths = [layout.chunk_audio(k) for k in keys]
    expected = piece_starts_from_takes(paths, [c.pause_after for c in chunks], options.assembly.pauses)
    log.info("chapter %d: its record has no take positions; finding them in its master", index + 1)
    return locate_pieces(read_wav(layout.chapter_master(index)), [read_wav(p) for p in paths], expected)
