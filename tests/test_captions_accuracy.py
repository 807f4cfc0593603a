"""Captions and the read-along EPUB of the sample book, end to end (issue 15 parts 3-5): each
sentence's first caption cue and SMIL clip begin within 100 ms of where its first word is heard
(faster-whisper base with word timestamps on the chapter files as written), the EPUB passes
epubcheck, a rerun keeps the files, a store made before take positions and sentence spans were
recorded still gets captions that close, and Markdown and plain-text books get a valid EPUB.
bench/captions_accuracy.py prints the same figures per voice."""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

import pytest
import srt
import webvtt
from test_captions import epubcheck

from narration.assembly.timed_text import (
    book_caption_path,
    readalong_path,
)
from narration.assembly.word_times import WordTimer
from narration.eval.captions import Offset, measure_chapter
from narration.model import PARA_HEADING
from narration.options import NarrationOptions
from narration.run.pipeline import narrate, plan
from narration.store.verify import verify_book

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "inputs" / "aesop-fables.epub"
LIMIT = 0.100  # seconds


def _options(backend: str) -> NarrationOptions:
    # QA off: what is measured here is where the sentences are, and the test's own ASR hears them.
    return NarrationOptions(synthesis={"backend": backend}, emotion={"enabled": False}, qa={"enabled": False},
                            assembly={"captions": "srt,vtt", "readalong": True})


@pytest.fixture(scope="module")
def piper_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample narrated once by Piper with captions and the EPUB; tests work on copies."""
    out = tmp_path_factory.mktemp("piper")
    narrate(SAMPLE, out, _options("piper"))
    return out


def _copy(store: Path, to: Path) -> Path:
    shutil.copytree(store, to, symlinks=True)
    return to


def _offsets(out: Path, options: NarrationOptions, book: Path = SAMPLE, least: int = 50,
             chapters: int | None = None) -> list[Offset]:
    """Caption and clip starts against the heard first words, in the first ``chapters`` (all)."""
    planned, layout = plan(book, out, options)
    timer = WordTimer("base")
    offsets: list[Offset] = []
    for chapter in planned.chapters[:chapters]:
        found, unchecked = measure_chapter(planned, layout, chapter.index, timer)
        # Piper's voice samples noise inside its model (no seed), so each run says a word or two
        # differently: a third of a chapter's sentences may go unheard (a clean clone saw 3 of the
        # 12 of chapter 4 once, 0-2 in reruns), never the whole chapter; the book's total below holds.
        assert unchecked <= max(2, (len(found) + unchecked) // 3), (
            f"chapter {chapter.index + 1}: {unchecked} of {len(found) + unchecked} first words not heard")
        offsets += found
    assert len(offsets) >= least  # the sample's 60 spoken sentences, less a misheard first word or two
    return offsets


def _sample_excerpt(folder: Path, chapters: int) -> Path:
    """The sample book's first chapters as Markdown: the same text at a fraction of the cost for
    the slower voice (bench/captions_accuracy.py measures it on the whole book)."""
    book = plan(SAMPLE, folder / "plan", _options("piper"))[0].book
    lines = [f"# {book.title}", ""]
    for chapter in book.chapters[:chapters]:
        lines += [f"## {chapter.title}", ""]
        lines += [f"{'### ' if p.kind == PARA_HEADING else ''}{p.text}\n" for p in chapter.paragraphs]
    path = folder / "aesop-excerpt.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _assert_within(offsets: list[Offset]) -> None:
    assert all(o.caption_error is not None and o.clip_error is not None for o in offsets)
    late = [(o.text[:40], o.caption_error, o.clip_error) for o in offsets
            if abs(o.caption_error or 0) > LIMIT or abs(o.clip_error or 0) > LIMIT]
    assert not late, late


def _voices_installed() -> bool:
    from narration.synthesis import choose_backend

    return choose_backend(None, "en")[0] == "kokoro-en"


@pytest.mark.parametrize("backend", ["piper", "kokoro-en"])
def test_captions_and_clips_begin_within_100_ms_of_the_spoken_words(backend: str, tmp_path: Path,
                                                                      request: pytest.FixtureRequest) -> None:
    if backend == "kokoro-en" and not _voices_installed():
        pytest.skip("Kokoro English voices are not installed (scripts/setup.sh installs them)")
    options = _options(backend)
    if backend == "piper":
        book, chapters, least = SAMPLE, 5, 50
        tmp_path = _copy(request.getfixturevalue("piper_store"), tmp_path / "out")
    else:  # the default voice is slower: its first chapter (11 spoken sentences); Piper's case has five
        book, chapters, least = _sample_excerpt(tmp_path, 1), 1, 9
    result = narrate(book, tmp_path, options)  # Piper's: made already, read back as it is
    layout_root = Path(result.root)
    offsets = _offsets(tmp_path, options, book, least)
    _assert_within(offsets)
    assert statistics.median(abs(o.caption_error or 0) for o in offsets) < 0.03

    # the book's captions are the chapters' back to back, as in the M4B
    book_srt = list(srt.parse(book_caption_path_for(layout_root, "srt").read_text(encoding="utf-8")))
    chapter_srts = sorted((layout_root / "chapters").glob("*.srt"))
    assert len(chapter_srts) == len(result.chapters) == chapters
    assert len(book_srt) == sum(len(list(srt.parse(p.read_text(encoding="utf-8")))) for p in chapter_srts)
    assert book_srt[-1].end.total_seconds() <= result.audio_seconds
    vtt = webvtt.read(str(book_caption_path_for(layout_root, "vtt")))
    assert [c.text for c in vtt] == [s.content for s in book_srt]

    report = epubcheck(layout_root / f"{layout_root.name}.readalong.epub")
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in report, report


def book_caption_path_for(root: Path, fmt: str) -> Path:
    return root / f"{root.name}.{fmt}"


def test_a_rerun_keeps_the_files_and_an_old_store_still_gets_close_captions(tmp_path: Path, piper_store: Path) -> None:
    options = _options("piper")
    tmp_path = _copy(piper_store, tmp_path / "out")
    _, layout = plan(SAMPLE, tmp_path, options)
    made = {p: p.stat().st_mtime_ns for p in [readalong_path(layout), book_caption_path(layout, "srt"),
                                               *layout.chapters.glob("*.vtt")]}
    narrate(SAMPLE, tmp_path, options)  # nothing changed: nothing is written again
    assert {p: p.stat().st_mtime_ns for p in made} == made
    assert verify_book(layout).ok

    # A store from before: takes without sentence spans, chapter records without take positions.
    for sidecar in layout.chunks.glob("*/*.sentences.json"):
        sidecar.unlink()
    for record in layout.chapter_masters.glob("*.json"):
        data = json.loads(record.read_text(encoding="utf-8"))
        data.pop("piece_starts")
        record.write_text(json.dumps(data), encoding="utf-8")
    layout.captions_record.unlink()
    layout.readalong_record.unlink()
    narrate(SAMPLE, tmp_path, options)
    assert {p: p.stat().st_mtime_ns for p in made} != made  # made again, placed by ASR and the masters
    _assert_within(_offsets(tmp_path, options, least=20, chapters=2))  # every chapter takes the same path
    assert verify_book(layout).ok


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_markdown_and_plain_text_books_get_a_valid_readalong_epub(suffix: str, tmp_path: Path) -> None:
    text = ("# Two Short Chapters\n\n## One\n\nThe first chapter is short. It ends here & now.\n\n"
            "## Two\n\nThe second one <too>.\n") if suffix == ".md" else (
            "Two Short Chapters\n\nCHAPTER I\n\nThe first chapter is short. It ends here & now.\n\n"
            "CHAPTER II\n\nThe second one <too>.\n")
    book = tmp_path / f"short{suffix}"
    book.write_text(text, encoding="utf-8")
    options = NarrationOptions(synthesis={"backend": "piper"}, emotion={"enabled": False}, qa={"enabled": False},
                               assembly={"readalong": True, "captions": "vtt", "m4b": False})
    result = narrate(book, tmp_path / "out", options)
    epub = Path(result.root) / "short.readalong.epub"
    report = epubcheck(epub)
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in report, report
    import zipfile

    with zipfile.ZipFile(epub) as z:
        pages = " ".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
        assert sum(n.endswith(".smil") for n in z.namelist()) == len(result.chapters) == 2
    assert "It ends here &amp; now." in pages
    # Markdown reads <too> as an HTML tag; plain text keeps it as text
    assert ("The second one &lt;too&gt;." in pages) == (suffix == ".txt")
