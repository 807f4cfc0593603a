"""Signal checks on one chunk's audio: things that are wrong whatever the words are.

Levels are measured on short frames in dBFS. "Silence" is relative to the chunk's own speech
level (its loud frames), so a quiet voice is not mistaken for silence, and floored at an
absolute level, so a chunk of near-silence is not mistaken for speech.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from narration.audio import Audio
from narration.language import primary_language

# Character rates (spoken characters per second) a narrator plausibly reads at. English counts
# letters and digits of the speech text; Japanese counts characters (kana and kanji), of which a
# narrator reads far fewer per second. Wide on purpose: they catch audio that is cut short
# (too fast) or that rambles, repeats or hangs (too slow), not a brisk reader.
DEFAULT_CHAR_RATES: dict[str, tuple[float, float]] = {
    "en": (4.0, 28.0),
    "ja": (1.5, 14.0),
}
FALLBACK_CHAR_RATE = (2.0, 30.0)


@dataclass(frozen=True)
class SignalThresholds:
    frame_ms: float = 20.0
    # A frame is silent below (speech level - silence_below_speech_db), and always below floor_db.
    silence_below_speech_db: float = 35.0
    floor_db: float = -60.0
    # Below this speech level (dBFS) the whole chunk counts as silent.
    min_speech_db: float = -45.0
    max_silence_ratio: float = 0.65
    max_leading_silence: float = 1.0  # seconds
    max_trailing_silence: float = 2.0
    max_pause: float = 2.5  # longest silence inside the chunk
    clip_level: float = 0.999
    max_clipped_ratio: float = 0.001
    # The last frame may not be this close (dB) to the speech level: speech that stops without
    # decaying was cut off.
    abrupt_end_db: float = 20.0
    # Only chunks this long (characters) get the rate check: a one-word heading has no rate.
    min_chars_for_rate: int = 12
    char_rates: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_CHAR_RATES))

    def char_rate_bounds(self, language: str) -> tuple[float, float]:
        return self.char_rates.get(primary_language(language), FALLBACK_CHAR_RATE)


@dataclass(frozen=True)
class SignalReport:
    """Measurements of one chunk and the names of the checks it failed."""

    duration: float
    non_finite: int
    clipped_ratio: float
    speech_db: float
    silence_ratio: float
    leading_silence: float
    trailing_silence: float
    longest_pause: float
    end_db: float
    chars: int
    chars_per_second: float | None
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        data = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}
        data["failures"] = list(self.failures)
        return data


def frame_db(samples: np.ndarray, sample_rate: int, frame_ms: float = 20.0) -> np.ndarray:
    """RMS level of each whole frame, in dBFS (silence is about -200 dB, never -inf)."""
    n = max(1, int(sample_rate * frame_ms / 1000))
    frames = len(samples) // n
    if frames == 0:
        return np.zeros(0)
    blocks = samples[: frames * n].astype(np.float64).reshape(frames, n)
    return 10.0 * np.log10(np.mean(blocks * blocks, axis=1) + 1e-20)


def speech_level(levels: np.ndarray) -> float:
    """The level of the chunk's loud frames: robust to a few clicks, ignores pauses."""
    return float(np.percentile(levels, 95)) if len(levels) else -200.0


def silent_frames(levels: np.ndarray, thresholds: SignalThresholds) -> np.ndarray:
    level = speech_level(levels)
    if level < thresholds.min_speech_db:
        return np.ones(len(levels), dtype=bool)
    return levels < max(level - thresholds.silence_below_speech_db, thresholds.floor_db)


def _longest_run(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    padded = np.concatenate(([0], mask.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())


_SPOKEN = re.compile(r"\w", re.UNICODE)


def spoken_chars(text: str) -> int:
    """Letters, digits and kana/kanji: what takes time to say (punctuation and spaces do not)."""
    return len(_SPOKEN.findall(unicodedata.normalize("NFKC", text).replace("_", "")))


def check_signal(
    audio: Audio, text: str, language: str, thresholds: SignalThresholds | None = None
) -> SignalReport:
    """Measure ``audio`` (the chunk that reads ``text``) and name every check it fails."""
    t = thresholds or SignalThresholds()
    raw = np.asarray(audio.samples, dtype=np.float32).reshape(-1)
    finite = np.isfinite(raw)
    samples = np.where(finite, raw, 0.0).astype(np.float32)
    rate = int(audio.sample_rate)
    duration = len(samples) / rate if rate else 0.0
    frame = t.frame_ms / 1000
    levels = frame_db(samples, rate, t.frame_ms)
    silent = silent_frames(levels, t)
    voiced = np.flatnonzero(~silent)
    speech_db = speech_level(levels)
    chars = spoken_chars(text)

    failures: list[str] = []
    non_finite = int(len(raw) - finite.sum())
    if non_finite:
        failures.append("non_finite")
    if len(levels) == 0:
        failures.append("empty")
    clipped = float(np.mean(np.abs(samples) >= t.clip_level)) if len(samples) else 0.0
    if clipped > t.max_clipped_ratio:
        failures.append("clipping")

    silence_ratio = float(silent.mean()) if len(silent) else 1.0
    if len(voiced) == 0:
        leading = trailing = duration
        if "empty" not in failures:
            failures.append("silent")
    else:
        leading = voiced[0] * frame
        trailing = duration - (voiced[-1] + 1) * frame
        if silence_ratio > t.max_silence_ratio:
            failures.append("silence_ratio")
        if leading > t.max_leading_silence:
            failures.append("leading_silence")
        if trailing > t.max_trailing_silence:
            failures.append("trailing_silence")
    pause = _longest_run(silent[voiced[0] : voiced[-1] + 1]) * frame if len(voiced) else 0.0
    if pause > t.max_pause:
        failures.append("long_pause")

    end_db = float(levels[-1]) if len(levels) else -200.0
    if len(voiced) and end_db > speech_db - t.abrupt_end_db:
        failures.append("abrupt_end")

    cps = chars / duration if duration > 0 else None
    if cps is not None and chars >= t.min_chars_for_rate and "silent" not in failures:
        low, high = t.char_rate_bounds(language)
        if cps > high:
            failures.append("too_fast")
        elif cps < low:
            failures.append("too_slow")

    return SignalReport(
        duration=duration,
        non_finite=non_finite,
        clipped_ratio=clipped,
        speech_db=speech_db,
        silence_ratio=silence_ratio,
        leading_silence=float(leading),
        trailing_silence=float(trailing),
        longest_pause=float(pause),
        end_db=end_db,
        chars=chars,
        chars_per_second=cps,
        failures=tuple(failures),
    )


def trim_pauses(
    samples: np.ndarray, sample_rate: int, keep: float, thresholds: SignalThresholds | None = None
) -> np.ndarray:
    """``samples`` with every silence shortened to at most ``keep`` seconds (ASR needs no more,
    and every second cut is a second it does not have to listen to)."""
    t = thresholds or SignalThresholds()
    n = max(1, int(sample_rate * t.frame_ms / 1000))
    levels = frame_db(samples, sample_rate, t.frame_ms)
    if len(levels) == 0:
        return samples[:0]
    silent = silent_frames(levels, t)
    if silent.all():
        return samples[:0]
    # Keep a frame if it is voiced or among the first ``keep`` seconds of its silent run.
    index = np.arange(len(silent))
    run = index - np.maximum.accumulate(np.where(silent, -1, index))  # 0 on voiced frames
    keep_frames = ~silent | (run <= max(0, int(round(keep * 1000 / t.frame_ms))))
    frames = samples[: len(levels) * n].reshape(len(levels), n)
    return frames[keep_frames].reshape(-1)
