"""The emotion arc PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narration.emotion.arc import mood_line, plot_arc
from narration.emotion.tagging import PassageTag
from narration.model import Book, Chapter, Paragraph

matplotlib_image = pytest.importorskip("matplotlib.image")


def make_tags() -> list[PassageTag]:
    tags = []
    chapters = [["neutral"] * 6 + ["sad"] * 3, ["neutral", "happy", "angry", "neutral", "fearful"]]
    for chapter, moods in enumerate(chapters):
        for paragraph, tag in enumerate(moods):
            tags.append(PassageTag(chapter, paragraph, tag, 0.8, paragraph % 2 == 0))
    return tags


def test_writes_a_png_atomically(tmp_path: Path) -> None:
    book = Book("Arc", chapters=[Chapter("One", [Paragraph("x")] * 9), Chapter("Two", [Paragraph("y")] * 5)])
    out = plot_arc(book, make_tags(), tmp_path / "arc" / "emotion.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib_image.imread(out)
    assert image.shape[0] >= 300 and image.shape[1] >= 800
    assert image[..., :3].std() > 0.05  # something was drawn
    assert [p.name for p in out.parent.iterdir()] == ["emotion.png"]


def test_an_untagged_book_still_draws(tmp_path: Path) -> None:
    out = plot_arc(Book("Empty"), [], tmp_path / "empty.png")
    assert out.stat().st_size > 0


def test_mood_falls_in_sad_stretches_and_rises_in_happy_ones() -> None:
    tags = [PassageTag(0, i, "sad" if i < 10 else "happy", 0.9, False) for i in range(20)]
    mood = mood_line(tags, window=5)
    assert mood[:8].max() < 0 < mood[12:].min()
    assert np.all(np.abs(mood) <= 1)
