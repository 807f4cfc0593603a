"""How close captions and read-along clips begin to the words they show: each chapter file as
written is transcribed with word timestamps (``word_times``), the transcript matched to the
narrated sentences, and each sentence's first caption cue (parsed back from the ``.srt``) and
Media Overlay clip (parsed back from the EPUB's SMIL) compared with where its first word was
heard. Used by ``tests/test_captions_accuracy.py`` and ``bench/captions_accuracy.py``.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import srt
from lxml import etree

from narration.assembly.captions import split_cues
from narration.assembly.readalong import sentence_id
from narration.assembly.timed_text import readalong_path
from narration.assembly.timing import chapter_text
from narration.assembly.word_times import Word, WordTimer, match_words, words_of
from narration.audio import Audio
from narration.ffmpeg import run_ffmpeg
from narration.qa.asr import ASR_RATE
from narration.qa.signal import frame_db
from narration.run.plan import BookPlan
from narration.store.layout import BookLayout
from narration.text import normalize

_SMIL = "{http://www.w3.org/ns/SMIL}"


@dataclass(frozen=True)
class Offset:
    chapter: int
    sentence: int  # in the chapter's sentences (title first)
    text: str
    heard: float  # where its first word was heard, seconds
    caption: float | None  # where its first cue begins
    clip: float | None  # where its SMIL clip begins

    @property
    def caption_error(self) -> float | None:
        return None if self.caption is None else self.caption - self.heard

    @property
    def clip_error(self) -> float | None:
        return None if self.clip is None else self.clip - self.heard


def decode(path: Path) -> Audio:
    """The audio file as a decoder plays it (encoder delay removed), 16 kHz mono."""
    proc = run_ffmpeg(["-i", path, "-ac", 1, "-ar", ASR_RATE, "-f", "f32le", "pipe:1"], what=f"decode {path}")
    return Audio(np.frombuffer(proc.stdout, dtype="<f4").copy(), ASR_RATE)


def _clip_begins(epub: Path, chapter: int) -> dict[str, float]:
    with zipfile.ZipFile(epub) as z:
        name = next(n for n in z.namelist() if n.endswith(f"chapter{chapter + 1:03d}.smil"))
        root = etree.fromstring(z.read(name))
    out = {}
    for par in root.iter(f"{_SMIL}par"):
        text, audio = par.find(f"{_SMIL}text"), par.find(f"{_SMIL}audio")
        out[text.get("src").split("#")[1]] = float(audio.get("clipBegin").rstrip("s"))
    return out


def measure_chapter(plan: BookPlan, layout: BookLayout, index: int, timer: WordTimer,
                    words: list[Word] | None = None) -> tuple[list[Offset], int]:
    """The offsets of chapter ``index``'s sentences whose first word was heard, and how many
    spoken sentences could not be checked (their first word not heard as written)."""
    book, planned = plan.book, plan.chapters[index]
    language = book.language
    audio_path = next(p for p in layout.chapters.glob(f"{index + 1:02d} - *") if p.suffix not in (".srt", ".vtt"))
    audio = decode(audio_path)
    if words is None:
        words = timer.words(audio, language)
    text = chapter_text(book.chapters[index], planned.chunks, language)
    reference: list[str] = []
    firsts: list[tuple[int, int]] = []  # (sentence, its first reference word)
    for i, sentence in enumerate(text.sentences):
        if sentence.spoken:
            firsts.append((i, len(reference)))
            reference += words_of(normalize(sentence.text, language))
    matched = match_words(reference, words)
    srt_path = audio_path.with_suffix(".srt")
    cues = list(srt.parse(srt_path.read_text(encoding="utf-8"))) if srt_path.exists() else []
    epub = readalong_path(layout)
    clips = _clip_begins(epub, index) if epub.exists() else {}
    offsets, unchecked, cue = [], 0, 0
    for i, first in firsts:
        sentence = text.sentences[i]
        caption = None
        if cues:
            caption = cues[cue].start.total_seconds()
            if _squash(cues[cue].content)[:12] != _squash(sentence.text)[:12]:
                raise AssertionError(f"cue {cue + 1} of {srt_path.name} is not sentence {sentence.text!r}")
            cue += len(split_cues(sentence.text, language))
        # the first word heard as written, and at most one heard word after the last word
        # matched before it (a dropped "A" may otherwise match the "a" of a later word)
        before = max((h for r, h in matched.items() if r < first), default=-1)
        if first not in matched or matched[first] - before > 2:
            unchecked += 1
            continue
        n = matched[first]
        heard = onset(audio, words[n - 1].start if n else 0.0, words[n],
                      words[n + 1].start if n + 1 < len(words) else audio.duration)
        offsets.append(Offset(index, i, sentence.text, heard, caption, clips.get(sentence_id(index, i))))
    return offsets, unchecked


SOUND_DB = -50.0  # dBFS of a 10 ms frame: above room tone (ACX's floor is -60), below any speech
MIN_PAUSE_FRAMES = 10  # 100 ms without sound: a pause, not a stop consonant inside a word


def onset(audio: Audio, after: float, word: Word, before: float) -> float:
    """Where ``word`` (the first of a sentence) begins: where sound resumes after the longest
    pause between the word before it (which starts at ``after``) and the word after it (at
    ``before``), when there is a pause; else where whisper starts it. Whisper finds the word;
    its start is loose by up to a few hundred ms at a pause (often where the word before
    ended, or late), so the signal places it."""
    lo = int(after * audio.sample_rate)
    quiet = frame_db(audio.samples[lo : int(max(before, word.end) * audio.sample_rate)], audio.sample_rate, 10.0) <= SOUND_DB
    best, run_start, end = 0, 0, None
    for n, q in enumerate(quiet):
        if q:
            continue
        if n - run_start >= max(best, MIN_PAUSE_FRAMES):
            best, end = n - run_start, n
        run_start = n + 1
    return after + end * 0.01 if end is not None else word.start


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
