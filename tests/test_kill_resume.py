"""SIGKILL a real narrate process mid-run, then rerun: nothing finished is redone, no partial
file is used, and the result is what an uninterrupted run would assemble."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from narration.assembly import Pauses, read_wav
from narration.assembly.chapter import join_pieces
from narration.layout import BookLayout
from narration.manifest import Manifest
from narration.options import NarrationOptions
from narration.plan import plan_book

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

SENTENCES = [
    "The mill stood by the river for a hundred years.",
    "Every morning the miller opened the heavy doors.",
    "Children came to watch the great wheel turn.",
    "In winter the water froze and the wheel was still.",
]


def write_book(path: Path) -> Path:
    # Every paragraph distinct: the store is content-addressed, so repeated text is one chunk.
    names = ["first", "second", "third"]
    chapters = []
    for n in range(3):
        paragraphs = "\n\n".join(
            f"This is the {names[i]} part of the {names[n]} chapter. " + " ".join(SENTENCES[(n + i) % 4 :] + SENTENCES[: (n + i) % 4])
            for i in range(3)
        )
        chapters.append(f"## Chapter {n + 1}\n\n{paragraphs}\n")
    path.write_text("# The Mill\n\n" + "\n".join(chapters), encoding="utf-8")
    return path


def start(book: Path, out: Path) -> subprocess.Popen[str]:
    # Its own session, so the kill takes the ephemeral Prefect server down with it.
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", str(book), "--out", str(out), "--json", "--batch-size", "2",
         "--format", "flac", "--no-loudnorm"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def resume(book: Path, out: Path) -> dict:
    """The same command run to the end: its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", str(book), "--out", str(out), "--json", "--batch-size", "2",
         "--format", "flac", "--no-loudnorm"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (result,) = json.loads(done.stdout)
    return result


def kill_when(proc: subprocess.Popen[str], ready, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"finished before the kill: {proc.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, "the run never got far enough"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def stored(layout: BookLayout) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in layout.chunks.rglob("*.wav") if ".tmp-" not in p.name}


def test_kill_twice_then_resume(tmp_path: Path) -> None:
    book = write_book(tmp_path / "mill.md")
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)

    # 1. killed mid-synthesis
    kill_when(start(book, out), lambda: len(stored(layout)) >= 3)
    first = stored(layout)
    # 2. killed again, later: once a chapter is being assembled
    kill_when(start(book, out), lambda: layout.chapter_master(0).exists() or any(
        ".tmp-" in p.name for p in (layout.work / "chapters").glob("*")) if (layout.work / "chapters").exists() else False)
    second = stored(layout)
    for path, data in first.items():
        assert second[path] == data  # nothing finished was rewritten

    # 3. the resumed run
    result = resume(book, out)
    assert result["synthesized"] == result["chunks"] - len(second)  # no chunk synthesized twice
    final = stored(layout)
    for path, data in second.items():
        assert final[path] == data
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]

    # Every chunk decodes whole, and each chapter master is exactly its chunks and pauses:
    # what an uninterrupted run assembles from the same chunks.
    records = Manifest(layout.manifest).records()
    pause = {c.index: c.pause_after for c in plan_book(book, NarrationOptions()).chunks}
    assert len(records) == result["chunks"] and {r.status for r in records} == {"done"}
    for chapter in result["chapters"]:
        pieces = [(layout.chunk_audio(r.key), pause[r.index]) for r in records if r.chapter == chapter["index"]]
        expected = join_pieces(pieces, Pauses())
        master = read_wav(layout.chapter_master(chapter["index"]))
        assert master.sample_rate == expected.sample_rate
        np.testing.assert_allclose(master.samples, expected.samples, atol=1 / 32768)
    assert (layout.m4b).exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_within_seconds_and_the_rerun_resumes(tmp_path: Path, signum: int) -> None:
    book = write_book(tmp_path / "mill.md")
    out = tmp_path / "out"
    layout = BookLayout.for_book(out, book)
    proc = start(book, out)
    deadline = time.monotonic() + 240
    while len(stored(layout)) < 2:
        assert proc.poll() is None, f"finished before the signal: {proc.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, "the run never got far enough"
        time.sleep(0.05)
    os.kill(proc.pid, signum)  # the process alone, as Ctrl-C or `kill` would reach it
    sent = time.monotonic()
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the run went on after the signal") from None
    assert time.monotonic() - sent < 20
    assert proc.returncode == 128 + signum, err[-2000:]
    last = err.strip().splitlines()[-1]
    assert f"stopped by {signal.Signals(signum).name}" in last and "run the same command again" in last
    assert "Traceback" not in err
    assert Manifest(layout.manifest).last_run()["state"] == "stopped"
    kept = stored(layout)

    result = resume(book, out)
    assert result["synthesized"] == result["chunks"] - len(kept)  # nothing synthesized twice
    assert all(stored(layout)[path] == data for path, data in kept.items())
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
