"""``narrate BOOK --chapters 1-3,7``: only those chapters are made; a later full run reuses every take."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from narration import NarrationOptions, narrate
from narration.errors import InputError
from narration.run import pipeline
from narration.run.selection import parse_selection, select_chapters
from narration.store.layout import BookLayout
from narration.store.status import status_for_book

OPTIONS = {"backend": "piper", "batch_size": 2, "format": "flac", "loudness": None, "qa": False}
TITLES = ["Flattery and Pride", "Great and Small", "Slow  but Steady", "Thrift and Greed", "Lies and Shadows"]
THREE = ("# Three\n\n## One\n\nThe first chapter is short. It ends here.\n\n## Two\n\nThe second one too.\n\n"
         "## Three\n\nAnd the third. Then it stops.\n")


def test_numbers_ranges_and_titles_select_chapters_in_plan_order() -> None:
    assert parse_selection("1-3, 7") == [(1, 3), (7, 7)]
    assert select_chapters("4,1-2", TITLES, "b.epub") == [0, 1, 3]
    assert select_chapters("great AND small,5", TITLES, "b.epub") == [1, 4]
    assert select_chapters("slow but steady", TITLES, "b.epub") == [2]  # runs of spaces count as one


@pytest.mark.parametrize(("text", "said"), [
    ("6", "6 is not a chapter number"), ("3-1", "3-1 is not"), ("0", "0 is not"),
    ("Great and Tall", "no chapter is titled 'Great and Tall'"), (" , ", "no chapter in"),
])
def test_a_selection_the_book_does_not_have_is_refused_naming_it(text: str, said: str) -> None:
    with pytest.raises(InputError, match=said):
        select_chapters(text, TITLES, "b.epub")


def test_the_dry_run_shows_only_the_selected_chapters_with_their_numbers(tmp_path: Path) -> None:
    book = tmp_path / "three.md"
    book.write_text(THREE, encoding="utf-8")
    plan, _ = pipeline.plan(book, tmp_path / "out", NarrationOptions(**OPTIONS, chapters="3,One"))
    doc = plan.summary()
    assert [(c["number"], c["title"]) for c in doc["chapters"]] == [(1, "One"), (3, "Three")]
    assert doc["of_chapters"] == 3
    assert [line for line in plan.script_lines() if line.startswith("##")] == ["## 1. One", "## 3. Three"]
    whole, _ = pipeline.plan(book, tmp_path / "out", NarrationOptions(**OPTIONS))
    assert "of_chapters" not in whole.summary() and "number" not in whole.summary()["chapters"][0]


def test_the_cli_refuses_a_chapter_the_book_lacks_in_one_line_before_writing(tmp_path: Path) -> None:
    book = tmp_path / "three.md"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "flows.cli", str(book), "--out", str(out), "--backend", "piper",
                           "--chapters", "2-4"], check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "--chapters: 2-4 is not a chapter number or range" in done.stderr and str(book) in done.stderr
    assert not out.exists()
    dry = subprocess.run([sys.executable, "-m", "flows.cli", str(book), "--out", str(out), "--backend", "piper",
                          "--chapters", "2", "--dry-run"], check=False, capture_output=True, text=True, timeout=300)
    said = " ".join(dry.stdout.split())
    assert dry.returncode == 0 and "1 chapters of 3 (--chapters" in said
    assert "The second one too." in said and "And the third" not in said and "The first chapter" not in said


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_only_the_chosen_chapters_are_made_and_a_full_run_reuses_every_take(tmp_path: Path) -> None:
    book = tmp_path / "three.md"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)

    started: list[tuple[int, int, int]] = []

    class Listener:
        def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None:
            started.append((chapters, chunks, cached))

        def chunks_done(self, count: int, audio_seconds: float) -> None:
            pass

        def chapter_done(self, index: int, title: str) -> None:
            pass

    part = narrate(book, out, NarrationOptions(**OPTIONS, chapters="2"), on_progress=Listener())
    per_chapter = {c["index"]: c for c in status_for_book(out, book)["chapters"]}
    made = per_chapter[1]["done"]
    assert part.m4b is None and not layout.m4b.exists()
    assert [c.index for c in part.chapters] == [1] and len(list(layout.chapters.glob("*.flac"))) == 1
    assert part.synthesized == made > 0 and part.chunks > made  # the manifest knows the whole book
    assert started == [(1, made, 0)]  # the progress bar counts what this run makes
    assert [per_chapter[i]["state"] for i in (0, 1, 2)] == ["not started", "done", "not started"]

    whole = narrate(book, out, NarrationOptions(**OPTIONS))
    assert whole.synthesized == whole.chunks - made  # every take of chapter 2 reused
    assert whole.m4b and Path(whole.m4b).exists() and len(whole.chapters) == 3
    assert {c["state"] for c in status_for_book(out, book)["chapters"]} == {"done"}


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_api")
def test_the_prefect_flow_makes_only_the_chosen_chapters_too(tmp_path: Path) -> None:
    from flows.book import narrate_book

    book = tmp_path / "three.md"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    part = narrate_book(str(book), str(out), NarrationOptions(**OPTIONS, chapters="1,3"))
    assert part.m4b is None and [c.index for c in part.chapters] == [0, 2]
    states = [c["state"] for c in status_for_book(out, book)["chapters"]]
    assert states == ["done", "not started", "done"]
    whole = narrate_book(str(book), str(out), NarrationOptions(**OPTIONS))
    assert whole.synthesized == whole.chunks - part.synthesized and whole.m4b


def test_the_selection_is_no_part_of_what_the_inbox_or_the_chapters_are_fingerprinted_by() -> None:
    chosen, whole = NarrationOptions(**OPTIONS, chapters="2"), NarrationOptions(**OPTIONS)
    assert chosen.flat_json() == whole.flat_json()  # a partial run does not queue the book again
    assert chosen.assembly.digest() == whole.assembly.digest()


@pytest.mark.slow
def test_the_cli_says_the_m4b_waits_for_the_whole_book(tmp_path: Path) -> None:
    book = tmp_path / "three.md"
    book.write_text(THREE, encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "narration.cli", str(book), "--out", str(out), "--backend", "piper",
                           "--no-qa", "--no-emotion", "--chapters", "Three"], check=False, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "only chapters Three made: no M4B" in " ".join(done.stderr.split())
    layout = BookLayout.for_book(out, book)
    assert [p.name for p in layout.chapters.glob("*.mp3")] == ["03 - Three.mp3"] and not layout.m4b.exists()
