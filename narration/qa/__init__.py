"""Chunk quality assurance: signal checks, an ASR round trip, retakes, a report, pronunciation hints.

    signal   checks on the waveform (non-finite samples, clipping, silence, cut-off ends, rate)
    asr      faster-whisper loading (tiny.en for English and whisper-base, both bundled offline)
             and batched transcription
    compare  normalise text and transcript alike, WER/CER, aligned missing and extra words
    check    ChunkChecker: one QAResult (pass/fail, reasons, score) per chunk take
    retake   retake a failing chunk with new seeds, keep the best take
    report   the self-contained HTML report per book
    lexicon  pronunciation hints: candidates for the user's lexicon (narration.text.lexicon)

Nothing heavy is imported here: the ASR model loads on the first transcription.
"""

from narration.qa.asr import AsrOptions, Transcriber
from narration.qa.check import AsrThresholds, ChunkChecker, QAResult, QAThresholds
from narration.qa.compare import Comparison
from narration.qa.pronunciation import pronunciation_hints
from narration.qa.retake import RetakeOutcome, Take, outcome_record, retake, retake_seed
from narration.qa.signal import SignalReport, SignalThresholds, check_signal

__all__ = [
    "AsrOptions", "AsrThresholds", "ChunkChecker", "Comparison", "QAResult", "QAThresholds", "RetakeOutcome",
    "SignalReport", "SignalThresholds", "Take", "Transcriber", "check_signal", "outcome_record",
    "pronunciation_hints", "retake", "retake_seed",
]
