"""The Prefect book flow against a real (test-harness) Prefect API, with the real Piper voice."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import shutil
from pathlib import Path

import pytest
from prefect import task
from prefect_stack import task_states

from flows.book import TASKS, BookIncomplete, PlannedBook, narrate_book
from flows.deployments import rerun_failed_chunks
from narration.options import NarrationOptions
from narration.run import pipeline
from narration.run.faults import ENV as FAULTS_ENV
from narration.run.narrator import Narrator
from narration.store.layout import BookLayout
from narration.store.manifest import Manifest
from narration.store.status import status_for_book

BOOK = """---
title: Three Short Chapters
author: Test Writer
---

# Three Short Chapters

## One

The first chapter has a single short paragraph. It ends here.

## Two

The second chapter speaks briefly. Then it stops.

Another paragraph follows in chapter two.

## Three

The last chapter is the shortest.
"""

pytestmark = pytest.mark.usefixtures("prefect_api")

# QA is tested with the sample book in test_end_to_end; here it would only add ASR time.
OPTIONS = NarrationOptions(backend="piper", batch_size=2, format="flac", m4b=True, loudness=None, qa=False)


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "short.md"
    path.write_text(BOOK, encoding="utf-8")
    return path


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_rerun_hits_the_cache_and_synthesizes_nothing(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = narrate_book(str(book), str(out), OPTIONS)
    assert first.synthesized == first.chunks > 0
    assert [c.title for c in first.chapters] == ["One", "Two", "Three"]
    second_state = narrate_book(str(book), str(out), OPTIONS, return_state=True)
    second = second_state.result()
    assert second.synthesized == 0
    assert [c.duration for c in second.chapters] == [c.duration for c in first.chapters]
    # The second run found the chunk files, so its batch keys existed; a third run is served
    # from Prefect's result cache without running the batch tasks at all.
    third_state = narrate_book(str(book), str(out), OPTIONS, return_state=True)
    batches = sum(math.ceil(c["done"] / OPTIONS.synthesis.batch_size) for c in status_for_book(out, book)["chapters"])
    expect = {"synthesize": batches, "assemble": len(first.chapters)}
    states = task_states(third_state.state_details.flow_run_id, expect)
    assert {name: states.get(name, []) for name in expect} == {
        name: ["Cached"] * count for name, count in expect.items()
    }


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_a_damaged_take_is_never_served_from_the_cache(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    narrate_book(str(book), str(out), OPTIONS)
    narrate_book(str(book), str(out), OPTIONS)  # now every batch has a cached result
    take = sorted((out / "short" / ".work" / "chunks").rglob("*.wav"))[0]
    take.write_bytes(take.read_bytes()[:100])  # truncated after its batch was cached
    again = narrate_book(str(book), str(out), OPTIONS)
    assert again.synthesized == 1
    assert take.stat().st_size > 1000


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_edit_one_sentence_resynthesizes_only_its_chunk(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    narrate_book(str(book), str(out), OPTIONS)
    book.write_text(BOOK.replace("Then it stops.", "Then it stops for good."), encoding="utf-8")
    again = narrate_book(str(book), str(out), OPTIONS)
    assert again.synthesized == 1


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_failed_chunk_is_isolated_and_rerun_redoes_only_it(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv(FAULTS_ENV, "fail@3")  # chunk 3 is chapter Two's first sentence
    state = narrate_book(str(book), str(out), OPTIONS, return_state=True)
    assert state.is_failed()
    with pytest.raises(BookIncomplete, match=r"#3 \(chapter 2\)"):
        state.result()
    status = status_for_book(out, book)
    assert (status["failed"], status["pending"]) == (1, 0)
    assert status["failed_chunks"][0]["index"] == 3
    assert [(c["title"], c["failed"]) for c in status["chapters"]] == [("One", 0), ("Two", 1), ("Three", 0)]
    chapters = sorted(p.name for p in (out / "short" / "chapters").iterdir())
    assert chapters == ["01 - One.flac", "03 - Three.flac"]  # chapter Two is not assembled
    assert not (out / "short" / "short.m4b").exists()

    # The same fault stays in the environment: it fires on a chunk's first attempt only.
    result = rerun_failed_chunks(str(book), str(out), None, OPTIONS)
    assert result.synthesized == 1 and result.failed == []
    assert (out / "short" / "short.m4b").exists()
    status = status_for_book(out, book)
    assert (status["done"], status["failed"], status["synthesized_last_run"]) == (status["total"], 0, 1)


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_rerun_named_chunks_gives_them_a_new_take(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    narrate_book(str(book), str(out), OPTIONS)
    result = rerun_failed_chunks(str(book), str(out), [1, 4], OPTIONS)
    assert result.synthesized == 2
    assert len(list((out / "short" / ".work" / "replaced").rglob("*.wav"))) == 2


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
def test_editing_the_script_resynthesizes_only_touched_chunks(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = narrate_book(str(book), str(out), OPTIONS)
    script = out / "short" / "script.tsv"
    lines = script.read_text(encoding="utf-8").splitlines()
    edited = []
    for line in lines:
        cells = line.split("\t")
        if cells[:3] == ["2", "1", "1"]:  # chapter Two, first paragraph (its first span): a new tag
            cells[3] = "sad"
        if cells[:3] == ["3", "1", "1"]:  # chapter Three: a word
            cells[-1] = cells[-1].replace("shortest", "briefest")
        edited.append("\t".join(cells))
    script.write_text("\n".join(edited) + "\n", encoding="utf-8")

    again = narrate_book(str(book), str(out), OPTIONS)
    assert again.synthesized == 2 < first.synthesized
    book_json = (out / "short" / "book.json").read_text(encoding="utf-8")
    assert "briefest" in book_json and "shortest" not in book_json
    assert (out / "short" / "emotion-arc.png").stat().st_size > 1000


def test_the_flow_executes_the_plan_it_is_given_and_records_only_its_summary(book: Path, tmp_path: Path) -> None:
    from fastapi.encoders import jsonable_encoder

    from flows.book import PlannedBook
    from narration.run import pipeline

    out = tmp_path / "out"
    plan, layout = pipeline.plan(book, out, OPTIONS)
    planned = PlannedBook(plan, layout)
    record = jsonable_encoder(planned)  # what Prefect stores as the flow run's parameter
    assert record == {"source": str(book), "title": "Three Short Chapters", "chapters": 3, "chunks": len(plan.chunks),
                      "backend": "piper", "edited": False}
    # The file changes after planning: the run narrates the plan it was given, not a new reading.
    book.write_text(BOOK.replace("The last chapter is the shortest.", "A sentence the plan never saw."),
                    encoding="utf-8")
    result = narrate_book(str(book), str(out), OPTIONS, planned)
    assert result.synthesized == len(plan.chunks)
    book_json = (out / "short" / "book.json").read_text(encoding="utf-8")
    assert "the shortest" in book_json and "never saw" not in book_json


def _files(root: Path) -> dict[str, str]:
    """Every file of a book's folder by its SHA-256, but the lock (a run's pid) and the manifest's
    database (its runs' ids and times: compared by its records)."""
    skip = {".work/lock", ".work/manifest.sqlite"}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file() and str(p.relative_to(root)) not in skip}


def _records(root: Path) -> list[tuple[object, ...]]:
    return [(r.index, r.chapter, r.chapter_title, r.key, r.text, r.status, r.duration,
             r.fingerprint.sha256 if r.fingerprint else None) for r in Manifest(root / ".work" / "manifest.sqlite").records()]


def test_one_book_run_in_process_and_as_a_flow_makes_the_same_book(book: Path, tmp_path: Path) -> None:
    # One orchestration, two executors: the same steps in the same order, so from the same takes
    # (Piper's noise differs from one synthesis to the next) the same manifest and the same bytes
    # in every file: chapters, masters, their records, the M4B, captions, script, report.
    options = NarrationOptions(backend="piper", batch_size=2, format="flac", m4b=True, loudness=None, qa=False,
                               captions=["srt"])
    local = pipeline.narrate(book, tmp_path / "local", options)
    takes = tmp_path / "local" / "short" / ".work" / "chunks"
    shutil.copytree(takes, tmp_path / "flow" / "short" / ".work" / "chunks")
    state = narrate_book(str(book), str(tmp_path / "flow"), options, return_state=True)
    flowed = state.result()
    assert local.synthesized == local.chunks > 0 and flowed.synthesized == 0
    # every step of the pipeline was a task run of the flow (the per-batch and per-chapter ones by
    # their own names), once each
    batches = sum(math.ceil(c["done"] / options.synthesis.batch_size) for c in status_for_book(
        tmp_path / "flow", book)["chapters"])
    expect = {s.name: 1 for s in pipeline.STEPS if s.each == "book"} | {"synthesize": batches, "assemble": 3}
    states = task_states(state.state_details.flow_run_id, expect)
    assert {name: len(states.get(name, [])) for name in expect} == expect
    assert [(c.index, c.title, c.duration) for c in flowed.chapters] == [
        (c.index, c.title, c.duration) for c in local.chapters]
    made, flowed_files = _files(tmp_path / "local" / "short"), _files(tmp_path / "flow" / "short")
    assert {"short.m4b", "short.srt", "chapters/02 - Two.flac", ".work/chapters/02.wav"} <= set(made)
    assert flowed_files == made
    assert _records(tmp_path / "flow" / "short") == _records(tmp_path / "local" / "short")
    for root in (tmp_path / "local" / "short", tmp_path / "flow" / "short"):
        assert (Manifest(root / ".work" / "manifest.sqlite").last_run() or {})["state"] == "completed"


def _disk_full(layout: BookLayout, chapters: list[object], options: NarrationOptions) -> bool:
    raise OSError("No space left on device")


@pytest.mark.parametrize("executor", ["threads", "prefect"])
def test_a_run_failing_after_its_chapters_is_marked_stopped_and_its_models_unloaded(
    executor: str, book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The two orchestrations had drifted: in-process, a step failing after the chapters were
    # assembled left the run 'running' in the manifest; the flow then left its models loaded;
    # only the flow logged why ``auto`` chose the backend. Now execute() does all three for both.
    closed: list[int] = []
    close = Narrator.close
    monkeypatch.setattr(Narrator, "close", lambda self: (closed.append(id(self)), close(self))[1])
    if executor == "threads":
        monkeypatch.setattr(pipeline, "STEPS", tuple(
            dataclasses.replace(s, func=_disk_full) if s.name == "check-mastering" else s for s in pipeline.STEPS))
    else:
        monkeypatch.setitem(TASKS, "check-mastering", task(_disk_full, name="check-mastering"))
    out = tmp_path / "out"
    plan, layout = pipeline.plan(book, out, OPTIONS)
    plan = dataclasses.replace(plan, backend_note="the test says so")
    with caplog.at_level(logging.INFO, logger="narration"), pytest.raises(OSError, match="No space left"):
        if executor == "threads":
            pipeline.narrate(book, out, planned=(plan, layout))
        else:
            narrate_book(str(book), str(out), OPTIONS, PlannedBook(plan, layout))
    assert len(list(layout.chapters.iterdir())) == 3  # the chapters were made before the failure
    assert (Manifest(layout.manifest).last_run() or {})["state"] == "stopped"
    assert closed  # the models the run loaded are unloaded
    if executor == "threads":  # (the flow's goes to its run's log, which this test does not read)
        assert "backend piper: the test says so" in caplog.text
