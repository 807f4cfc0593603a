"""The book's QA report, built from what the manifest and the chunk store hold."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from narration.qa.report import CastLine, ReportChunk, write_report
from narration.store.check_record import read_check
from narration.store.layout import BookLayout
from narration.store.manifest import DONE, FAILED, Manifest


def write_book_report(layout: BookLayout, title: str, cast: Sequence[tuple[str, str, int, int]] = ()) -> Path:
    """Write ``report.html`` for the book's current plan; returns its path. ``cast``: (name,
    voice, lines, index of the chunk of its first line) per character, played in the report."""
    chunks = []
    for record in Manifest(layout.manifest).records():
        audio = layout.chunk_audio(record.key)
        stored = audio.exists()
        rejected = layout.rejected_take(record.key)
        chunks.append(
            ReportChunk(
                index=record.index,
                chapter=record.chapter,
                chapter_title=record.chapter_title,
                text=record.text,
                status=DONE if stored else FAILED,
                qa=record.qa,
                retakes=record.retakes,
                audio=audio if stored else None,
                rejected_audio=rejected if rejected.exists() else None,
                error=None if stored else record.last_error,
            )
        )
    # Hints left to the report, which skips takes too garbled to say anything about a word.
    arc = layout.arc
    by_index = {c.index: c for c in chunks}
    lines = [CastLine(name, voice, count, by_index[i].text, by_index[i].audio)
             for name, voice, count, i in cast if i in by_index]  # fmt: skip
    return write_report(layout.report, title, chunks, emotion_arc=arc if arc.exists() else None,
                        mastering=read_check(layout), cast=lines)
