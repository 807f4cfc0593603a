"""narrate prune: an edited book's old takes and renamed chapters go; what its plan uses stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration import narrate
from narration.cli import main
from narration.errors import NarrationError
from narration.options import NarrationOptions
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest
from narration.store.prune import prune_book

BOOK = "# Pruned\n\n## One\n\nThe first line stays. So does this one.\n\n## Two\n\nThis sentence will change.\n"
OPTIONS = NarrationOptions(batch_size=4, format="flac", m4b=False, loudness=None, qa=False)

def test_prune_removes_only_what_the_current_plan_does_not_use(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    book, out = tmp_path / "pruned.md", tmp_path / "out"
    book.write_text(BOOK, encoding="utf-8")
    narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    before = set(layout.chunks.glob("*/*.wav"))

    book.write_text(BOOK.replace("## Two", "## Deux").replace("will change", "has changed"), encoding="utf-8")
    edited = narrate(book, out, OPTIONS)
    assert edited.synthesized >= 1
    keys = {r.key for r in Manifest(layout.manifest).records()}
    old_takes = {p for p in before if p.stem not in keys}
    assert old_takes  # the edited sentence's take is no longer planned

    assert main(["prune", str(book), "--out", str(out), "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert "02 - Two.flac" in listed and all(p.name in listed for p in old_takes)
    assert all(p.exists() for p in old_takes)  # a dry run deletes nothing

    sidecars = {p.with_suffix(".sentences.json") for p in old_takes}
    assert all(p.exists() for p in sidecars)  # where the take's sentences lie, for captions

    result = prune_book(layout)
    assert set(result.files) == old_takes | sidecars | {layout.chapters / "02 - Two.flac"}
    assert result.bytes > 0 and result.forgotten_keys == len(old_takes)
    assert not any(p.exists() for p in result.files)
    assert {p.stem for p in layout.chunks.glob("*/*.wav")} == keys
    assert {p.name.split(".")[0] for p in layout.chunks.glob("*/*.sentences.json")} == keys
    assert sorted(p.name for p in layout.chapters.iterdir()) == ["01 - One.flac", "02 - Deux.flac"]
    assert narrate(book, out, OPTIONS).synthesized == 0  # nothing it needs was lost
    assert prune_book(layout).files == []


def test_prune_of_a_book_never_narrated_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NarrationError, match="not narrated yet"):
        prune_book(BookLayout.for_book(tmp_path / "out", tmp_path / "missing.md"))
    assert main(["prune", str(tmp_path / "missing.md"), "--out", str(tmp_path / "out")]) == 2


def test_prune_waits_for_no_one_it_refuses_while_a_run_holds_the_book(tmp_path: Path) -> None:
    from narration.errors import BookLocked
    from narration.store.lock import book_lock

    book = tmp_path / "pruned.md"
    book.write_text(BOOK, encoding="utf-8")
    out = tmp_path / "out"
    narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    with book_lock(layout):  # a run of the book is under way
        with pytest.raises(BookLocked):
            prune_book(layout)
        assert main(["prune", str(book), "--out", str(out)]) == 3
    assert prune_book(layout, dry_run=True).files == []


def test_prune_removes_the_master_and_record_of_a_chapter_the_book_lost(tmp_path: Path) -> None:
    book, out = tmp_path / "shorter.md", tmp_path / "out"
    book.write_text(BOOK + "\n## Three\n\nA third chapter, cut in the next edition.\n", encoding="utf-8")
    narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    gone = [layout.chapter_master(2), layout.chapter_record(2)]
    assert all(p.exists() for p in gone)
    book.write_text(BOOK, encoding="utf-8")
    narrate(book, out, OPTIONS)
    assert set(gone) <= set(prune_book(layout).files) and not any(p.exists() for p in gone)
    assert layout.chapter_record(1).exists() and layout.chapter_master(1).exists()
