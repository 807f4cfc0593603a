"""When each word is heard: faster-whisper with ``word_timestamps=True``, on the models QA uses
(``tiny.en`` for English, ``base`` otherwise; both ship offline, see ``narration.qa.asr``).

Captions use it for a take whose sentences the voice did not place (``timing``); the caption
accuracy test and bench use it to check every caption against the words actually spoken.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from narration.audio import Audio
from narration.language import primary_language
from narration.qa.asr import (
    ASR_RATE,
    AsrOptions,
    load_whisper,
    model_for,
    to_asr_rate,
)
from narration.qa.signal import frame_db

VAD_PAD_MS = 50
MIN_PAUSE = 0.08  # seconds of quiet that part two sentences


@dataclass(frozen=True)
class Word:
    start: float  # seconds
    end: float
    text: str


class WordTimer:
    """Transcribes audio into timed words with one faster-whisper model per language's choice."""

    def __init__(self, model: str = "auto", device: str = "auto") -> None:
        # QA's ASR settings: the same device and precision choice, the same loaded models
        self.options = AsrOptions(model=model, device=device)
        self._lock = threading.Lock()  # one decode at a time: it uses every core already

    def words(self, audio: Audio, language: str) -> list[Word]:
        """Every word heard in ``audio``, with its start and end in seconds."""
        samples = to_asr_rate(audio)
        if len(samples) < ASR_RATE // 10:
            return []
        o = self.options
        whisper = load_whisper(model_for(o.model, language), o)
        with self._lock:
            segments, _ = whisper.transcribe(
                np.ascontiguousarray(samples, dtype=np.float32), language=primary_language(language),
                word_timestamps=True, beam_size=1, temperature=0.0, condition_on_previous_text=False,
                # Whisper stretches the first word after a pause back over the silence (its start
                # lands where the last word ended); listening to the speech Silero VAD finds (it
                # ships in faster-whisper) puts it where the voice resumes. A short pad: the
                # default 400 ms would move every such start that much earlier.
                vad_filter=True, vad_parameters={"speech_pad_ms": VAD_PAD_MS, "min_silence_duration_ms": 150},
            )
            return [Word(float(w.start), float(w.end), w.word.strip()) for s in segments for w in (s.words or [])]


_WORD = re.compile(r"\w+(?:['’]\w+)*")


def words_of(text: str) -> list[str]:
    """Lower-case words, for matching a transcript to text."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def longest_pause(samples: np.ndarray, rate: int, a: float, b: float, below_peak_db: float = 40.0) -> tuple[float, float] | None:
    """The longest run of quiet 10 ms frames in [a, b) seconds (quiet: ``below_peak_db`` under
    the loudest frame there), as (start, end) seconds; None when there is no quiet frame."""
    lo = max(0, int(a * rate))
    levels = frame_db(samples[lo : max(lo, int(b * rate))], rate, 10.0)
    if len(levels) == 0:
        return None
    quiet = levels <= float(np.max(levels)) - below_peak_db
    best, run_start, found = 0, 0, None
    for n, q in enumerate([*quiet, False]):
        if q:
            continue
        if n - run_start > best:
            best, found = n - run_start, (run_start, n)
        run_start = n + 1
    if found is None:
        return None
    step = 0.01
    return lo / rate + found[0] * step, lo / rate + found[1] * step


def match_words(reference: Sequence[str], heard: Sequence[Word]) -> dict[int, int]:
    """Which heard word (index) each reference word (index) was heard as, where it was."""
    hyp = [" ".join(words_of(w.text)) for w in heard]
    matcher = difflib.SequenceMatcher(None, list(reference), hyp, autojunk=False)
    return {block.a + n: block.b + n for block in matcher.get_matching_blocks() for n in range(block.size)}


def place_texts(audio: Audio, texts: Sequence[str], language: str, timer: WordTimer) -> list[tuple[float, float]] | None:
    """[start, end) of each of ``texts`` (read one after the other in ``audio``), from the words
    heard; None when too little was heard to tell. A text begins at the first word heard after
    the last word matched to the texts before it."""
    heard = timer.words(audio, language)
    firsts, reference = [], []
    for text in texts:
        firsts.append(len(reference))
        reference += words_of(text)
    matched = match_words(reference, heard)
    if not heard or len(matched) < len(reference) / 2:
        return None
    # Whisper's word times are loose at a pause (a word after one often starts where the word
    # before ended) and a word it misheard is not matched: each text begins where the longest
    # pause between the last word matched before it and its own first matched word ends.
    starts, ends = [0.0], []
    for n, first in enumerate(firsts[1:], 1):
        last = firsts[n + 1] if n + 1 < len(firsts) else len(reference)
        before = max((h for r, h in matched.items() if r < first), default=None)
        own = min((h for r, h in matched.items() if first <= r < last), default=None)
        lo = heard[before].start if before is not None else 0.0
        hi = heard[own].end if own is not None else audio.duration
        pause = longest_pause(audio.samples, audio.sample_rate, lo, hi) if hi > lo else None
        if pause is not None and pause[1] - pause[0] >= MIN_PAUSE:
            end, start = pause
        else:
            nxt = min(len(heard) - 1, before + 1) if before is not None else 0
            start, end = heard[nxt].start, heard[nxt - 1].end if nxt else 0.0
        starts.append(start)
        ends.append(end)
    ends.append(audio.duration)
    return [(a, max(a, b)) for a, b in zip(starts, ends, strict=True)]
