"""The book flow: plan -> synthesize chunk batches -> assemble chapters -> assemble the M4B.

Thin wiring: every step is a ``narration`` function; Prefect adds retries, concurrency,
state tracking and the dashboard. One flow run per book, one task per batch of chunks.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import flows  # noqa: F401  (Prefect defaults before Prefect is imported)
from prefect import flow, task

from narration import atomic, progress
from narration.assembly import Pauses, assemble_book, assemble_chapter
from narration.layout import BookLayout
from narration.model import Chunk
from narration.options import NarrationOptions
from narration.plan import BookPlan, ChapterPlan, plan_book
from narration.store import chunk_keys
from narration.synthesis.render import RenderedChunk, load_backend, render_chunks


@dataclass
class ChapterResult:
    index: int
    title: str
    path: str
    duration: float


@dataclass
class BookResult:
    title: str
    root: str
    m4b: str | None
    chapters: list[ChapterResult] = field(default_factory=list)
    chunks: int = 0
    synthesized: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _batches(chunks: list[Chunk], keys: list[str], size: int) -> list[tuple[list[Chunk], list[str]]]:
    return [(chunks[i : i + size], keys[i : i + size]) for i in range(0, len(chunks), size)]


@task(name="synthesize-batch", retries=2, retry_delay_seconds=[2, 10])
def synthesize_batch(
    chunks: list[Chunk], keys: list[str], root: str, options: NarrationOptions
) -> list[RenderedChunk]:
    return render_chunks(chunks, keys, BookLayout(Path(root)), options)


@task(name="assemble-chapter", retries=1)
def assemble_chapter_task(
    chapter: ChapterPlan, rendered: list[list[RenderedChunk]], root: str, options: NarrationOptions, album: str
) -> ChapterResult:
    layout = BookLayout(Path(root))
    pieces = [
        (layout.chunk_audio(r.key), chunk.pause_after)
        for r, chunk in zip([r for batch in rendered for r in batch], chapter.chunks, strict=True)
    ]
    out = layout.chapter_file(chapter.index, chapter.title, options.format)
    result = assemble_chapter(
        pieces,
        out,
        master_path=layout.chapter_master(chapter.index),
        pauses=Pauses(**options.pauses.model_dump()),
        fmt=options.format,
        bitrate=options.bitrate,
        loudness=options.loudness,
        tags={"title": chapter.title, "album": album, "track": str(chapter.index + 1)},
    )
    progress.chapter_done(chapter.index, chapter.title)
    return ChapterResult(chapter.index, chapter.title, str(out), result.duration)


@task(name="assemble-book")
def assemble_book_task(plan: BookPlan, chapters: list[ChapterResult], root: str, options: NarrationOptions) -> str:
    layout = BookLayout(Path(root))
    book = plan.book
    return str(
        assemble_book(
            [(c.title, layout.chapter_master(c.index)) for c in chapters],
            layout.m4b,
            title=book.title,
            authors=book.authors,
            language=book.language,
            cover=book.cover,
            bitrate=options.bitrate,
        )
    )


@flow(name="narrate-book", flow_run_name="{book_path}")
def narrate_book(book_path: str, out_dir: str = "outputs", options: NarrationOptions | None = None) -> BookResult:
    """Narrate one book into ``out_dir/<book>/``: chapter files and a chaptered M4B."""
    started = time.monotonic()
    options = options or NarrationOptions()
    plan = plan_book(book_path, options)
    layout = BookLayout.for_book(out_dir, book_path)
    atomic.clean_temp_files(layout.root)  # leftovers of a killed run are never used
    atomic.write_text(layout.book_json, plan.book.to_json(indent=1))

    backend = load_backend(options)
    keys = dict(zip((c.index for c in plan.chunks), chunk_keys(plan.chunks, backend, options.voice)))
    cached = sum(layout.chunk_audio(k).exists() for k in keys.values())
    progress.book_started(plan.book.title, len(plan.chapters), len(keys), cached)

    chapter_futures, all_batches = [], []
    for chapter in plan.chapters:
        batch_futures = [
            synthesize_batch.submit(batch, batch_keys, str(layout.root), options)
            for batch, batch_keys in _batches(chapter.chunks, [keys[c.index] for c in chapter.chunks], options.batch_size)
        ]
        all_batches.extend(batch_futures)
        chapter_futures.append(
            assemble_chapter_task.submit(chapter, batch_futures, str(layout.root), options, plan.book.title)
        )
    chapters = [f.result() for f in chapter_futures]
    m4b = None
    if options.m4b:
        m4b = assemble_book_task.submit(plan, chapters, str(layout.root), options).result()

    return BookResult(
        title=plan.book.title,
        root=str(layout.root),
        m4b=m4b,
        chapters=chapters,
        chunks=len(keys),
        synthesized=sum(r.synthesized for f in all_batches for r in f.result()),
        audio_seconds=sum(c.duration for c in chapters),
        wall_seconds=time.monotonic() - started,
    )
