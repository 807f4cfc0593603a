"""Every digest of what the book's files are made from goes through narration.store.digests, with
the values the code before it computed: the records of books narrated before stay valid."""

from __future__ import annotations

import pytest

from narration.model import Chunk
from narration.options import NarrationOptions
from narration.run import pipeline
from narration.run.plan import ChapterPlan
from narration.store import digests

CHUNKS = [Chunk(0, 0, "Chapter one.", "Chapter one.", "en", "title", paragraph=None),
          Chunk(0, 1, "It began — “here”.", "It began — “here”.", "en", "paragraph", paragraph=0)]
CHAPTER = ChapterPlan(index=0, title="Chapter One — Début", words=4, chunks=CHUNKS)
TAKES = ["a" * 64, "b" * 64]

# Computed by the code before this module (pipeline._chapter_inputs, assemble_audiobook's and
# timed_text's inline digests at 5032c5d) for the inputs above.
BEFORE = {
    "default": "ff26917aa4d5a6305dfbf167d0e2003517f9618719e6edd0e0264457b833d871",
    "clause": "7abea6199fdf4758235b57e4db2911fc54bce9c8dabdc50286f36c4a1c00adee",
    "acx": "f2f6eabfe685953c44d88843a476ae1de1f591c88f7a005f7f0eda3fe895eb98",
    "audiobook": "2a38e8aa554411c3e5dc8bf5efdd2700f143a87e3511d242623b30eec2a2103f",
    "timed": "322c0b1e6cee4318998ef71200cc206e44fa4587068910848ae6198984bc03bc",
}
OPTIONS = {"default": NarrationOptions(), "clause": NarrationOptions(assembly={"pauses": {"clause": 0.3}}),
           "acx": NarrationOptions(assembly={"profile": "acx"})}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_a_chapter_digests_as_before(name: str) -> None:
    assert pipeline._chapter_inputs(CHAPTER, TAKES, OPTIONS[name], "Album — ü") == BEFORE[name]


def test_settings_that_do_not_change_the_audio_leave_the_digest_alone() -> None:
    apart = NarrationOptions(assembly={"m4b": False, "captions": "srt", "credits": True, "readalong": True})
    assert pipeline._chapter_inputs(CHAPTER, TAKES, apart, "Album — ü") == BEFORE["default"]


def test_the_book_and_its_captions_digest_as_before() -> None:
    assert digests.audiobook_inputs(chapters=["One", "Två"], masters=["c" * 64, None], title="Tïtle",
                                    authors=("A. Author",), language="sv", bitrate="64k",
                                    cover=b"\x89PNG") == BEFORE["audiobook"]
    made_of = {"chapters": [{"title": "Début"}], "formats": ["srt"], "language": "fr"}
    assert digests.timed_text_inputs(made_of) == BEFORE["timed"]


def test_a_new_version_makes_every_file_of_its_kind_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digests, "CHAPTER_VERSION", 2)
    assert pipeline._chapter_inputs(CHAPTER, TAKES, OPTIONS["default"], "Album — ü") != BEFORE["default"]
    monkeypatch.setattr(digests, "TIMED_TEXT_VERSION", 2)
    assert digests.timed_text_inputs({"chapters": [], "formats": ["srt"], "language": "fr"}) != \
        digests.json_sha256({"version": 1, "chapters": [], "formats": ["srt"], "language": "fr"}, ascii_only=False)
    before = digests.cache_key("chapter", "x")
    monkeypatch.setattr(digests, "CACHE_KEY_VERSION", 2)
    assert digests.cache_key("chapter", "x") != before and digests.cache_key("chapter", "x").startswith("chapter-")


def test_the_chapter_cache_key_and_record_read_the_same_assembly_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """flows/book.py's chapter cache key took its own dump of the assembly settings (the clause
    pause always in it); both now take AssemblySettings.digest()."""
    seen = []
    monkeypatch.setattr("flows.book.cache_key", lambda kind, *parts: seen.append(parts) or "key")
    monkeypatch.setattr("flows.book.pipeline.assembled_chapter", lambda *args: object())
    from flows.book import _chapter_cache_key

    options = NarrationOptions()
    _chapter_cache_key(None, {"root": "/tmp/book", "chapter": CHAPTER, "options": options, "album": "A", "keys": TAKES})
    assert seen[0][2] == options.assembly.digest() and "clause" not in seen[0][2]["pauses"]
