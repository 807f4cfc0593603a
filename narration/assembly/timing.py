"""Where each sentence of a chapter is in its assembled audio, for captions and read-along books.

A chapter's audio is its chunks' takes laid end to end with pauses between them; the chapter's
record says where each take begins (``piece_starts``, written by assembly from the samples it
actually laid down, so a head of silence or room tone of any length is counted). Inside a take
that holds several sentences, the voices that read sentence by sentence (Kokoro, Piper) record
where each one lies (``info["sentence_spans"]``), kept beside the take in a small sidecar file
(``<key>.sentences.json``) named by the take's SHA-256, so it can never describe another take.
A take without one (stored before sidecars existed, or from a voice that reads a chunk in one
go) is placed by ASR word timestamps when faster-whisper is at hand, else in proportion to its
characters, with a warning. Each place is then tightened to where the voice is actually heard.

The sentences are the plan's: the chapter's spoken title and each paragraph's ``sentences``,
matched to the chunks made from them (a chunk holds whole sentences, or part of a long one).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from narration.assembly.settings import Pauses
from narration.assembly.word_times import place_texts
from narration.audio import Audio, frame_count, read_wav
from narration.model import Chapter, Chunk
from narration.qa.signal import frame_db
from narration.store import atomic
from narration.store.layout import BookLayout
from narration.text import normalize, split_sentences

log = logging.getLogger(__name__)

SPANS_KEY = "sentence_spans"  # what the voices put in ``Audio.info``: [[start, end), ...] in samples
_ONSET_FRAME_MS = 5.0
_ONSET_BELOW_PEAK_DB = 35.0  # a frame this far below the sentence's loud frames is not yet speech
_ONSET_FLOOR_DB = -60.0


# --- sidecars: where the sentences lie in a stored take ----------------------------------------


def spans_path(layout: BookLayout, key: str) -> Path:
    return layout.chunk_audio(key).with_suffix(".sentences.json")


def record_take_spans(layout: BookLayout, key: str, audio: Audio, sha256: str) -> None:
    """Keep the voice's sentence spans of the take just stored as ``key`` (whose bytes hash to
    ``sha256``); a take without them drops any sidecar an earlier take of the key left."""
    path = spans_path(layout, key)
    spans = audio.info.get(SPANS_KEY)
    if not spans:
        path.unlink(missing_ok=True)
        return
    data = {"sha256": sha256, "rate": audio.sample_rate, "spans": [[int(a), int(b)] for a, b in spans]}
    atomic.write_text(path, json.dumps(data))


def take_spans(layout: BookLayout, key: str, sha256: str | None) -> list[tuple[float, float]] | None:
    """The recorded sentence spans of the take of ``key`` in seconds, when its sidecar belongs
    to that very take (``sha256``); else None."""
    try:
        data = json.loads(spans_path(layout, key).read_text(encoding="utf-8"))
        if sha256 is None or data["sha256"] != sha256:
            return None
        rate = float(data["rate"])
        return [(a / rate, b / rate) for a, b in data["spans"]]
    except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):  # missing or damaged: located again
        return None


# --- the chapter's sentences and the chunks that speak them --------------------------------------


@dataclass(frozen=True)
class Sentence:
    """A sentence of the chapter as the book has it: ``paragraph`` None is the spoken title."""

    paragraph: int | None
    number: int  # within its paragraph
    text: str
    spoken: bool = True  # False: nothing in it is spoken (no chunk holds it)


@dataclass(frozen=True)
class Part:
    """The piece of a sentence one chunk speaks: characters [start, end) of its text."""

    sentence: int  # index into the chapter's sentences
    start: int
    end: int


@dataclass
class ChapterText:
    """The chapter's sentences in reading order, and the parts each chunk speaks, in order."""

    sentences: list[Sentence]
    parts: list[list[Part]]  # one list per chunk

    def paragraphs(self) -> list[tuple[int | None, list[int]]]:
        """(paragraph, its sentences' indices) in order; the title is paragraph None."""
        out: list[tuple[int | None, list[int]]] = []
        for i, s in enumerate(self.sentences):
            if not out or out[-1][0] != s.paragraph:
                out.append((s.paragraph, []))
            out[-1][1].append(i)
        return out


class _Misaligned(ValueError):
    pass


def _compact(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, and where each of its characters is in ``text``."""
    where = [i for i, c in enumerate(text) if not c.isspace()]
    return "".join(text[i] for i in where), where


def _align(texts: list[str], sources: list[str]) -> list[list[tuple[int, int, int]]]:
    """For each chunk source, the (sentence, start, end) character ranges of ``texts`` it reads.

    Chunks join whole sentences with a space or cut one at a clause or word: compared without
    whitespace, each source is the next sentences, or a piece of the next one. A sentence the
    chunker left out (nothing in it to say) is stepped over."""
    compact = [_compact(t) for t in texts]
    i, k = 0, 0  # the sentence, and how much of it (compact characters) earlier chunks read
    out: list[list[tuple[int, int, int]]] = []
    for source in sources:
        rest, parts = _compact(source)[0], []
        if not rest:  # a spoken-form piece of an over-long word: its source went with the first
            if not out or not out[-1]:
                raise _Misaligned(source)
            s, _, end = out[-1][-1]
            out.append([(s, end, end)])
            continue
        while rest:
            if i >= len(texts):
                raise _Misaligned(source)
            text, where = compact[i]
            current = text[k:]
            if not current:
                i, k = i + 1, 0
            elif rest.startswith(current):
                parts.append((i, _original(where, k, texts[i]), len(texts[i])))
                rest, i, k = rest[len(current):], i + 1, 0
            elif current.startswith(rest):
                parts.append((i, _original(where, k, texts[i]), _original(where, k + len(rest), texts[i])))
                k, rest = k + len(rest), ""
            elif k == 0:
                i += 1  # a sentence with nothing to say
            else:
                raise _Misaligned(source)
        out.append(parts)
    return out


def _original(where: list[int], k: int, text: str) -> int:
    return where[k] if k < len(where) else len(text)


def chapter_text(chapter: Chapter, chunks: Sequence[Chunk], language: str) -> ChapterText:
    """The chapter's sentences (title first) and which parts of them each of its chunks speaks."""
    sentences: list[Sentence] = []
    parts: list[list[Part]] = [[] for _ in chunks]
    groups: list[tuple[int | None, list[str]]] = []
    if chapter.title.strip():
        groups.append((None, [chapter.title.strip()]))
    for number, paragraph in enumerate(chapter.paragraphs):
        groups.append((number, list(paragraph.sentences or split_sentences(paragraph.text, language))))
    for paragraph, texts in groups:
        members = [n for n, c in enumerate(chunks) if c.paragraph == paragraph]
        first = len(sentences)
        try:
            ranges = _align(texts, [chunks[n].source for n in members])
        except _Misaligned:
            # Cannot happen with chunks made from these sentences; with others (an edited
            # book.json?) each chunk stands as one sentence rather than fail the book.
            log.warning("chapter %r, paragraph %s: chunks do not match its sentences; each chunk is one caption",
                        chapter.title, paragraph)
            texts = [chunks[n].source for n in members]
            ranges = [[(j, 0, len(t))] for j, t in enumerate(texts)]
        said = {s for r in ranges for s, _, _ in r}
        sentences += [Sentence(paragraph, j, t, j in said) for j, t in enumerate(texts)]
        for n, r in zip(members, ranges, strict=True):
            parts[n] = [Part(first + s, a, b) for s, a, b in r]
    return ChapterText(sentences, parts)


# --- times ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimedSentence:
    sentence: Sentence
    start: float  # seconds into the chapter audio: where its first word begins
    end: float  # where its last word ends
    # (character of its text, time) where each chunk's part of it begins: a caption cut inside
    # a long sentence is placed between these
    anchors: tuple[tuple[int, float], ...] = ()

    def time_at(self, char: int) -> float:
        points = [*self.anchors, (len(self.sentence.text), self.end)]
        xs = [float(c) for c, _ in points]
        return float(np.interp(char, xs, [t for _, t in points]))


@dataclass
class ChapterTiming:
    index: int
    title: str
    duration: float  # seconds of the chapter audio
    text: ChapterText
    sentences: list[TimedSentence | None]  # per ``text.sentences``; None: not spoken
    sources: dict[str, int] = field(default_factory=dict)  # how takes were placed: "voice", "asr", "characters"


def piece_starts_from_takes(takes: Sequence[Path], markers: Sequence[str], pauses: Pauses) -> list[float]:
    """Where each take begins in a chapter assembled by ``join_pieces`` with ``pauses``: for a
    chapter record made before records held ``piece_starts``."""
    lengths = [frame_count(p) for p in takes]
    rate = max(r for _, r in lengths)
    at = round(pauses.chapter_lead * rate)
    starts = []
    for (frames, r), marker in zip(lengths, markers, strict=True):
        starts.append(at / rate)
        at += round(frames * rate / r) + round(pauses.after(marker) * rate)
    return starts


def _heard(samples: np.ndarray, rate: int, a: float, b: float) -> tuple[float, float]:
    """[a, b) (seconds) narrowed to where speech is heard in it: the voice's own lead-in and
    trailing breath are not the sentence (Piper leaves ~70 ms before a sentence)."""
    lo, hi = max(0, int(a * rate)), min(len(samples), int(np.ceil(b * rate)))
    levels = frame_db(samples[lo:hi], rate, _ONSET_FRAME_MS)
    if len(levels) == 0:
        return a, b
    floor = max(_ONSET_FLOOR_DB, float(np.max(levels)) - _ONSET_BELOW_PEAK_DB)
    loud = np.flatnonzero(levels > floor)
    if len(loud) == 0:
        return a, b
    step = max(1, int(rate * _ONSET_FRAME_MS / 1000))
    return (lo + int(loud[0]) * step) / rate, min(b, (lo + (int(loud[-1]) + 1) * step) / rate)


def _part_spans(parts: list[Part], text: ChapterText, audio: Audio, recorded: list[tuple[float, float]] | None,
                language: str, asr: Any) -> tuple[list[tuple[float, float]], str]:
    """Each part's [start, end) in the take (seconds), and how they were found."""
    if len(parts) == 1:
        return [(0.0, audio.duration)], "voice"
    said = [normalize(text.sentences[p.sentence].text[p.start:p.end], language) for p in parts]
    if recorded is not None and len(recorded) == len(parts):
        return recorded, "voice"
    if recorded is not None and len(recorded) > len(parts):
        return group_spans(recorded, [len(s) for s in said]), "voice"
    if asr is not None:
        found = place_texts(audio, said, language, asr)
        if found is not None:
            return found, "asr"
    weights = np.array([max(1, len(s)) for s in said], dtype=float)
    edges = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()]) * audio.duration
    return [(float(edges[n]), float(edges[n + 1])) for n in range(len(parts))], "characters"


def group_spans(spans: Sequence[tuple[float, float]], lengths: Sequence[int]) -> list[tuple[float, float]]:
    """``spans`` (the voice's sentences, more of them than ``lengths``) grouped into one span per
    text of ``lengths`` characters. A voice may cut where we do not ('"Wolf! Wolf!" and when...'
    is three sentences to Piper) but cuts wherever we do, so each of our boundaries is one of
    its gaps: the gap whose share of the speech before it is nearest the text's share of the
    characters before it, in order (dynamic programming over the gaps)."""
    speech = [b - a for a, b in spans]
    total, chars = sum(speech) or 1.0, sum(lengths) or 1
    before = np.cumsum(speech)[:-1] / total  # share of speech before each gap
    wanted = np.cumsum(lengths)[:-1] / chars  # share of characters before each of our boundaries
    k, m = len(wanted), len(before)
    cost = np.full((k + 1, m + 1), np.inf)
    cost[0, :] = 0.0
    for i in range(1, k + 1):
        for j in range(i, m + 1):  # boundary i at gap j-1 (the gap after span j-1)
            cost[i, j] = min(cost[i, j - 1], cost[i - 1, j - 1] + (before[j - 1] - wanted[i - 1]) ** 2)
    gaps, j = [], m
    for i in range(k, 0, -1):  # walk back: where each boundary took its gap
        while cost[i, j] == cost[i, j - 1]:
            j -= 1
        gaps.append(j - 1)
        j -= 1
    bounds = [0, *[g + 1 for g in reversed(gaps)], len(spans)]
    return [(spans[a][0], spans[b - 1][1]) for a, b in itertools.pairwise(bounds)]


def chapter_timing(
    index: int, title: str, chapter: Chapter, chunks: Sequence[Chunk], keys: Sequence[str], layout: BookLayout,
    piece_starts: Sequence[float], duration: float, takes_sha256: Sequence[str | None], language: str,
    asr: Any = None,
) -> ChapterTiming:
    """Every spoken sentence of the chapter placed in its audio. ``asr``: a ``word_times.WordTimer``
    for takes without recorded sentence spans (None: by characters)."""
    text = chapter_text(chapter, chunks, language)
    times: dict[int, list[tuple[Part, float, float]]] = {}
    sources: dict[str, int] = {}
    for n, key in enumerate(keys):
        parts = text.parts[n]
        if not parts:
            continue
        audio = read_wav(layout.chunk_audio(key))
        recorded = take_spans(layout, key, takes_sha256[n])
        spans, how = _part_spans(parts, text, audio, recorded, language, asr)
        sources[how] = sources.get(how, 0) + 1
        for part, (a, b) in zip(parts, spans, strict=True):
            a, b = _heard(audio.samples, audio.sample_rate, a, b)
            times.setdefault(part.sentence, []).append((part, piece_starts[n] + a, piece_starts[n] + b))
    if sources.get("characters"):
        log.warning("chapter %d (%r): %d take(s) with several sentences and no record of where each lies were "
                    "placed by their characters (captions there may be off by a second or more)",
                    index + 1, title, sources["characters"])
    timed: list[TimedSentence | None] = []
    for i, sentence in enumerate(text.sentences):
        placed = times.get(i)
        if not placed:
            timed.append(None)
            continue
        anchors = tuple((p.start, a) for p, a, _ in placed)
        timed.append(TimedSentence(sentence, placed[0][1], placed[-1][2], anchors))
    return ChapterTiming(index, title, duration, text, timed, sources)


_SEARCH_S = 2.0  # how far from where it is expected a take is looked for in the master
_PROBE_S = 1.5  # of each take's start, compared with the master
_MIN_CORRELATION = 0.5  # below it the match is not trusted and the expected place is kept


def _pearson(signal: np.ndarray, probe: np.ndarray) -> np.ndarray:
    """The correlation coefficient of ``probe`` with each window of ``signal`` it fits in (by
    FFT: a few seconds of lags at audio rates)."""
    n, size = len(probe), len(signal) + len(probe)
    centred = probe - probe.mean()
    dots = np.fft.irfft(np.fft.rfft(signal, size) * np.conj(np.fft.rfft(centred, size)), size)[: len(signal) - n + 1]
    sums = np.cumsum(np.concatenate([[0.0], signal]))
    squares = np.cumsum(np.concatenate([[0.0], signal * signal]))
    window_sum, window_squares = sums[n:] - sums[:-n], squares[n:] - squares[:-n]
    spread = np.sqrt(np.maximum(window_squares - window_sum * window_sum / n, 1e-12))
    return dots / (spread * (np.linalg.norm(centred) or 1.0))


def locate_pieces(master: Audio, takes: Sequence[Audio], expected: Sequence[float]) -> list[float]:
    """Where each take begins in ``master`` (seconds, to the sample), found near where it is
    ``expected`` by correlating its opening with the master's waveform (the master is the
    takes with gain, a limiter and maybe room tone under them): for a chapter whose record does
    not say (made before records did, or mastered with trimmed edges and a new head). Each
    take's correction carries to the next, so a shifted head moves them all."""
    rate = master.sample_rate
    samples = np.asarray(master.samples, dtype=np.float64).reshape(-1)
    reach = round(_SEARCH_S * rate)
    found, shift = [], 0.0
    for take, at in zip(takes, expected, strict=True):
        probe = np.asarray(take.samples, dtype=np.float64).reshape(-1)[: round(_PROBE_S * take.sample_rate)]
        if take.sample_rate != rate:  # linear interpolation is enough to find a lag
            times = np.arange(round(len(probe) * rate / take.sample_rate)) / rate
            probe = np.interp(times, np.arange(len(probe)) / take.sample_rate, probe)
        centre = round((at + shift) * rate)
        lo = max(0, centre - reach)
        segment = samples[lo : centre + reach + len(probe)]
        if len(probe) < 2 or len(segment) < len(probe) or not probe.any():
            found.append(centre / rate)
            continue
        scores = _pearson(segment, probe)
        best = int(np.argmax(scores))
        if scores[best] < _MIN_CORRELATION:
            found.append(centre / rate)
            continue
        found.append((lo + best) / rate)
        shift = found[-1] - at
    return found
