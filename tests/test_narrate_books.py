"""``narration.run.books``: the checks made before a run writes anything (books bound for one
folder, an unusable output folder, a book another run holds) are the library's, so the CLI, the
book flow that deployments run, and Python callers all get them."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration.errors import BookLocked, InputError
from narration.options import NarrationOptions
from narration.run import books as run_books
from narration.run.books import OutputUnusable, narrate_books, plan_books
from narration.run.results import BookIncomplete
from narration.store.layout import BookLayout
from narration.store.lock import book_lock

OPTIONS = NarrationOptions(synthesis={"backend": "piper"}, qa={"enabled": False})


def _book(path: Path, title: str = "A Book") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {title}\n\n## One\n\nSome words to read aloud.\n", encoding="utf-8")
    return path


def test_two_books_bound_for_one_folder_are_refused_before_either_is_read(tmp_path: Path) -> None:
    a, b = _book(tmp_path / "a" / "tiny.md"), tmp_path / "b" / "Tiny.md"  # b need not exist: refused first
    out = tmp_path / "out"
    with pytest.raises(InputError, match="would be narrated into") as clash:
        plan_books([a, b], out, OPTIONS)
    assert str(a) in str(clash.value) and str(b) in str(clash.value)
    with pytest.raises(InputError, match="given twice"):
        plan_books([a, tmp_path / "b" / ".." / "a" / "tiny.md"], out, OPTIONS, writing=False)
    assert not out.exists()


def test_an_unusable_output_folder_is_refused_when_writing_only(tmp_path: Path) -> None:
    book = _book(tmp_path / "tiny.md")
    afile = tmp_path / "notes.txt"
    afile.write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputUnusable) as bad:
        plan_books([book], afile, OPTIONS)
    assert str(bad.value) == f"{afile}: exists and is not a folder" and bad.value.path == afile
    with pytest.raises(OutputUnusable, match=f"{afile} is not a folder"):
        plan_books([book], afile / "sub", OPTIONS)
    [(plan, layout)] = plan_books([book], afile / "sub", OPTIONS, writing=False)  # a dry run reads only
    assert plan.source == book and layout.root == afile / "sub" / "tiny"
    assert afile.read_text(encoding="utf-8") == "keep me"


def test_a_book_another_run_holds_is_refused_unless_waiting(tmp_path: Path) -> None:
    book, out = _book(tmp_path / "tiny.md"), tmp_path / "out"
    with book_lock(BookLayout.for_book(out, book)):  # as a run of this book in another process would
        with pytest.raises(BookLocked, match="already being narrated"):
            plan_books([book], out, OPTIONS)
        assert len(plan_books([book], out, OPTIONS, wait=True)) == 1


def test_narrate_books_checks_first_then_goes_on_past_an_incomplete_book(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good, partial, out = _book(tmp_path / "good.md"), _book(tmp_path / "partial.md"), tmp_path / "out"
    narrated: list[Path] = []

    def narrate(book: Path, out_dir: Path, options: NarrationOptions, **kwargs: object) -> str:
        narrated.append(book)
        assert kwargs["planned"][0].source == book  # the plan made up front, not planned again
        if book == partial:
            raise BookIncomplete(f"{book}: 1 chunk failed")
        return f"result of {book.name}"

    monkeypatch.setattr(run_books.pipeline, "narrate", narrate)
    with pytest.raises(InputError):  # a bad book among good ones: nothing is narrated
        narrate_books([good, tmp_path / "missing.md"], out, OPTIONS)
    assert narrated == []
    done = narrate_books([partial, good], out, OPTIONS)
    assert done.results == ["result of good.md"] and done.incomplete == [f"{partial}: 1 chunk failed"]


def test_a_deployments_book_run_is_checked_as_the_cli_checks(tmp_path: Path) -> None:
    from flows.book import narrate_book

    book = _book(tmp_path / "tiny.md")
    afile = tmp_path / "notes.txt"
    afile.write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputUnusable, match="exists and is not a folder"):
        narrate_book.fn(str(book), str(afile), OPTIONS)  # the flow's own code, without a Prefect server
    assert afile.read_text(encoding="utf-8") == "keep me"


@pytest.mark.usefixtures("prefect_api")
def test_the_bulk_scan_skips_a_book_bound_for_another_books_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uuid

    import flows.deployments
    from flows.deployments import bulk_narrate

    inputs, out = tmp_path / "inputs", tmp_path / "out"
    first, second = _book(inputs / "a" / "tiny.md", "First"), _book(inputs / "b" / "tiny.md", "Second")
    other = _book(inputs / "other.md", "Other")  # each its own content: the ledger knows books by content
    queued: list[str] = []

    class Run:
        id = uuid.uuid4()

    def run_deployment(name: str, parameters: dict, timeout: int) -> Run:
        queued.append(parameters["book_path"])
        return Run()

    monkeypatch.setattr(flows.deployments, "run_deployment", run_deployment)
    bulk_narrate(str(inputs), str(out), OPTIONS)
    assert queued == [str(first), str(other)]  # b/tiny.md would have overwritten a/tiny.md's folder
    bulk_narrate(str(inputs), str(out), OPTIONS)
    assert queued == [str(first), str(other)]  # skipped again, not queued once the others are done
    assert second.exists()


def test_narrate_one_book_gets_the_same_output_folder_check(tmp_path: Path) -> None:
    """``narrate()`` for one book, called without a plan: before, a file where the output folder
    must be failed midway with NotADirectoryError; now it is the same refusal, nothing written."""
    from narration import narrate

    book = _book(tmp_path / "tiny.md")
    afile = tmp_path / "notes.txt"
    afile.write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputUnusable, match="exists and is not a folder"):
        narrate(book, afile, OPTIONS)
    assert afile.read_text(encoding="utf-8") == "keep me"
