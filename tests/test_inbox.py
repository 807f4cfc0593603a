"""The bulk-run inbox: a book is queued once per content and options."""

from __future__ import annotations

from pathlib import Path

from narration.options import NarrationOptions
from narration.run.inbox import Ledger, new_books, scan_books


def test_scan_is_idempotent_and_requeues_changed_books(tmp_path: Path) -> None:
    inbox = tmp_path / "inputs"
    (inbox / "nested").mkdir(parents=True)
    (inbox / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    (inbox / "nested" / "b.epub").write_bytes(b"PK fake")
    (inbox / "notes.pdf").write_bytes(b"%PDF")
    (inbox / ".hidden.md").write_text("# H\n", encoding="utf-8")
    ledger = Ledger(tmp_path / "out" / ".inbox.sqlite")
    options = NarrationOptions()

    assert [b.path.name for b in new_books(inbox, ledger, options)] == ["a.md", "b.epub"]
    assert new_books(inbox, ledger, options) == []  # same content: nothing new
    assert new_books(inbox, Ledger(ledger.path), options) == []  # also from a fresh process

    (inbox / "a.md").write_text("# A\n\nText, edited.\n", encoding="utf-8")
    assert [b.path.name for b in new_books(inbox, ledger, options)] == ["a.md"]
    assert [b.path.name for b in new_books(inbox, ledger, NarrationOptions(speed=1.2))] == ["a.md", "b.epub"]


def test_released_claim_is_retried(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    ledger = Ledger(tmp_path / "ledger.sqlite")
    (book,) = new_books(tmp_path, ledger, NarrationOptions())
    ledger.release(book)  # e.g. the run could not be started
    assert [b.path for b in new_books(tmp_path, ledger, NarrationOptions())] == [book.path]
    assert scan_books(tmp_path / "missing") == []


def test_editing_the_lexicon_in_place_requeues_the_books(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nText about Hermione.\n", encoding="utf-8")
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('Hermione = "her-my-oh-nee"\n', encoding="utf-8")
    ledger = Ledger(tmp_path / "ledger.sqlite")
    options = NarrationOptions(lexicon=str(lexicon))
    assert len(new_books(tmp_path, ledger, options)) == 1
    assert new_books(tmp_path, ledger, options) == []
    lexicon.write_text('Hermione = "her-MY-oh-nee"\n', encoding="utf-8")  # same path, new content
    assert [b.path.name for b in new_books(tmp_path, ledger, options)] == ["a.md"]
