"""One verdict per chunk: signal checks plus the ASR round trip, with a score to rank takes.

``ChunkChecker.check_batch`` transcribes a whole batch in one pass (see ``asr``), shares the
transcript out among the chunks by alignment, and transcribes alone every chunk that failed
the ASR checks in the shared pass: a garbled chunk can make Whisper lose its neighbours too,
and a neighbour must not be retaken for that. With the ``auto`` model, English is heard by
tiny.en and a chunk it fails is heard alone by tiny.en and then by base; a chunk fails only
when every hearing fails it. Each verdict names the model it rests on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from narration.audio import Audio
from narration.language import primary_language
from narration.qa.asr import Transcriber
from narration.qa.compare import Comparison, compare_tokens, split_hypothesis, tokens, unit_for
from narration.qa.signal import SignalReport, SignalThresholds, check_signal


@dataclass(frozen=True)
class AsrThresholds:
    """Limits for one unit (words for English, kana for Japanese)."""

    max_error_rate: float = 0.5  # WER/CER above this fails...
    min_errors: int = 3  # ...but only with at least this many errors (a 2-word title misheard once is fine)
    max_missing_run: int = 5  # this many consecutive tokens missing: a skipped phrase or a cut-off end
    max_extra_run: int = 5  # this many consecutive extra tokens: a repeat or a hallucination


DEFAULT_ASR_THRESHOLDS: dict[str, AsrThresholds] = {
    # Words: more than half wrong. Reversed (garbled) speech is heard at 80-100 % WER; clean Piper
    # takes of verse with archaic spellings ("Tyger", "thee", "o'er") reach 35 % with base heard
    # alone and 55 % with tiny.en, whose failures base hears again under ``auto`` (was 0.3, which
    # failed such clean takes; see bench/results/qa_eval.md).
    "word": AsrThresholds(),
    # A kana is about a third of an English word; readings also vary (良い: ヨイ/イイ).
    "char": AsrThresholds(max_error_rate=0.3, min_errors=6, max_missing_run=12, max_extra_run=12),
}


@dataclass(frozen=True)
class QAThresholds:
    signal: SignalThresholds = field(default_factory=SignalThresholds)
    asr: dict[str, AsrThresholds] = field(default_factory=lambda: dict(DEFAULT_ASR_THRESHOLDS))


@dataclass(frozen=True)
class QAResult:
    """The verdict on one take of one chunk."""

    passed: bool
    score: float  # 0..1, higher is better; ranks takes of the same chunk
    reasons: tuple[str, ...]
    signal: SignalReport
    comparison: Comparison | None  # None: no ASR was run
    transcript: str | None  # what the ASR heard, normalised (None: no ASR)
    asr_model: str | None = None  # the ASR model that heard it (None: no ASR)

    @property
    def error_rate(self) -> float | None:
        return self.comparison.error_rate if self.comparison else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for the manifest's ``qa`` column and the report."""
        return {
            "passed": self.passed,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
            "error_rate": None if self.error_rate is None else round(self.error_rate, 4),
            "transcript": self.transcript,
            "asr_model": self.asr_model,
            "signal": self.signal.to_dict(),
            "asr": self.comparison.to_dict() if self.comparison else None,
        }


def asr_failures(comparison: Comparison, limits: AsrThresholds) -> list[str]:
    reasons = []
    if comparison.error_rate > limits.max_error_rate and comparison.errors >= limits.min_errors:
        reasons.append(f"{'wer' if comparison.unit == 'word' else 'cer'} {comparison.error_rate:.0%}")
    if comparison.longest_missing >= limits.max_missing_run:
        reasons.append(f"missing {comparison.longest_missing} {comparison.unit}s")
    if comparison.longest_extra >= limits.max_extra_run:
        reasons.append(f"extra {comparison.longest_extra} {comparison.unit}s")
    return reasons


def score(signal: SignalReport, comparison: Comparison | None) -> float:
    """1 - error rate (capped at 1), halved for every failed signal check."""
    accuracy = 1.0 - min(1.0, comparison.error_rate) if comparison else 1.0
    return accuracy * 0.5 ** len(signal.failures)


def judge(
    signal: SignalReport,
    comparison: Comparison | None,
    thresholds: QAThresholds | None = None,
    asr_model: str | None = None,
) -> QAResult:
    """The verdict from a chunk's signal report and (if the ASR ran) its comparison, heard by
    ``asr_model``."""
    thresholds = thresholds or QAThresholds()
    reasons = list(signal.failures)
    if comparison is not None:
        if "abrupt_end" in reasons and not comparison.missing:
            # Some voices end a phrase without a decay (Kokoro on "ね！"); a cut-off take loses
            # words, so when the ASR heard every word the level at the end is no fault.
            reasons.remove("abrupt_end")
        reasons += asr_failures(comparison, thresholds.asr[comparison.unit])
    sep = " " if comparison is None or comparison.unit == "word" else ""
    transcript = sep.join(comparison.hypothesis) if comparison else None
    return QAResult(
        not reasons, score(signal, comparison), tuple(reasons), signal, comparison, transcript,
        asr_model if comparison is not None else None,
    )


class ChunkChecker:
    """Checks chunk takes; without a transcriber, only the signal checks run."""

    def __init__(self, transcriber: Transcriber | None = None, thresholds: QAThresholds | None = None) -> None:
        self.transcriber = transcriber
        self.thresholds = thresholds or QAThresholds()

    def _asr_fails(self, comparison: Comparison) -> bool:
        return bool(asr_failures(comparison, self.thresholds.asr[comparison.unit]))

    def check(self, text: str, audio: Audio, language: str) -> QAResult:
        """The verdict on one take (transcribed alone)."""
        return self.check_batch([text], [audio], [language])[0]

    def check_batch(self, texts: Sequence[str], audios: Sequence[Audio], languages: Sequence[str]) -> list[QAResult]:
        """Verdicts on several chunks (in reading order), transcribed together per language run."""
        if not len(texts) == len(audios) == len(languages):
            raise ValueError("texts, audios and languages must have the same length")
        signals = [check_signal(a, t, lang, self.thresholds.signal) for t, a, lang in zip(texts, audios, languages)]
        if self.transcriber is None:
            return [judge(s, None, self.thresholds) for s in signals]
        heard: list[tuple[Comparison | None, str | None]] = []
        # Consecutive chunks of one language share a transcription pass.
        for language, run in groupby(range(len(texts)), key=lambda i: primary_language(languages[i])):
            members = list(run)
            if not self.transcriber.hears(language):  # its transcript would be in another script
                heard += [(None, None)] * len(members)
                continue
            heard += self._compare_run([texts[i] for i in members], [audios[i] for i in members], language)
        return [judge(s, c, self.thresholds, m) for s, (c, m) in zip(signals, heard, strict=True)]

    def _compare_run(self, texts: list[str], audios: list[Audio], language: str) -> list[tuple[Comparison, str]]:
        """Each chunk's comparison and the model it rests on. A chunk that fails the ASR checks
        in the shared pass is heard again alone before it is blamed (a garbled neighbour can
        make Whisper lose it), and where the transcriber has a confirming model (``auto`` for
        English: tiny.en hears, base confirms) that model hears it alone too. The chunk fails
        only if every hearing fails it: a faulty take fails them all, while one model's slip on
        an odd word or a short title ("Thrift and Greed") does not cost a retake."""
        assert self.transcriber is not None
        unit = unit_for(language)
        model = self.transcriber.model_for(language)
        confirm = self.transcriber.confirm_model_for(language)
        references = [tokens(t, language) for t in texts]
        heard = tokens(self.transcriber.transcribe(audios, language), language)
        parts = split_hypothesis(references, heard) if len(texts) > 1 else [heard]
        results = [(compare_tokens(r, h, unit), model) for r, h in zip(references, parts)]
        again = ([model] if len(texts) > 1 else []) + ([confirm] if confirm else [])
        for i, (comparison, _) in enumerate(results):
            for name in again:
                if not self._asr_fails(comparison):
                    break
                alone = tokens(self.transcriber.transcribe([audios[i]], language, model=name), language)
                comparison = compare_tokens(references[i], alone, unit)
                results[i] = (comparison, name)
        return results
