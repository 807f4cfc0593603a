"""Several books in one call, checked before anything is written: ``plan_books`` reads and plans
every book and refuses a run that would fail midway or overwrite (two books bound for one
folder, an output folder that cannot be written, a book another run holds); ``narrate_books``
then narrates each plan in this process. The CLI, the book flow (deployments) and Python
callers all go through ``plan_books``, so each gets the same refusals, as one error and with
nothing written.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from narration.errors import BookLocked, InputError
from narration.options import NarrationOptions
from narration.run import pipeline
from narration.run.narrator import Narrator
from narration.run.plan import BookPlan
from narration.run.progress import ProgressListener
from narration.run.results import BookIncomplete, BookResult
from narration.store.layout import BookLayout
from narration.store.lock import locked_by
from narration.store.writable import OutputUnusable, check_writable

Planned = list[tuple[BookPlan, BookLayout]]
__all__ = ["OutputUnusable", "check_writable", "narrate_books", "plan_books"]


class Narrated(NamedTuple):
    results: list[BookResult]
    incomplete: list[str]  # the messages of books left with failed chunks (``BookIncomplete``)


def plan_books(
    books: Sequence[str | Path], out: str | Path, options: NarrationOptions, *, writing: bool = True,
    wait: bool = False,
) -> Planned:
    """Every book read and planned (its edited script included, ``auto`` resolved) and, when the
    plans are to be narrated (``writing``), the run checked before anything is written: a bad
    book raises its ``InputError``, two books bound for one folder an ``InputError``, an
    unusable output folder ``OutputUnusable``, a book another run holds ``BookLocked`` (unless
    ``wait``: the run will wait for it)."""
    paths, out = [Path(book) for book in books], Path(out)
    check_no_clash(paths, out)
    planned = [pipeline.plan(path, out, options) for path in paths]
    if writing:
        check_writable(out, [p for _plan, layout in planned for p in (layout.root, layout.work, layout.chapters)])
        if not wait:
            check_unlocked(planned)
    return planned


def narrate_books(
    books: Sequence[str | Path], out: str | Path = "outputs", options: NarrationOptions | None = None, *,
    on_progress: ProgressListener | None = None, narrator: Narrator | None = None, wait: bool = False,
) -> Narrated:
    """Narrate ``books`` into ``out``, each into its own folder, once all of them are planned and
    the run is checked (``plan_books``). One book's failed chunks do not stop the others: they
    are in ``incomplete``."""
    options = options or NarrationOptions()
    return narrate_planned(plan_books(books, out, options, wait=wait), out, options, on_progress=on_progress,
                           narrator=narrator, wait=wait)


def narrate_planned(
    planned: Planned, out: str | Path, options: NarrationOptions, *, on_progress: ProgressListener | None = None,
    narrator: Narrator | None = None, wait: bool = False,
) -> Narrated:
    """Each plan of ``plan_books`` through ``narrate()`` in this process, one set of models
    loaded for all of them (``narrator``, or one made and closed here)."""
    with Narrator() if narrator is None else contextlib.nullcontext(narrator) as models:
        return each_book(planned, lambda plan, layout: pipeline.narrate(
            plan.source, out, options, on_progress=on_progress, narrator=models, planned=(plan, layout), wait=wait))


def each_book(planned: Planned, narrate_one: Callable[[BookPlan, BookLayout], BookResult]) -> Narrated:
    """``narrate_one`` for every plan: the results, and the messages of books left incomplete."""
    done = Narrated([], [])
    for plan, layout in planned:
        try:
            done.results.append(narrate_one(plan, layout))
        except BookIncomplete as exc:
            done.incomplete.append(str(exc))
    return done


def check_no_clash(books: Sequence[Path], out: Path) -> None:
    """The first of ``clashes``, raised."""
    for clash in clashes(books, out):
        raise clash


def clashes(books: Sequence[Path], out: Path) -> Iterator[InputError]:
    """For each book that would be narrated into the folder of a book before it (``a/tiny.md``
    and ``b/tiny.md`` both into ``out/tiny/``: the second would overwrite the first), or that is
    a book before it given twice: the ``InputError`` naming it. Folder names are compared
    ignoring case, as a case-insensitive file system would."""
    seen: dict[str, Path] = {}
    for book in books:
        root = BookLayout.for_book(out, book).root
        other = seen.setdefault(str(root).casefold(), book)
        if other is book:
            continue
        if other.resolve() == book.resolve():
            yield InputError(book, f"the same book as {other}, given twice")
        else:
            yield InputError(book, f"would be narrated into {root}{os.sep} as {other} is (one would overwrite the "
                                   "other): rename one, or narrate them into different output folders")


def check_unlocked(planned: Planned) -> None:
    """``BookLocked`` for the first book another run holds: one run per book, refused up front."""
    for _plan, layout in planned:
        if holder := locked_by(layout):
            raise BookLocked(layout.root, holder)

