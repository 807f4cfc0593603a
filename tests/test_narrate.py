"""``narration.narrate()``: the whole pipeline as one library call, without Prefect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from narration import BookIncomplete, NarrationOptions, Narrator, narrate
from narration.run.faults import ENV as FAULTS_ENV
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest

OPTIONS = NarrationOptions(backend="piper", batch_size=2, format="flac", loudness=None, qa=False)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def book(short_book: Path) -> Path:
    return short_book


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_narrate_makes_the_audiobook_without_prefect(tmp_path: Path, book: Path) -> None:
    # In a fresh interpreter: this test session may have imported Prefect for other tests.
    code = (
        "import sys, json; from narration import narrate, NarrationOptions\n"
        f"r = narrate({str(book)!r}, {str(tmp_path / 'out')!r}, NarrationOptions(backend='piper', qa=False))\n"
        "print(json.dumps({'prefect': 'prefect' in sys.modules, 'm4b': r.m4b, 'chapters': len(r.chapters),"
        " 'synthesized': r.synthesized, 'chunks': r.chunks}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["prefect"] is False
    assert result["chapters"] == 2 and result["synthesized"] == result["chunks"] > 0
    layout = BookLayout.for_book(tmp_path / "out", book)
    assert Path(result["m4b"]).exists() and layout.script.exists() and layout.book_json.exists()
    assert len(list(layout.chapters.glob("*.mp3"))) == 2


def test_narrate_resumes_and_reports_progress(tmp_path: Path, book: Path) -> None:
    events: list[tuple[str, int]] = []

    class Listener:
        def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None:
            events.append(("book", cached))

        def chunks_done(self, count: int, audio_seconds: float) -> None:
            events.append(("chunks", count))

        def chapter_done(self, index: int, title: str) -> None:
            events.append(("chapter", index))

    with Narrator() as narrator:
        first = narrate(book, tmp_path, OPTIONS, narrator=narrator, on_progress=Listener())
        assert events[0] == ("book", 0) and ("chapter", 0) in events and ("chapter", 1) in events
        assert sum(n for kind, n in events if kind == "chunks") == first.chunks
        events.clear()
        again = narrate(book, tmp_path, OPTIONS, narrator=narrator, on_progress=Listener())
    assert again.synthesized == 0 and events[0] == ("book", first.chunks)
    assert [c.path for c in again.chapters] == [c.path for c in first.chapters]


def test_narrate_raises_book_incomplete_and_a_rerun_redoes_only_the_failed_chunk(
    tmp_path: Path, book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULTS_ENV, "fail@2")
    with pytest.raises(BookIncomplete, match="#2"):
        narrate(book, tmp_path, OPTIONS)
    layout = BookLayout.for_book(tmp_path, book)
    assert [r.status for r in Manifest(layout.manifest).records()].count("failed") == 1
    assert len(list(layout.chapters.glob("*.flac"))) == 1  # the chapter without the failure
    monkeypatch.delenv(FAULTS_ENV)
    result = narrate(book, tmp_path, OPTIONS)
    assert result.synthesized == 1 and not result.failed and result.m4b


def test_a_damaged_manifest_is_moved_aside_and_the_rerun_synthesizes_nothing(
    tmp_path: Path, book: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    first = narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    layout.manifest.write_bytes(b"this is not a database" * 100)  # a sync tool or a bad disk
    for leftover in (layout.manifest.with_name(layout.manifest.name + s) for s in ("-wal", "-shm")):
        leftover.unlink(missing_ok=True)

    status = subprocess.run([sys.executable, "-m", "narration.cli", "status", str(book), "--out", str(out), "--json"],
                            capture_output=True, text=True, timeout=300)
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    with caplog.at_level("WARNING", logger="narration.store.manifest"):
        again = narrate(book, out, OPTIONS)
    assert again.synthesized == 0 and len(again.chapters) == len(first.chapters)
    damaged = sorted(layout.manifest.parent.glob("manifest.sqlite.damaged-*"))
    assert damaged and damaged[0].read_bytes().startswith(b"this is not a database")
    assert str(layout.manifest) in status.stderr and "moved to manifest.sqlite.damaged-" in status.stderr
    assert Manifest(layout.manifest).last_run()["synthesized"] == 0


def test_damaged_takes_are_found_moved_aside_and_made_again(tmp_path: Path, book: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    import os

    out = tmp_path / "out"
    first = narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    takes = sorted(layout.chunks.rglob("*.wav"))
    assert len(takes) == first.chunks >= 3
    truncated, empty, garbage = takes[:3]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])  # a crash elsewhere, a sync tool
    empty.write_bytes(b"")
    garbage.write_bytes(os.urandom(garbage.stat().st_size))
    for chapter in first.chapters:  # without these, the rerun must rebuild the chapters from the takes
        Path(chapter.path).unlink()

    with caplog.at_level("WARNING", logger="narration.run.takes"):
        again = narrate(book, out, OPTIONS)
    assert again.synthesized == 3
    # whole chapters again (a new take of a chunk differs a little in length: Piper samples durations)
    assert [c.title for c in again.chapters] == [c.title for c in first.chapters]
    assert all(abs(a.duration - b.duration) < 0.1 * b.duration for a, b in zip(again.chapters, first.chapters))
    for path in (truncated, empty, garbage):
        assert path.stat().st_size > 1000 and path.stem in caplog.text
        assert layout.damaged_take(path.stem).exists()
    assert narrate(book, out, OPTIONS).synthesized == 0


def test_chapters_are_reused_only_when_whole_and_rebuilt_when_damaged(tmp_path: Path, book: Path) -> None:
    from narration.audio import frame_count

    out = tmp_path / "out"
    first = narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    chapter_file, master = Path(first.chapters[0].path), layout.chapter_master(0)
    made = {p: p.stat().st_mtime_ns for p in (chapter_file, master, Path(first.chapters[1].path))}

    assert narrate(book, out, OPTIONS).synthesized == 0
    assert {p: p.stat().st_mtime_ns for p in made} == made  # whole and unchanged: reused, not made again

    master.write_bytes(master.read_bytes()[: master.stat().st_size // 2])  # cut short after the run
    chapter_file.write_bytes(chapter_file.read_bytes()[:200])
    again = narrate(book, out, OPTIONS)
    assert again.synthesized == 0
    frames, rate = frame_count(master)
    assert abs(frames / rate - first.chapters[0].duration) < 0.05  # the whole chapter again
    assert chapter_file.stat().st_size > 1000
    assert Path(first.chapters[1].path).stat().st_mtime_ns == made[Path(first.chapters[1].path)]


def test_one_run_per_book_a_second_is_refused_with_exit_3(tmp_path: Path, book: Path) -> None:
    from narration.errors import BookLocked
    from narration.store.lock import book_lock, locked_by

    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    assert locked_by(layout) is None
    assert not out.exists()  # asking wrote nothing
    with book_lock(layout):  # as a run of this book in another process would
        assert locked_by(layout).startswith("pid ")
        with pytest.raises(BookLocked, match="already being narrated by pid"):
            narrate(book, out, OPTIONS)
        assert not layout.manifest.exists()  # refused before anything was written
        cli = subprocess.run([sys.executable, "-m", "narration.cli", str(book), "--out", str(out)],
                             capture_output=True, text=True, timeout=300)
        assert cli.returncode == 3, cli.stderr
        assert len(cli.stderr.strip().splitlines()) == 1 and "already being narrated by pid" in cli.stderr
    assert locked_by(layout) is None  # released with the holder, however it ends
    assert narrate(book, out, OPTIONS).synthesized > 0


def test_with_wait_a_second_run_waits_for_the_first(tmp_path: Path, book: Path) -> None:
    import threading
    import time

    from narration.store.lock import book_lock

    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    held, release = threading.Event(), threading.Event()

    def first_run() -> None:
        with book_lock(layout):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=first_run)
    holder.start()
    held.wait(10)
    threading.Timer(2.0, release.set).start()
    started = time.monotonic()
    result = narrate(book, out, OPTIONS, wait=True)
    holder.join()
    assert time.monotonic() - started >= 2.0 and result.synthesized > 0
