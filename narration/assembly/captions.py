"""Captions: SRT and WebVTT, one cue per sentence, timed from where it is spoken.

A sentence too long for two lines of ``MAX_LINE`` characters is cut into several cues, at clause
punctuation first (the chunker's ``clause_cuts``), else between words; each piece is placed
between the sentence's start and end by its characters, or by the exact start of a chunk where
the sentence was read in more than one. The formats are written by ``srt`` and ``webvtt-py``.
"""

from __future__ import annotations

import datetime
import html
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import srt
import webvtt

from narration.assembly.settings import CAPTION_FORMATS, CaptionFormat
from narration.assembly.timing import ChapterTiming
from narration.language import UNSPACED, primary_language
from narration.text.chunking import clause_cuts, word_cuts

MAX_LINE = 42  # characters a caption line holds (the common broadcast and streaming limit)
MAX_LINE_UNSPACED = 20  # Japanese and Chinese lines are about half as long
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str  # its lines, joined by "\n"


def _width(language: str) -> int:
    return MAX_LINE_UNSPACED if primary_language(language) in UNSPACED else MAX_LINE


def lines_of(text: str, language: str = "en") -> list[str]:
    """``text`` as caption lines: one if it fits, else two of about equal length broken between
    words (after punctuation where that costs little), else wrapped (by characters in a
    language without spaces)."""
    width = _width(language)
    if primary_language(language) in UNSPACED:
        return [text[i : i + width] for i in range(0, len(text), width)] or [""]
    if len(text) <= width:
        return [text]
    breaks = [m.start() for m in re.finditer(r" ", text)]
    fitting = [b for b in breaks if b <= width and len(text) - b - 1 <= width]
    if fitting:
        best = min(fitting, key=lambda b: max(b, len(text) - b - 1) - (_PUNCTUATION_BONUS if text[b - 1] in ",;:.!?" else 0))
        return [text[:best], text[best + 1 :]]
    return textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False) or [""]


def _fits(text: str, language: str) -> bool:
    return len(lines_of(text, language)) <= MAX_LINES


def split_cues(text: str, language: str = "en") -> list[tuple[int, str]]:
    """``text`` (one sentence) as the pieces each caption shows: (where it starts in ``text``,
    its lines joined by "\n"). One piece when it fits ``MAX_LINES`` lines; else as few as fit,
    cut where a reader pauses (see ``_next_cut``)."""
    pieces: list[tuple[int, str]] = []
    start = 0
    unspaced = primary_language(language) in UNSPACED
    while start < len(text):
        while start < len(text) and text[start].isspace():
            start += 1
        rest = text[start:]
        if not rest:
            break
        end = len(text) if _fits(rest, language) else start + _next_cut(rest, language)
        piece = text[start:end].strip() if unspaced else " ".join(text[start:end].split())
        pieces.append((start, "\n".join(lines_of(piece, language))))
        start = end
    return pieces


# A cue ending inside a sentence should end where a reader pauses: after an inner sentence end
# ("... complexion! Oh, ..."), else after a clause, else between words. A longer cue is worth a
# weaker cut only up to this many characters.
_CUT_PENALTY = (0, 4, 50)
_PUNCTUATION_BONUS = 8
_INNER_END = re.compile(r"[.!?…][\"'”’)」』]*\s+")


def _inner_ends(text: str) -> list[int]:
    return [m.end() for m in _INNER_END.finditer(text) if 0 < m.end() < len(text)]


def _next_cut(rest: str, language: str) -> int:
    """Where the next cue ends in ``rest`` (which does not fit one cue): the best-placed cut that
    fits, longer cues and stronger pauses first; else as many characters as fit."""
    best, score = 0, -1.0
    clauses = clause_cuts(rest)
    if primary_language(language) not in UNSPACED:  # "epub:switch" is one word, not a clause end
        clauses = [c for c in clauses if rest[c - 1].isspace()]
    for penalty, cuts in zip(_CUT_PENALTY, (_inner_ends(rest), clauses, word_cuts(rest)), strict=True):
        for cut in cuts:
            if len(rest[:cut].strip()) - penalty > score and _fits(rest[:cut].strip(), language):
                best, score = cut, len(rest[:cut].strip()) - penalty
    return best or _width(language) * MAX_LINES


def chapter_cues(timing: ChapterTiming, language: str, offset: float = 0.0) -> list[Cue]:
    """The chapter's cues, ``offset`` seconds later (its place in the whole book)."""
    cues: list[Cue] = []
    for timed in timing.sentences:
        if timed is None:
            continue
        pieces = split_cues(timed.sentence.text, language)
        starts = [timed.time_at(at) for at, _ in pieces]
        ends = [*starts[1:], timed.end]
        for (_, text), a, b in zip(pieces, starts, ends, strict=True):
            cues.append(Cue(offset + a, offset + max(b, a + 0.001), text))
    return cues


def book_cues(timings: Sequence[ChapterTiming], language: str) -> list[Cue]:
    """Every chapter's cues, each chapter after the one before it (as in the M4B)."""
    cues, elapsed = [], 0.0
    for timing in timings:
        cues += chapter_cues(timing, language, elapsed)
        elapsed += timing.duration
    return cues


def _delta(seconds: float) -> datetime.timedelta:
    return datetime.timedelta(milliseconds=round(seconds * 1000))


def to_srt(cues: Sequence[Cue]) -> str:
    return srt.compose([srt.Subtitle(n, _delta(c.start), _delta(c.end), c.text) for n, c in enumerate(cues, 1)],
                       reindex=False)


def _vtt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def to_vtt(cues: Sequence[Cue]) -> str:
    # Cue text is markup in WebVTT: &, < and > are written as character references.
    captions = [webvtt.Caption(start=_vtt_time(c.start), end=_vtt_time(c.end), text=html.escape(c.text, quote=False))
                for c in cues]
    return webvtt.WebVTT(captions=captions).content


WRITERS: dict[CaptionFormat, Callable[[Sequence[Cue]], str]] = {"srt": to_srt, "vtt": to_vtt}
__all__ = ["CAPTION_FORMATS", "WRITERS", "Cue", "book_cues", "chapter_cues", "split_cues", "to_srt", "to_vtt"]
