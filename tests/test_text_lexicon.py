"""The user's pronunciation lexicon changes what is spoken, never what QA compares with, and
resynthesizes only the chunks it touches."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration import narrate
from narration.cli import main
from narration.errors import InputError
from narration.options import NarrationOptions
from narration.review.edits import set_pronunciation
from narration.run import pipeline
from narration.run.plan import plan_book
from narration.store.chunk_keys import chunk_keys
from narration.store.layout import BookLayout
from narration.synthesis.piper import PiperBackend
from narration.text.lexicon import merge_lexicons

BOOK = """# Names

## One

Hermione opened the door at 9 o'clock.

Nobody else came that evening.

## Two

Later, hermione wrote a letter to Dr. Grey.
"""


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "names.md"
    path.write_text(BOOK, encoding="utf-8")
    return path


def test_the_lexicon_changes_the_speech_text_but_not_the_source(book: Path, tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[words]\nHermione = "her my oh nee"\n"Dr." = "Doctor"\n', encoding="utf-8")
    plain = plan_book(book, NarrationOptions(backend="piper", emotion={"enabled": False}))
    spoken = plan_book(book, NarrationOptions(backend="piper", lexicon=str(lexicon), emotion={"enabled": False}))
    changed = [(a, b) for a, b in zip(plain.chunks, spoken.chunks, strict=True) if a.text != b.text]
    assert [b.text for _, b in changed] == [
        "her my oh nee opened the door at nine o'clock.",
        "Later, her my oh nee wrote a letter to Doctor Grey.",
    ]
    assert all(a.source == b.source and "ermione" in b.source for a, b in changed)


def test_only_chunks_with_a_lexicon_word_get_new_keys(book: Path, tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text("# name\tspoken\nHermione\ther my oh nee\n", encoding="utf-8")
    voice = PiperBackend()
    before = plan_book(book, NarrationOptions(backend="piper", emotion={"enabled": False}))
    after = plan_book(book, NarrationOptions(backend="piper", lexicon=str(lexicon), emotion={"enabled": False}))
    old, new = chunk_keys(before.chunks, voice, None), chunk_keys(after.chunks, voice, None)
    moved = [c.index for c, a, b in zip(after.chunks, old, new, strict=True) if a != b]
    assert moved == [c.index for c in after.chunks if "ermione" in c.source]
    assert len(moved) == 2 and len(after.chunks) > 2


def test_a_missing_lexicon_is_an_error_naming_the_file(book: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(InputError, match="nowhere.toml"):
        plan_book(book, NarrationOptions(backend="piper", lexicon=str(missing), emotion={"enabled": False}))


def test_later_lexicons_win_a_word_ignoring_case() -> None:
    own = {"hermione": "her my oh nee", "Grey": "gray"}
    assert merge_lexicons(own, {"Hermione": "her mee oh nee"}) == {"Grey": "gray", "Hermione": "her mee oh nee"}


def test_the_books_own_lexicon_applies_to_every_run_under_an_explicit_one(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = NarrationOptions(backend="piper", emotion={"enabled": False})
    plain, layout = pipeline.plan(book, out, options)
    layout.root.mkdir(parents=True)
    layout.lexicon.write_text("# the page's fixes\nHermione\ther my oh nee\nGrey\tgray ee\n", encoding="utf-8")

    own, _ = pipeline.plan(book, out, options)  # no --lexicon: the book's own still applies
    assert own.summary()["lexicons"] == [str(layout.lexicon)]
    assert [c.text for c in own.chunks if c.text != plain.chunks[c.index].text] == [
        "her my oh nee opened the door at nine o'clock.", "Later, her my oh nee wrote a letter to Doctor gray ee."]
    voice = PiperBackend()
    old, new = chunk_keys(plain.chunks, voice, None), chunk_keys(own.chunks, voice, None)
    assert [c.index for c, a, b in zip(own.chunks, old, new, strict=True) if a != b] == [
        c.index for c in own.chunks if "ermione" in c.source]  # only the chunks the lexicon's words are in

    explicit = tmp_path / "mine.toml"
    explicit.write_text('hermione = "her mee oh nee"\n', encoding="utf-8")
    both, _ = pipeline.plan(book, out, NarrationOptions(backend="piper", lexicon=str(explicit), emotion={"enabled": False}))
    assert both.summary()["lexicons"] == [str(layout.lexicon), str(explicit)]
    assert "Later, her mee oh nee wrote a letter to Doctor gray ee." in [c.text for c in both.chunks]  # --lexicon wins


def test_the_dry_run_names_the_lexicon_files_that_apply(book: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    layout.root.mkdir(parents=True)
    layout.lexicon.write_text("Hermione\ther my oh nee\n", encoding="utf-8")
    assert main([str(book), "--out", str(out), "--backend", "piper", "--dry-run"]) == 0
    assert f"lexicon: {layout.lexicon}" in " ".join(capsys.readouterr().out.split())


def test_a_pronunciation_fixed_on_the_review_page_is_kept_by_a_plain_later_run(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = NarrationOptions(backend="piper", batch_size=4, format="flac", loudness=None, qa=False,
                               emotion={"enabled": False})
    first = narrate(book, out, options)
    set_pronunciation(BookLayout.for_book(out, book), "Grey", "gray ee")  # what the page's edit does
    again = narrate(book, out, options)  # the command line, no --lexicon
    assert again.synthesized == 1 and again.chunks == first.chunks  # the chunk with "Grey", no other
