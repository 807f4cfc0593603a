"""The book's emotion arc as a PNG: where each tag falls, and the mood over the book."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from narration.emotion.tagging import PassageTag
from narration.emotion.tags import NEUTRAL, TAGS
from narration.model import Book
from narration.store import atomic

COLORS = {
    "happy": "#e6a700",
    "surprised": "#2a9d8f",
    "sad": "#3d5a98",
    "fearful": "#7b4fa0",
    "angry": "#c0392b",
    "disgusted": "#6b8e23",
}
# A rough pleasant/unpleasant axis for the mood line: only a picture, not a measurement.
VALENCE = {NEUTRAL: 0.0, "happy": 1.0, "surprised": 0.3, "sad": -1.0, "fearful": -0.8, "angry": -0.9, "disgusted": -0.7}


def mood_line(tags: Sequence[PassageTag], window: int = 9) -> np.ndarray:
    """Valence per passage, averaged over a centred window of ``window`` passages."""
    values = np.array([VALENCE[t.tag] * (t.score if t.tag != NEUTRAL else 1.0) for t in tags], dtype=float)
    if len(values) == 0:
        return values
    kernel = np.ones(min(window, len(values)))
    return np.convolve(values, kernel, mode="same") / np.convolve(np.ones_like(values), kernel, mode="same")


def plot_arc(book: Book, tags: Sequence[PassageTag], path: str | Path) -> Path:
    """Draw the arc of ``tags`` (one per span of each paragraph, reading order) to the PNG ``path``."""
    import matplotlib

    matplotlib.use("Agg")  # no display: batch runs and servers
    from matplotlib.figure import Figure

    lanes = [t for t in TAGS if t != NEUTRAL]
    fig = Figure(figsize=(11, 4.8), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    x = np.arange(len(tags))
    for lane, tag in enumerate(lanes):
        hits = [(i, t) for i, t in enumerate(tags) if t.tag == tag]
        for marker, speech in (("s", False), ("o", True)):
            points = [i for i, t in hits if t.is_dialogue == speech]
            if points:
                top.scatter(points, [lane] * len(points), c=COLORS[tag], marker=marker, s=28,
                            label=f"{tag} ({'speech' if speech else 'narration'})")
    top.set_yticks(range(len(lanes)), lanes)
    top.set_ylim(-0.7, len(lanes) - 0.3)
    top.set_title(f"{book.title}: emotion tags ({sum(t.tag != NEUTRAL for t in tags)} of {len(tags)} passages)")
    bottom.plot(x, mood_line(tags), color="#444")
    bottom.axhline(0, color="#bbb", linewidth=0.8)
    bottom.set_ylim(-1.05, 1.05)
    bottom.set_ylabel("mood")
    bottom.set_xlabel("passage (span: a paragraph's quoted speech or narration) in reading order; "
                      "squares narration, circles speech")
    starts = [i for i, t in enumerate(tags) if t.paragraph == 0 and t.span == 0]
    for axis in (top, bottom):
        for start in starts:
            axis.axvline(start - 0.5, color="#ddd", linewidth=0.8, zorder=0)
    for start in starts:
        top.annotate(f"ch {tags[start].chapter + 1}", (start, len(lanes) - 0.45), fontsize=8, color="#777")
    if len(tags):
        bottom.set_xlim(-0.5, len(tags) - 0.5)
    path = Path(path)
    with atomic.atomic_path(path) as tmp, warnings.catch_warnings():
        # A title in a script the installed fonts lack (CJK without fonts-noto-cjk) draws as
        # boxes; the arc itself is unaffected, so this is not worth a warning per glyph.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(tmp, format="png")
    return path
