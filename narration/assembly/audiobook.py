"""The book as one chaptered .m4b: chapter masters concatenated, AAC-encoded, marked and tagged.

pydub cannot write chapters, so ffmpeg runs directly: the concat demuxer joins the chapter WAVs
sample-exactly, and an FFMETADATA file carries the chapter marks, placed at the chapters' real
sample counts. Tags and cover go on afterwards with mutagen.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from narration.assembly.metadata import tag_file
from narration.audio import frame_count
from narration.display import clean_title
from narration.errors import InputError
from narration.ffmpeg import run_ffmpeg
from narration.model import Cover
from narration.store.atomic import TEMP_MARK, atomic_path


@dataclass(frozen=True)
class ChapterMark:
    title: str
    start_ms: int
    end_ms: int


def chapter_marks(chapters: Sequence[tuple[str, float]]) -> list[ChapterMark]:
    """Marks from (title, duration in seconds), back to back from 0.

    Each boundary is rounded from the exact cumulative time, so rounding never accumulates.
    """
    marks, elapsed = [], 0.0
    for title, duration in chapters:
        start = round(elapsed * 1000)
        elapsed += duration
        marks.append(ChapterMark(title, start, round(elapsed * 1000)))
    return marks


_FFMETA_SPECIAL = re.compile(r"([=;#\\\n])")


def ffmeta_escape(value: str) -> str:
    """Escape per ffmpeg's metadata format: '=', ';', '#', '\\' and newline get a backslash."""
    return _FFMETA_SPECIAL.sub(r"\\\1", value)


def ffmetadata(marks: Sequence[ChapterMark]) -> str:
    """An FFMETADATA1 document holding ``marks`` (millisecond timebase)."""
    lines = [";FFMETADATA1"]
    for mark in marks:
        lines += [
            "[CHAPTER]", "TIMEBASE=1/1000", f"START={mark.start_ms}", f"END={mark.end_ms}",
            f"title={ffmeta_escape(clean_title(mark.title))}",  # players list these as they do tags
        ]
    return "\n".join(lines) + "\n"


def _concat_line(path: Path) -> str:
    # The concat demuxer's quoting: single quotes, with a quote inside written as '\''.
    return "file '" + str(path.resolve()).replace("'", "'\\''") + "'"


def _same_rate(paths: Sequence[Path], scratch: Path) -> tuple[list[Path], list[float]]:
    """The chapter files at one sample rate (the highest), with their exact durations.

    The concat demuxer needs one stream format throughout, so a chapter at another rate is
    resampled to a scratch WAV first.
    """
    counts = [frame_count(p) for p in paths]
    rate = max(r for _, r in counts)
    out_paths, durations = [], []
    for i, (path, (frames, own_rate)) in enumerate(zip(paths, counts, strict=True)):
        if own_rate != rate or path.suffix.lower() != ".wav":
            converted = scratch / f"{i:04d}.wav"
            run_ffmpeg(["-i", path, "-map", "0:a", "-ac", 1, "-af", f"aresample={rate}:resampler=soxr",
                        "-c:a", "pcm_s16le", converted], what=f"resample {path.name} for the book")
            path, (frames, own_rate) = converted, frame_count(converted)
        out_paths.append(path)
        durations.append(frames / own_rate)
    return out_paths, durations


def assemble_book(
    chapters: Sequence[tuple[str, Path]],
    out_path: str | Path,
    *,
    title: str,
    authors: Sequence[str],
    language: str,
    cover: Cover | None = None,
    bitrate: str = "64k",
) -> Path:
    """Write the chaptered audiobook from (chapter title, chapter audio) pairs, atomically.

    Chapter audio should be the lossless masters from ``assemble_chapter``; any file ffmpeg reads
    works. Marks start where each chapter's audio starts in the concatenation.
    """
    out_path = Path(out_path)
    if not chapters:
        raise ValueError("a book needs at least one chapter")
    for _, path in chapters:
        if not Path(path).is_file():
            raise InputError(path, "chapter audio not found")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # Scratch beside the output (not /tmp): resampled chapters can be large.
    with tempfile.TemporaryDirectory(prefix=TEMP_MARK, dir=out_path.parent) as scratch_dir:
        scratch = Path(scratch_dir)
        paths, durations = _same_rate([Path(p) for _, p in chapters], scratch)
        marks = chapter_marks([(t, d) for (t, _), d in zip(chapters, durations, strict=True)])
        (scratch / "chapters.txt").write_text(ffmetadata(marks), encoding="utf-8")
        (scratch / "concat.txt").write_text("\n".join(map(_concat_line, paths)) + "\n", encoding="utf-8")
        with atomic_path(out_path) as tmp:
            run_ffmpeg(
                ["-f", "concat", "-safe", 0, "-i", scratch / "concat.txt", "-i", scratch / "chapters.txt",
                 "-map", "0:a", "-map_metadata", 1, "-map_chapters", 1,
                 "-c:a", "aac", "-b:a", bitrate, "-movflags", "+faststart", "-f", "ipod", tmp],
                what=f"encode the audiobook {out_path.name}",
            )
            tag_file(tmp, book_tags(title, authors, language), cover)
    return out_path


def book_tags(title: str, authors: Sequence[str], language: str) -> dict[str, str]:
    author = ", ".join(authors)
    tags = {"title": title, "album": title, "genre": "Audiobook", "language": language}
    if author:
        tags |= {"artist": author, "albumartist": author}
    return tags
