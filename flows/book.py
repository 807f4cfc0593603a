"""The book flow: plan -> synthesize chunk batches -> assemble chapters -> assemble the M4B.

Thin wiring: every step is a ``narration`` function; Prefect adds retries, concurrency, state
tracking, result caching and the dashboard. One flow run per book, one task per batch of chunks
(Prefect costs ~5 ms a task and ~1 s a flow run, so never a task per sentence).

Caching: the chunk store is the ground truth. A task's cache key is derived from the content
hashes of what it makes, and only once those files exist (before that the key is None, so
nothing stale can ever be served from Prefect's result storage). A new run and a dashboard
Retry both find finished batches Cached and finished chunks stored; only failures redo work.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import flows  # noqa: F401  (Prefect defaults before Prefect is imported)
from prefect import flow, get_run_logger, task
from prefect.client.schemas.objects import TaskRun
from prefect.context import TaskRunContext
from prefect.futures import PrefectFuture
from prefect.states import State

from flows.scaleout import synthesis_placement, task_runner_from_env, uses_dask
from narration import atomic, progress
from narration.assembly import Pauses, assemble_book, assemble_chapter
from narration.errors import NarrationError
from narration.layout import BookLayout
from narration.emotion import EmotionSettings, PassageTag, load_classifier, tag_book
from narration.emotion.arc import plot_arc
from narration.emotion.script import read_script_base, write_script, write_script_base
from narration.manifest import Manifest
from narration.model import Book, Chunk
from narration.options import NarrationOptions
from narration.qa.book_report import write_book_report
from narration.plan import BookPlan, ChapterPlan, plan_book
from narration.store import chunk_keys
from narration.render import ChunkFailures, RenderedChunk, load_backend, release_backends, render_chunks


class BookIncomplete(NarrationError):
    """Some chunks failed: their chapters (and the M4B) were not assembled."""


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
    retakes: int = 0
    failed: list[int] = field(default_factory=list)
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


def _batch_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    layout = BookLayout(Path(parameters["root"]))
    keys = parameters["keys"]
    if all(layout.chunk_audio(k).exists() for k in keys):
        return f"synth-{_digest(parameters['root'], *keys)}"
    return None


def _retry_transient(task: Any, task_run: TaskRun, state: State) -> bool:
    # Resource errors (I/O, memory) are worth a retry; a chunk whose text breaks the model or an
    # injected fault fails the same way again, so it waits for a rerun instead.
    exc = state.data if isinstance(state.data, BaseException) else None
    return not isinstance(exc, ChunkFailures) or exc.transient


@task(
    name="synthesize-batch",
    task_run_name="synthesize {label}",
    retries=2,
    retry_delay_seconds=[2, 10],
    retry_condition_fn=_retry_transient,
    cache_key_fn=_batch_cache_key,
    persist_result=True,
)
def synthesize_batch(
    chunks: list[Chunk], keys: list[str], root: str, options: NarrationOptions, run_id: str, label: str
) -> list[RenderedChunk]:
    layout = BookLayout(Path(root))
    return render_chunks(chunks, keys, layout, options, Manifest(layout.manifest), run_id)


def _chapter_out(root: str, chapter: ChapterPlan, options: NarrationOptions) -> tuple[Path, Path]:
    layout = BookLayout(Path(root))
    return layout.chapter_file(chapter.index, chapter.title, options.format), layout.chapter_master(chapter.index)


def _chapter_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    out, master = _chapter_out(parameters["root"], parameters["chapter"], parameters["options"])
    if not (out.exists() and master.exists()):
        return None
    options: NarrationOptions = parameters["options"]
    assembly = options.model_dump(include={"format", "bitrate", "loudness", "pauses"})
    return f"chapter-{_digest(out, parameters['album'], assembly, *parameters['keys'])}"


@task(name="assemble-chapter", task_run_name="assemble chapter {chapter.index}", retries=1,
      cache_key_fn=_chapter_cache_key, persist_result=True)
def assemble_chapter_task(
    chapter: ChapterPlan, keys: list[str], root: str, options: NarrationOptions, album: str
) -> ChapterResult:
    layout = BookLayout(Path(root))
    out, master = _chapter_out(root, chapter, options)
    result = assemble_chapter(
        [(layout.chunk_audio(key), chunk.pause_after) for key, chunk in zip(keys, chapter.chunks, strict=True)],
        out,
        master_path=master,
        pauses=Pauses(**options.pauses.model_dump()),
        fmt=options.format,
        bitrate=options.bitrate,
        loudness=options.loudness,
        tags={"title": chapter.title, "album": album, "track": str(chapter.index + 1)},
    )
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


@task(name="tag-emotions")
def tag_emotions(book: Book, settings: EmotionSettings) -> list[PassageTag]:
    classifier = None
    if settings.enabled and book.language.split("-")[0] in settings.languages:  # else all neutral, no model load
        classifier = load_classifier(settings.model, settings.label_map, device=settings.device,
                                     batch_size=settings.batch_size, languages=settings.languages)
    return tag_book(book, classifier, settings)


@task(name="qa-report")
def write_report_task(root: Path, title: str) -> str:
    return str(write_book_report(BookLayout(Path(root)), title))


def _batches(chunks: list[Chunk], keys: list[str], size: int) -> list[tuple[list[Chunk], list[str]]]:
    return [(chunks[i : i + size], keys[i : i + size]) for i in range(0, len(chunks), size)]


def _report_progress(futures: list[PrefectFuture]) -> None:
    for future in futures:
        if future.state.is_completed():
            rendered: list[RenderedChunk] = future.result()
            progress.chunks_done(len(rendered), sum(r.duration for r in rendered))


def _succeeded(futures: list[PrefectFuture]) -> bool:
    for future in futures:
        future.wait()
    return all(future.state.is_completed() for future in futures)


@flow(name="narrate-book", flow_run_name="{book_path}", task_runner=task_runner_from_env())
def narrate_book(book_path: str, out_dir: str = "outputs", options: NarrationOptions | None = None) -> BookResult:
    """Narrate one book into ``out_dir/<book>/``: chapter files and a chaptered M4B.

    Chunks already stored are reused; a chapter with a failed chunk is not assembled, and the
    run then fails naming the failed chunks (rerun it, or Retry it in the dashboard).
    """
    started = time.monotonic()
    options = options or NarrationOptions()
    layout = BookLayout.for_book(out_dir, book_path)
    plan = plan_book(book_path, options, layout.script, layout.script_base)
    options = plan.options or options  # ``auto`` resolved for this book's language
    if plan.backend_note:
        get_run_logger().info("backend %s: %s", options.backend, plan.backend_note)
    atomic.clean_temp_files(layout.root)  # leftovers of a killed run are never used
    atomic.write_text(layout.book_json, plan.book.to_json(indent=1))
    if plan.tags is None:  # first run: classify; later runs read the (maybe edited) script
        plan = plan.with_tags(tag_emotions.submit(plan.book, options.emotion).result())
        model_tags = {(t.chapter, t.paragraph): t.tag for t in plan.tags}
    else:
        model_tags = {key: tag for key, (_, tag) in read_script_base(layout.script_base).items()}
    write_script(layout.script, plan.book, plan.tags)
    write_script_base(layout.script_base, plan.source_book or plan.book, model_tags)
    plot_arc(plan.book, plan.tags, layout.arc)

    keys = chunk_keys(plan.chunks, load_backend(options), options.voice)
    key_of = {c.index: k for c, k in zip(plan.chunks, keys, strict=True)}
    manifest = Manifest(layout.manifest)
    manifest.set_plan(plan.chunks, keys, [ch.title for ch in plan.chapters])
    run_id = manifest.start_run(uuid.uuid4().hex)
    cached = sum(layout.chunk_audio(k).exists() for k in keys)
    progress.book_started(plan.book.title, len(plan.chapters), len(keys), cached)

    # Submit every batch first so synthesis never waits on assembly, then assemble each chapter
    # as soon as its own batches are in.
    batches_of: dict[int, list[PrefectFuture]] = {}
    with synthesis_placement():
        for chapter in plan.chapters:
            chapter_keys = [key_of[c.index] for c in chapter.chunks]
            batches_of[chapter.index] = [
                synthesize_batch.submit(batch, batch_keys, str(layout.root), options, run_id,
                                        label=f"chunks {batch[0].index}-{batch[-1].index}")
                for batch, batch_keys in _batches(chapter.chunks, chapter_keys, options.batch_size)
            ]
    remote = uses_dask()  # batches run in other processes: their progress events stay there
    assembling: list[tuple[ChapterPlan, PrefectFuture]] = []
    for chapter in plan.chapters:
        succeeded = _succeeded(batches_of[chapter.index])
        if remote:
            _report_progress(batches_of[chapter.index])
        if succeeded:
            keys_in_chapter = [key_of[c.index] for c in chapter.chunks]
            assembling.append((chapter, assemble_chapter_task.submit(
                chapter, keys_in_chapter, str(layout.root), options, plan.book.title)))
    chapters: list[ChapterResult] = []
    for chapter, future in assembling:
        chapters.append(future.result())
        progress.chapter_done(chapter.index, chapter.title)

    missing = [r for r in manifest.records() if not layout.chunk_audio(r.key).exists()]
    failed = [r.index for r in missing]
    if options.qa:
        write_report_task.submit(layout.root, plan.book.title).result()
    m4b = None
    if options.m4b and not failed:
        m4b = assemble_book_task.submit(plan, chapters, str(layout.root), options).result()
    release_backends()  # the next book (or another process) gets the GPU memory back
    last = manifest.last_run() or {}
    manifest.finish_run(run_id, "failed" if failed else "completed")
    result = BookResult(
        title=plan.book.title,
        root=str(layout.root),
        m4b=m4b,
        chapters=chapters,
        chunks=len(keys),
        synthesized=int(last.get("synthesized", 0)),
        retakes=int(last.get("retakes", 0)),
        failed=failed,
        audio_seconds=sum(c.duration for c in chapters),
        wall_seconds=time.monotonic() - started,
    )
    if failed:
        named = "; ".join(f"#{r.index} (chapter {r.chapter + 1}): {r.last_error}" for r in missing[:10])
        raise BookIncomplete(
            f"{plan.book.title}: {len(failed)} chunk(s) failed, their chapters were not assembled: {named}"
            f"{' ...' if len(failed) > 10 else ''}. Rerun the book (or Retry the flow run) to redo only these."
        )
    return result
