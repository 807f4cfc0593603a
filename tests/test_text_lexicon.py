"""The user's pronunciation lexicon changes what is spoken, never what QA compares with, and
resynthesizes only the chunks it touches."""

from __future__ import annotations

from pathlib import Path

import pytest

from narration.errors import InputError
from narration.options import NarrationOptions
from narration.run.plan import plan_book
from narration.store.chunk_keys import chunk_keys
from narration.synthesis.piper import PiperBackend

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
