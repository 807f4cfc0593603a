"""``narrate --backend qwen3 --model DIR`` narrates a sample book end to end with the tiny random
model on CPU: noise, but the right structure."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from narration.assembly import probe_chapters
from narration.ingest import load_book

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "inputs" / "romantic-poems.md"
pytestmark = pytest.mark.slow


def test_sample_book_with_tiny_qwen3(tiny_model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "narration.cli", str(SAMPLE), "--out", str(out), "--json", "--backend", "qwen3",
         "--model", str(tiny_model_dir), "--no-loudnorm", "--format", "flac",
         "--no-qa"],  # a random model speaks noise: no ASR round trip could pass it
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (book,) = json.loads(result.stdout)
    titles = [c.title for c in load_book(SAMPLE).chapters]
    assert [c["title"] for c in book["chapters"]] == titles
    assert book["synthesized"] == book["chunks"]
    marks = probe_chapters(out / SAMPLE.stem / f"{SAMPLE.stem}.m4b")
    assert [m["title"] for m in marks] == titles
    for mark, chapter in zip(marks, book["chapters"]):
        assert mark["end"] - mark["start"] == pytest.approx(chapter["duration"], abs=0.15)
        assert chapter["duration"] > 1.0
