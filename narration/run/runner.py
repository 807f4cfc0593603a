"""Runs a book's steps, declared once as data (``narration.run.pipeline.STEPS``), on an executor.

In the shape of kedro's pipeline/runner split: a ``Step`` is a named plain function with its
inputs (read from the run's catalog, a dict of named values) and its output (written back), and
``run_steps`` walks them in order. What an executor decides is only where and how a step's call
runs: ``ThreadExecutor`` here calls each in this process (a chapter's assembly on a second
thread while the next chapter is synthesized); the Prefect flow (``flows/book.py``) makes each
a task, which adds retries, result caching, the dashboard and Dask. The order, the conditions,
the fan-out per batch and per chapter, what a failed batch means and the progress events are
decided here, once for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from narration.run.progress import ProgressListener

Catalog = dict[str, Any]
Each = Literal["book", "batch", "chapter"]


@dataclass(frozen=True)
class Step:
    """One step of the run: ``func(**inputs)``, its result stored as ``output``.

    ``inputs``: the function's parameter -> a catalog path (``"plan.options.emotion"`` reads an
    attribute of a catalog value). ``each``: once per book, per batch of chunks (``chunks`` and
    ``keys`` in its inputs) or per chapter (``chapter`` and ``keys``) whose batches, submitted
    by the step whose output is ``after``, all succeeded. ``when``: run only if it holds (else
    ``output`` is None). ``report``: the progress event of its result (each batch's; for a
    chapter, of the chapter once it is done), emitted from the runner's thread.
    """

    name: str
    func: Callable[..., Any]
    inputs: Mapping[str, str]
    output: str | None = None
    each: Each = "book"
    when: Callable[[Catalog], bool] | None = None
    report: Callable[[ProgressListener, Any, Catalog], None] | None = None
    after: str | None = None


class Handle(Protocol):
    """A step submitted to an executor: wait for it, then read it."""

    def done(self) -> bool: ...
    def succeeded(self) -> bool:
        """Wait; whether it gave a result. A batch that failed (its chunks recorded in the
        manifest) is False; an error that should stop the run is raised."""
        ...
    def result(self) -> Any: ...


class Executor(Protocol):
    """Where a step's call runs."""

    def call(self, step: Step, inputs: dict[str, Any]) -> Any:
        """Run a once-per-book step now; its result."""
        ...
    def submit(self, step: Step, inputs: dict[str, Any]) -> Handle:
        """Start (or queue) a per-batch or per-chapter step."""
        ...
    def note(self, message: str) -> None:
        """Say something about the run where its logs are read."""
        ...
    def stop(self) -> None:
        """The run is over, or stopped: nothing submitted may start after this."""
        ...


def resolve(catalog: Catalog, path: str) -> Any:
    """A catalog value, or an attribute of one (``"run.run_id"``)."""
    name, *attributes = path.split(".")
    value = catalog[name]
    for attribute in attributes:
        value = getattr(value, attribute)
    return value


def inputs_of(step: Step, catalog: Catalog) -> dict[str, Any]:
    return {parameter: resolve(catalog, path) for parameter, path in step.inputs.items()}


def run_steps(steps: Iterable[Step], catalog: Catalog, executor: Executor, progress: ProgressListener) -> Catalog:
    """Run ``steps`` in order on ``executor``, from ``catalog`` (``plan`` and ``run`` give the
    batches and chapters to fan out over); the catalog with every output."""
    for step in steps:
        if step.when is not None and not step.when(catalog):
            if step.output:
                catalog[step.output] = None
            continue
        if step.each == "batch":
            result: Any = _submit_batches(step, catalog, executor)
        elif step.each == "chapter":
            result = _assemble_chapters(step, catalog, executor, progress)
        else:
            result = executor.call(step, inputs_of(step, catalog))
            if step.report is not None:
                step.report(progress, result, catalog)
        if step.output:
            catalog[step.output] = result
    return catalog


@dataclass
class _Batches:
    """Each chapter's submitted batches, and the step that reports them."""

    of_chapter: dict[int, list[Handle]]
    step: Step


def _submit_batches(step: Step, catalog: Catalog, executor: Executor) -> _Batches:
    """Every batch of the book submitted up front, so synthesis never waits on assembly."""
    run = catalog["run"]
    of_chapter: dict[int, list[Handle]] = {}
    for chapter in catalog["plan"].chapters_to_make():
        of_chapter[chapter.index] = [
            executor.submit(step, inputs_of(step, {**catalog, "chunks": chunks, "keys": keys}))
            for chunks, keys in run.batches(chapter)
        ]
    return _Batches(of_chapter, step)


def _assemble_chapters(step: Step, catalog: Catalog, executor: Executor, progress: ProgressListener) -> list[Any]:
    """Each chapter submitted as soon as its own batches are in (a chapter with a failed batch
    is not assembled); the results in book order. Progress is told in book order, from this
    thread: each batch as it is waited for, each chapter as it is done."""
    batches: _Batches = catalog[step.after or ""]
    run = catalog["run"]
    assembling: list[tuple[Any, Handle]] = []
    reported = 0
    for chapter in catalog["plan"].chapters_to_make():
        complete = True
        for handle in batches.of_chapter[chapter.index]:
            if not handle.succeeded():
                complete = False  # recorded in the manifest; the other batches go on
                continue
            if batches.step.report is not None:
                batches.step.report(progress, handle.result(), catalog)
            reported = _report_done(step, assembling, reported, progress, catalog)
        if complete:
            inputs = inputs_of(step, {**catalog, "chapter": chapter, "keys": run.chapter_keys(chapter)})
            assembling.append((chapter, executor.submit(step, inputs)))
    results = [handle.result() for _, handle in assembling]  # an assembly's error is raised here
    _report_done(step, assembling, reported, progress, catalog)
    return results


def _report_done(
    step: Step, assembling: list[tuple[Any, Handle]], reported: int, progress: ProgressListener, catalog: Catalog
) -> int:
    """Report chapters done since ``reported``, in book order; the new count."""
    while reported < len(assembling) and assembling[reported][1].done():
        if step.report is not None:
            step.report(progress, assembling[reported][0], catalog)
        reported += 1
    return reported


class _Deferred:
    """A batch run in the caller's thread when it is first waited for: the runner waits for a
    chapter's batches in book order, so they run in order while the chapter before is
    assembled, and Ctrl-C stops the synthesis at once."""

    def __init__(self, func: Callable[..., Any], inputs: dict[str, Any], failure: type[BaseException]) -> None:
        self._func, self._inputs, self._failure = func, inputs, failure
        self._ran = False
        self._result: Any = None
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self._ran

    def succeeded(self) -> bool:
        if not self._ran:
            try:
                self._result = self._func(**self._inputs)
            except self._failure as exc:
                self._error = exc
            self._ran = True
        return self._error is None

    def result(self) -> Any:
        if not self.succeeded():
            raise self._error  # type: ignore[misc]
        return self._result


class _Threaded:
    def __init__(self, future: Future[Any]) -> None:
        self._future = future

    def done(self) -> bool:
        return self._future.done()

    def succeeded(self) -> bool:
        self._future.result()  # its error, if any, stops the run
        return True

    def result(self) -> Any:
        return self._future.result()


class ThreadExecutor:
    """Every step in this process: once-per-book steps and batches in the caller's thread, in
    order (one model, one batch at a time), chapters' assembly (ffmpeg, in subprocesses) on one
    more thread, beside the synthesis. ``failure``: a batch's error that fails only its batch
    (its chunks are recorded in the manifest); any other error stops the run."""

    def __init__(self, failure: type[BaseException], log: Callable[[str], None]) -> None:
        self._failure = failure
        self._log = log
        self._assembler = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assemble-chapter")

    def call(self, step: Step, inputs: dict[str, Any]) -> Any:
        return step.func(**inputs)

    def submit(self, step: Step, inputs: dict[str, Any]) -> Handle:
        if step.each == "batch":
            return _Deferred(step.func, inputs, self._failure)
        return _Threaded(self._assembler.submit(step.func, **inputs))

    def note(self, message: str) -> None:
        self._log(message)

    def stop(self) -> None:
        # The chapter being assembled finishes (its files are written atomically); those not
        # begun are dropped.
        self._assembler.shutdown(wait=True, cancel_futures=True)
