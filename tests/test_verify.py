"""The verified store: every take, chapter file and the M4B is checked against the size and
SHA-256 recorded when it was written before it is used, and ``narrate verify`` checks (and with
``--repair`` redoes) a whole book."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from narration import NarrationOptions, narrate
from narration.audio import frame_count
from narration.cli import main as cli
from narration.ffmpeg import probe
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest

OPTIONS = NarrationOptions(backend="piper", batch_size=2, format="mp3", loudness=None, qa=False)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def book(short_book: Path) -> Path:
    return short_book


def flip_a_byte(path: Path) -> None:
    """Change one audio byte in place: the header, the size and the WAV structure stay as they were."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def takes_of_chapter(layout: BookLayout, chapter: int) -> list[Path]:
    return [layout.chunk_audio(r.key) for r in Manifest(layout.manifest).records() if r.chapter == chapter]


def mtimes(*paths: Path) -> list[int]:
    return [p.stat().st_mtime_ns for p in paths]


def test_a_take_whose_bytes_changed_in_place_is_made_again_with_its_chapter(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    first = narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    flipped = takes_of_chapter(layout, 1)[0]
    flip_a_byte(flipped)  # a bit flip, a sync tool's other version: the WAV header still reads whole
    untouched = mtimes(Path(first.chapters[0].path), layout.chapter_master(0))
    rebuilt = mtimes(Path(first.chapters[1].path), layout.chapter_master(1), layout.m4b)

    again = narrate(book, out, OPTIONS)
    assert again.synthesized == 1  # that take alone
    assert layout.damaged_take(flipped.stem).exists()
    assert mtimes(Path(first.chapters[0].path), layout.chapter_master(0)) == untouched
    assert all(a != b for a, b in zip(mtimes(Path(again.chapters[1].path), layout.chapter_master(1), layout.m4b),
                                      rebuilt, strict=True))  # made from the new take
    assert narrate(book, out, OPTIONS).synthesized == 0


def test_takes_stored_without_a_fingerprint_are_adopted_not_made_again(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    first = narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    with sqlite3.connect(layout.manifest) as db:  # as a store made by an earlier version, or a rebuilt manifest
        db.execute("UPDATE chunks SET bytes = NULL, sha256 = NULL")
    assert narrate(book, out, OPTIONS).synthesized == 0
    recorded = Manifest(layout.manifest).fingerprints([r.key for r in Manifest(layout.manifest).records()])
    assert len(recorded) == first.chunks  # adopted: fingerprinted now, so later damage is found
    flip_a_byte(takes_of_chapter(layout, 0)[0])
    assert narrate(book, out, OPTIONS).synthesized == 1


def test_a_manifest_of_an_earlier_version_gains_the_fingerprint_columns(tmp_path: Path) -> None:
    path = tmp_path / "manifest.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE chunks (key TEXT PRIMARY KEY, status TEXT NOT NULL DEFAULT 'pending', "
                   "attempts INTEGER NOT NULL DEFAULT 0, retakes INTEGER NOT NULL DEFAULT 0, last_error TEXT, "
                   "duration REAL, qa TEXT, run_id TEXT, updated REAL)")
        db.execute("INSERT INTO chunks (key, status) VALUES ('k', 'done')")
    Manifest(path)
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(chunks)")}
        assert {"bytes", "sha256"} <= columns
        assert db.execute("SELECT status FROM chunks WHERE key = 'k'").fetchone() == ("done",)


def test_the_audiobook_is_kept_when_whole_and_made_again_when_damaged(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    first = narrate(book, out, OPTIONS)
    m4b = Path(first.m4b)
    made = mtimes(m4b)
    assert narrate(book, out, OPTIONS).m4b == str(m4b) and mtimes(m4b) == made  # not encoded again
    m4b.write_bytes(m4b.read_bytes()[: m4b.stat().st_size // 2])
    narrate(book, out, OPTIONS)
    duration = float(probe(m4b)["format"]["duration"])
    assert abs(duration - sum(c.duration for c in first.chapters)) < 0.1


def run_verify(book: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "narration.cli", "verify", str(book), "--out", str(out), *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_verify_finds_each_kind_of_damage_changes_nothing_and_repair_redoes_only_that(
    tmp_path: Path, book: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    first = narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    assert cli(["verify", str(book), "--out", str(out)]) == 0
    assert "whole (4 takes" in capsys.readouterr().out

    gone, flipped = takes_of_chapter(layout, 0)
    gone.unlink()
    flip_a_byte(flipped)
    chapter_two = Path(first.chapters[1].path)
    chapter_two.write_bytes(chapter_two.read_bytes()[:300])
    before = {p: p.read_bytes() for p in layout.root.rglob("*") if p.is_file() and p.name != "lock"}

    found = run_verify(book, out, "--json")
    assert found.returncode == 1, found.stderr
    doc = json.loads(found.stdout)
    assert not doc["ok"] and doc["takes_checked"] == 4
    assert [t["key"] for t in doc["missing_takes"]] == [gone.stem]
    assert [t["key"] for t in doc["damaged_takes"]] == [flipped.stem] and "SHA-256" in doc["damaged_takes"][0]["problem"]
    assert [(c["index"], c["problem"]) for c in doc["chapters"]] == [
        (0, "2 of its 2 takes must be made first"),
        (1, f"chapters/{chapter_two.name}: 300 bytes where {first_size(layout, 1)} "
            "were written")]
    after = {p: p.read_bytes() for p in layout.root.rglob("*") if p.is_file() and p.name != "lock"}
    assert after == before  # looked, changed nothing

    repaired = run_verify(book, out, "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "whole (4 takes" in repaired.stdout.strip().splitlines()[-1]
    assert Manifest(layout.manifest).last_run()["synthesized"] == 2  # the missing and the damaged take, no more
    for chapter in first.chapters:
        frames, rate = frame_count(layout.chapter_master(chapter.index))
        assert abs(frames / rate - chapter.duration) < 0.1 * chapter.duration
    assert run_verify(book, out).returncode == 0


def test_verify_checks_the_captions_and_the_read_along_book_and_repair_remakes_them(tmp_path: Path, book: Path) -> None:
    out = tmp_path / "out"
    narrate(book, out, OPTIONS.model_copy(update={"assembly": OPTIONS.assembly.model_copy(
        update={"captions": ("srt",), "readalong": True})}))
    layout = BookLayout.for_book(out, book)
    srt = layout.root / f"{layout.root.name}.srt"
    epub = layout.root / f"{layout.root.name}.readalong.epub"
    assert srt.exists() and epub.exists() and run_verify(book, out).returncode == 0
    cues = srt.read_text(encoding="utf-8")
    srt.write_text(cues.replace("-->", "->", 1), encoding="utf-8")  # a sync tool's or an editor's change
    epub.write_bytes(epub.read_bytes()[:100])

    found = run_verify(book, out, "--json")
    assert found.returncode == 1, found.stderr
    doc = json.loads(found.stdout)
    assert [t["output"] for t in doc["timed_text"]] == ["captions", "read-along EPUB"]
    assert not doc["missing_takes"] and not doc["chapters"] and doc["audiobook"] is None
    assert "captions and read-along EPUB to make" in run_verify(book, out).stdout

    assert run_verify(book, out, "--repair").returncode == 0  # the last run's options: captions and EPUB again
    assert srt.read_text(encoding="utf-8") == cues and zipfile.is_zipfile(epub)
    assert Manifest(layout.manifest).last_run()["synthesized"] == 0


def first_size(layout: BookLayout, index: int) -> int:
    record = json.loads(layout.chapter_record(index).read_text(encoding="utf-8"))
    return next(v["bytes"] for name, v in record["files"].items() if name.startswith("chapters/"))


def test_verify_reports_a_damaged_manifest_without_touching_it_and_repair_rebuilds_it(
    tmp_path: Path, book: Path
) -> None:
    out = tmp_path / "out"
    narrate(book, out, OPTIONS)
    layout = BookLayout.for_book(out, book)
    layout.manifest.write_bytes(b"this is not a database" * 100)
    found = run_verify(book, out)
    assert found.returncode == 1 and "cannot be read" in found.stdout and "Traceback" not in found.stderr
    assert layout.manifest.read_bytes().startswith(b"this is not a database")
    assert run_verify(book, out, "--repair").returncode == 0
    assert Manifest(layout.manifest).last_run()["synthesized"] == 0  # the store held every take


def test_verify_of_a_book_never_narrated_or_being_narrated_is_one_line(tmp_path: Path, book: Path) -> None:
    from narration.store.lock import book_lock

    out = tmp_path / "out"
    never = run_verify(book, out)
    assert never.returncode == 2 and len(never.stderr.strip().splitlines()) == 1 and "no manifest" in never.stderr
    narrate(book, out, OPTIONS)
    with book_lock(BookLayout.for_book(out, book)):
        busy = run_verify(book, out, "--repair")
    assert busy.returncode == 3 and "already being narrated" in busy.stderr


THREE = ("# Three\n\n## One\n\nThe first chapter is short. It ends here.\n\n## Two\n\nThe second one too.\n\n"
         "## Three\n\nAnd the third. Then it stops.\n")


def test_after_chapters_runs_verify_checks_what_was_made_and_repair_makes_no_other_chapter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "three.md"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    narrate(book, out, OPTIONS.model_copy(update={"chapters": "1"}))
    narrate(book, out, OPTIONS.model_copy(update={"chapters": "3"}))  # the options now record only "3"
    capsys.readouterr()

    assert cli(["verify", str(book), "--out", str(out), "--json"]) == 0  # chapter 2 not started is no damage
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and not doc["missing_takes"] and doc["audiobook"] is None
    assert [c["index"] for c in doc["not_started"]] == [1]
    assert cli(["verify", str(book), "--out", str(out)]) == 0
    assert "not started: chapter(s) 2 (Two)" in " ".join(capsys.readouterr().out.split())

    flip_a_byte(takes_of_chapter(layout, 0)[0])  # chapter 1, made by the run before the last
    assert cli(["verify", str(book), "--out", str(out), "--json"]) == 1
    assert [t["chapter"] for t in json.loads(capsys.readouterr().out)["damaged_takes"]] == [0]

    assert cli(["verify", str(book), "--out", str(out), "--repair"]) == 0
    assert Manifest(layout.manifest).last_run()["synthesized"] == 1  # the damaged take; chapter 2 stays for later
    assert not any(p.exists() for p in takes_of_chapter(layout, 1))
    assert sorted(p.name[:2] for p in layout.chapters.glob("*.mp3")) == ["01", "03"] and not layout.m4b.exists()
    assert cli(["verify", str(book), "--out", str(out)]) == 0


def test_repair_of_an_unreadable_manifest_after_a_chapters_run_keeps_that_runs_selection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = tmp_path / "three.md"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    narrate(book, out, OPTIONS.model_copy(update={"chapters": "2"}))
    layout.manifest.write_bytes(b"this is not a database" * 100)
    assert cli(["verify", str(book), "--out", str(out), "--repair"]) == 0
    assert Manifest(layout.manifest).last_run()["synthesized"] == 0  # no chapter the run had left
    assert [p.name[:2] for p in layout.chapters.glob("*.mp3")] == ["02"] and not layout.m4b.exists()
