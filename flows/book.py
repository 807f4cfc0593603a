"""The book flow: the library's pipeline (``narration.run.pipeline.STEPS``), one Prefect task per step.

Thin wiring: every step is a ``narration`` function and the order, the conditions, the fan-out
and what a stopped run is marked are ``pipeline.execute()``'s, shared with ``narrate()``; this
module is only the executor that makes each step a task. Prefect adds retries, concurrency,
state tracking, result caching and the dashboard. One flow run per book, one task per batch of
chunks (Prefect costs ~5 ms a task and ~1 s a flow run, so never a task per sentence).

Caching: the chunk store is the ground truth. A task's cache key is derived from the content
hashes of what it makes, and only once those files exist (before that the key is None, so
nothing stale can ever be served from Prefect's result storage). A new run and a dashboard
Retry both find finished batches Cached and finished chunks stored; only failures redo work.

The models live in one ``Narrator`` per process (``flows.models``), unloaded when a book is
done. Progress is reported from the flow's own thread, from what each batch returns, so it
reads the same on threads and on Dask.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from prefect import Task, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.context import TaskRunContext
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run, task_run
from prefect.states import State
from prefect.utilities.annotations import quote

import flows  # noqa: F401  (Prefect defaults before Prefect is imported)
from flows.models import process_narrator
from flows.scaleout import synthesis_placement, task_runner_from_env
from narration.allowed_roots import check_allowed
from narration.model import Chunk
from narration.options import NarrationOptions
from narration.run import pipeline
from narration.run.books import plan_books
from narration.run.plan import BookPlan
from narration.run.progress import NoProgress, ProgressListener
from narration.run.results import BookIncomplete, BookResult, ChapterResult
from narration.run.runner import Step
from narration.run.takes import ChunkFailures
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
    layout: BookLayout = parameters["layout"]
    keys = parameters["keys"]
    # Only when every take is there and is the file recorded when it was stored: a cached result
    # must never stand for a file that has gone or been damaged since (the task then runs, and
    # replaces it).
    recorded = Manifest(layout.manifest).fingerprints(keys)
    if all(k in recorded and take_problem(layout.chunk_audio(k), recorded[k]) is None for k in keys):
        return cache_key("synth", str(layout.root), *keys)
    return None


def _retry_transient(task: Any, task_run: TaskRun, state: State) -> bool:
    # Resource errors (I/O, memory) are worth a retry; a chunk whose text breaks the model or an
    # injected fault fails the same way again, so it waits for a rerun instead.
    exc = state.data if isinstance(state.data, BaseException) else None
    return not isinstance(exc, ChunkFailures) or exc.transient


def _batch_run_name() -> str:
    chunks: list[Chunk] = task_run.parameters["chunks"]
    return f"synthesize chunks {chunks[0].index}-{chunks[-1].index}"


def _chapter_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str | None:
    layout: BookLayout = parameters["layout"]
    options: NarrationOptions = parameters["options"]
    out, _ = pipeline.chapter_outputs(layout, parameters["chapter"], options)
    # Only for files that are there and whole, made from these inputs (a damaged master or
    # chapter file is assembled again, never served from the cache).
    if pipeline.assembled_chapter(parameters["chapter"], parameters["keys"], layout, options,
                                  parameters["album"]) is None:
        return None
    # the assembly settings as the chapter's record digests them (narration.store.digests)
    return cache_key("chapter", out, parameters["album"], options.assembly.digest(), *parameters["keys"])


# What Prefect adds to a step, by the step's name; every other step is a plain task run named as
# the step, never cached (its inputs are the whole plan: nothing to key a cache by that the store
# does not say).
TASK_OPTIONS: dict[str, dict[str, Any]] = {
    "render-batch": {
        "task_run_name": _batch_run_name, "retries": 2, "retry_delay_seconds": [2, 10],
        "retry_condition_fn": _retry_transient, "cache_key_fn": _batch_cache_key, "persist_result": True,
    },
    "assemble-chapter": {
        "task_run_name": "assemble chapter {chapter.index}", "retries": 1, "cache_key_fn": _chapter_cache_key,
        "persist_result": True,
    },
}  # fmt: skip


def _with_process_narrator(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` given this process's narrator (``flows.models``) instead of taking one: a Dask
    worker has its own, and a narrator (its locks) cannot be sent there."""

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs, narrator=process_narrator())

    signature = inspect.signature(func)
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for p in signature.parameters.values() if p.name != "narrator"])
    return call


def _as_task(step: Step) -> Task[..., Any]:
    func = _with_process_narrator(step.func) if "narrator" in step.inputs else step.func
    options = TASK_OPTIONS.get(step.name, {"task_run_name": step.name, "cache_policy": NO_CACHE})
    return task(func, name=step.name, **options)


TASKS: dict[str, Task[..., Any]] = {step.name: _as_task(step) for step in pipeline.STEPS}


class _Submitted:
    """A step submitted to the task runner, as ``narration.run.runner`` waits for it."""

    def __init__(self, future: PrefectFuture[Any]) -> None:
        self._future = future

    def done(self) -> bool:
        return self._future.state.is_final()

    def succeeded(self) -> bool:
        # A failed batch (after its retries) fails only itself, and shows Failed in the dashboard.
        self._future.wait()
        return self._future.state.is_completed()

    def result(self) -> Any:
        return self._future.result()


class PrefectExecutor:
    """Each step a task: once-per-book steps run as task runs in the flow's own thread (the
    store, the manifest and the model used for keying stay in this process); batches and
    chapters go to the flow's task runner (two threads, or Dask), batches placed on workers
    that hold the synthesis resources."""

    def call(self, step: Step, inputs: dict[str, Any]) -> Any:
        # quoted: Prefect would walk the whole plan looking for futures in it (0.8 s a time for a
        # book of 2,000 chunks), and these steps take it whole
        return TASKS[step.name](**{name: quote(value) for name, value in _without_narrator(inputs).items()})

    def submit(self, step: Step, inputs: dict[str, Any]) -> _Submitted:
        if step.each == "batch":
            with synthesis_placement():
                return _Submitted(TASKS[step.name].submit(**_without_narrator(inputs)))
        return _Submitted(TASKS[step.name].submit(**_without_narrator(inputs)))

    def note(self, message: str) -> None:
        get_run_logger().info(message)

    def stop(self) -> None:
        pass  # the flow run's end waits for its task runs


def _without_narrator(inputs: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in inputs.items() if name != "narrator"}


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
        options = self.plan.options
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
        return _execute(plan, layout)


def _execute(plan: BookPlan, layout: BookLayout) -> BookResult:
    # Not in the flow's own body: Dask pickles that function by value with the globals it names,
    # and the CLI's progress listener (its locks) cannot be pickled.
    return pipeline.execute(plan, layout, PrefectExecutor(), process_narrator(), _progress)
