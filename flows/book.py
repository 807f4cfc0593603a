"""The book flow: the library's pipeline steps (``narration.run.pipeline``), one Prefect task each.

Thin wiring: every step is a ``narration`` function; Prefect adds retries, concurrency, state
tracking, result caching and the dashboard. One flow run per book, one task per batch of chunks
(Prefect costs ~5 ms a task and ~1 s a flow run, so never a task per sentence).

Caching: the chunk store is the ground truth. A task's cache key is derived from the content
hashes of what it makes, and only once those files exist (before that the key is None, so
nothing stale can ever be served from Prefect's result storage). A new run and a dashboard
Retry both find finished batches Cached and finished chunks stored; only failures redo work.

The models live in one ``Narrator`` per process (``flows.models``), unloaded when a book is
done. Progress is reported from the flow's own thread, from what each batch returns, so it
reads the same on threads and on Dask.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.client.schemas.objects import TaskRun
from prefect.context import TaskRunContext
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.states import State

import flows  # noqa: F401  (Prefect defaults before Prefect is imported)
from flows.models import process_narrator
from flows.scaleout import synthesis_placement, task_runner_from_env
from narration.allowed_roots import check_allowed
from narration.emotion import EmotionSettings, PassageTag
from narration.model import Book, Chunk
from narration.options import NarrationOptions
from narration.run import pipeline
from narration.run.books import plan_books
from narration.run.plan import BookPlan, ChapterPlan
from narration.run.progress import NoProgress, ProgressListener
from narration.run.results import BookIncomplete, BookResult, ChapterResult
from narration.run.takes import ChunkFailures, RenderedChunk
from narration.store.digests import cache_key
from narration.store.layout import BookLayout
from narration.store.lock import book_lock
from narration.store.manifest import Manifest
from narration.store.verify import take_problem

__all__ = ["BookIncomplete", "BookResult", "ChapterResult", "PlannedBook", "cancel_started_runs", "narrate_book",
           "set_progress_listener"]

_progress: ProgressListener = NoProgress()
_started: list[Any] = []  # ids of the flow runs this process started (``cancel_started_runs``)


def set_progress_listener(listener: ProgressListener | None) -> None:
    """Where the book flow reports progress in this process (the CLI's bar), or nowhere."""
    global _progress
    _progress = listener or NoProgress()


def _batch_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    layout = BookLayout(Path(parameters["root"]))
    keys = parameters["keys"]
    # Only when every take is there and is the file recorded when it was stored: a cached result
    # must never stand for a file that has gone or been damaged since (the task then runs, and
    # replaces it).
    recorded = Manifest(layout.manifest).fingerprints(keys)
    if all(k in recorded and take_problem(layout.chunk_audio(k), recorded[k]) is None for k in keys):
        return cache_key("synth", parameters["root"], *keys)
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
    return pipeline.render_batch(chunks, keys, root, options, run_id, process_narrator())


def _chapter_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    layout = BookLayout(Path(parameters["root"]))
    out, master = pipeline.chapter_outputs(layout, parameters["chapter"], parameters["options"])
    # Only for files that are there and whole, made from these inputs (a damaged master or
    # chapter file is assembled again, never served from the cache).
    if pipeline.assembled_chapter(parameters["chapter"], parameters["keys"], layout.root, parameters["options"],
                                  parameters["album"]) is None:
        return None
    options: NarrationOptions = parameters["options"]
    # the assembly settings as the chapter's record digests them (narration.store.digests)
    return cache_key("chapter", out, parameters["album"], options.assembly.digest(), *parameters["keys"])


@task(name="assemble-chapter", task_run_name="assemble chapter {chapter.index}", retries=1,
      cache_key_fn=_chapter_cache_key, persist_result=True)
def assemble_chapter_task(
    chapter: ChapterPlan, keys: list[str], root: str, options: NarrationOptions, album: str
) -> ChapterResult:
    return pipeline.assemble_chapter_audio(chapter, keys, root, options, album)


@task(name="assemble-book")
def assemble_book_task(plan: BookPlan, chapters: list[ChapterResult], root: str, options: NarrationOptions) -> str:
    return pipeline.assemble_audiobook(plan, chapters, root, options)


@task(name="captions-and-readalong")
def timed_text_task(plan: BookPlan, chapters: list[ChapterResult], keys: list[list[str]], root: str,
                    options: NarrationOptions) -> list[str]:
    return pipeline.write_timed_text(plan, chapters, keys, root, options)


@task(name="tag-emotions")
def tag_emotions(book: Book, settings: EmotionSettings) -> list[PassageTag]:
    return pipeline.classify(book, settings)


@task(name="qa-report")
def write_report_task(root: Path, title: str) -> str:
    return pipeline.write_report(root, title)


class PlannedBook:
    """A book planned before its flow run (by the CLI, with its edited script and ``auto``
    resolved), for the flow to execute as it is instead of planning again.

    Prefect records a flow run's parameters with ``jsonable_encoder``, which reads ``dict(obj)``
    of an object it does not know: the record holds this summary, not the whole book.
    """

    def __init__(self, plan: BookPlan, layout: BookLayout) -> None:
        self.plan = plan
        self.layout = layout

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        options = self.plan.options or NarrationOptions()
        yield from {
            "source": str(self.plan.source), "title": self.plan.book.title, "chapters": len(self.plan.chapters),
            "chunks": len(self.plan.chunks), "backend": options.synthesis.backend, "edited": self.plan.source_book is not None
            and self.plan.source_book is not self.plan.book,
        }.items()  # fmt: skip


def cancel_started_runs(message: str) -> int:
    """Mark the flow runs this process started and did not finish as Cancelled (Prefect marks a
    run a signal stopped as Crashed, which reads as a bug in the dashboard); how many."""
    from prefect import get_client
    from prefect.states import Cancelled

    cancelled = 0
    with get_client(sync_client=True) as client:
        for run_id in _started:
            state = client.read_flow_run(run_id).state
            if state is None or not state.is_final() or state.is_crashed():
                client.set_flow_run_state(run_id, Cancelled(message=message), force=True)
                cancelled += 1
    return cancelled


def _wait_and_report(futures: list[PrefectFuture]) -> bool:
    """Wait for a chapter's batches, reporting each as it is in; whether all succeeded."""
    for future in futures:
        future.wait()
        if future.state.is_completed():
            rendered: list[RenderedChunk] = future.result()
            _progress.chunks_done(len(rendered), sum(r.duration for r in rendered))
    return all(future.state.is_completed() for future in futures)


@flow(name="narrate-book", flow_run_name="{book_path}", task_runner=task_runner_from_env())
def narrate_book(
    book_path: str, out_dir: str = "outputs", options: NarrationOptions | None = None,
    planned: PlannedBook | None = None,
) -> BookResult:
    """Narrate one book into ``out_dir/<book>/``: chapter files and a chaptered M4B.

    Chunks already stored are reused; a chapter with a failed chunk is not assembled, and the
    run then fails naming the failed chunks (rerun it, or Retry it in the dashboard).
    ``planned``: the plan to execute (the CLI's); without it the flow plans the book itself.
    """
    _started.append(flow_run.get_id())
    # The paths come from the deployment's form: refused outside NARRATION_ALLOWED_ROOTS before
    # the book is read or its folder written.
    check_allowed({"book_path": book_path, "out_dir": out_dir},
                  options or (planned.plan.options if planned is not None else None))
    if planned is None:  # a deployment's run: checked as the CLI checks its books (narration.run.books)
        [(plan, layout)] = plan_books([book_path], out_dir, options or NarrationOptions())
    else:
        plan, layout = planned.plan, planned.layout
    with book_lock(layout):  # one run per book: a second one fails here, before writing anything
        return _narrate_planned(plan, layout)


def _narrate_planned(plan: BookPlan, layout: BookLayout) -> BookResult:
    pipeline.prepare(plan, layout)
    options = plan.options or NarrationOptions()  # ``auto`` resolved for this book's language
    if plan.backend_note:
        get_run_logger().info("backend %s: %s", options.synthesis.backend, plan.backend_note)
    tags = tag_emotions.submit(plan.book, options.emotion).result() if plan.tags is None else None
    plan = pipeline.tag(plan, layout, tags)
    run = pipeline.start_run(plan, layout, process_narrator())
    try:
        return _run_planned(plan, layout, options, run)
    except BaseException as exc:  # stopped (a signal) or failed midway: said in the manifest, as narrate() does
        if not isinstance(exc, BookIncomplete):  # that one closed the run itself
            run.manifest.finish_run(run.run_id, "stopped")
        raise


def _run_planned(plan: BookPlan, layout: BookLayout, options: NarrationOptions, run: pipeline.Run) -> BookResult:
    _progress.book_started(plan.book.title, len(plan.chapters), len(run.keys), run.cached)

    # Submit every batch first so synthesis never waits on assembly, then assemble each chapter
    # as soon as its own batches are in.
    batches_of: dict[int, list[PrefectFuture]] = {}
    with synthesis_placement():
        for chapter in plan.chapters:
            batches_of[chapter.index] = [
                synthesize_batch.submit(chunks, keys, str(layout.root), options, run.run_id,
                                        label=f"chunks {chunks[0].index}-{chunks[-1].index}")
                for chunks, keys in run.batches(chapter)
            ]
    assembling: list[tuple[ChapterPlan, PrefectFuture]] = []
    for chapter in plan.chapters:
        if _wait_and_report(batches_of[chapter.index]):
            assembling.append((chapter, assemble_chapter_task.submit(
                chapter, run.chapter_keys(chapter), str(layout.root), options, plan.book.title)))
    chapters: list[ChapterResult] = []
    for chapter, future in assembling:
        chapters.append(future.result())
        _progress.chapter_done(chapter.index, chapter.title)

    pipeline.check_mastering(layout.root, chapters, options)
    write_report_task.submit(layout.root, plan.book.title).result()  # with QA off too: it holds the mastering check
    m4b = None
    if options.assembly.m4b and not pipeline.failed_chunks(run):
        m4b = assemble_book_task.submit(plan, chapters, str(layout.root), options).result()
    if (options.assembly.captions or options.assembly.readalong) and not pipeline.failed_chunks(run):
        timed_text_task.submit(plan, chapters, [run.chapter_keys(c) for c in plan.chapters], str(layout.root),
                               options).result()
    process_narrator().close()  # the next book (or another process) gets the GPU memory back
    return pipeline.finish_run(run, chapters, m4b)
