"""Signal checks on synthetic speech-like audio: each check fails for its own defect and only then."""

from __future__ import annotations

import numpy as np
import pytest

from narration.audio import Audio
from narration.qa.signal import SignalThresholds, check_signal, spoken_chars, trim_pauses

RATE = 22050
TEXT = "The quick brown fox jumps over the lazy dog near the river bank."  # 51 spoken characters


def speechlike(seconds: float, seed: int = 0, level: float = 0.3) -> np.ndarray:
    """Noise shaped into ~4 syllables a second, each fading in and out, like speech."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.clip(np.sin(2 * np.pi * 2.0 * t), 0, None) ** 2  # syllables, silent between
    return (level * envelope * rng.standard_normal(len(t))).astype(np.float32)


def pad(samples: np.ndarray, before: float = 0.1, after: float = 0.2) -> np.ndarray:
    return np.concatenate([np.zeros(int(before * RATE), np.float32), samples, np.zeros(int(after * RATE), np.float32)])


def clean(seconds: float = 3.5) -> Audio:
    return Audio(pad(speechlike(seconds)), RATE)


def test_clean_speech_passes_and_is_measured() -> None:
    report = check_signal(clean(), TEXT, "en")
    assert report.passed, report.failures
    assert report.non_finite == 0
    assert 0.05 <= report.leading_silence <= 0.2
    assert 0.15 <= report.trailing_silence <= 0.5  # the pad plus the fade of the last syllable
    assert 10 < report.chars_per_second < 20
    assert -30 < report.speech_db < -5


def test_non_finite_samples_fail() -> None:
    samples = pad(speechlike(3.5))
    samples[1000] = np.nan
    samples[2000] = np.inf
    report = check_signal(Audio(samples, RATE), TEXT, "en")
    assert "non_finite" in report.failures
    assert report.non_finite == 2


def test_clipping_fails_only_when_many_samples_hit_full_scale() -> None:
    loud = np.clip(pad(speechlike(3.5, level=3.0)), -1, 1)
    assert "clipping" in check_signal(Audio(loud, RATE), TEXT, "en").failures
    one_peak = pad(speechlike(3.5))
    one_peak[5000] = 1.0
    assert "clipping" not in check_signal(Audio(one_peak, RATE), TEXT, "en").failures


def test_digital_silence_and_empty_audio_fail() -> None:
    silent = check_signal(Audio(np.zeros(3 * RATE, np.float32), RATE), TEXT, "en")
    assert "silent" in silent.failures
    assert silent.silence_ratio == 1.0
    assert "empty" in check_signal(Audio(np.zeros(0, np.float32), RATE), TEXT, "en").failures


def test_too_much_silence_fails() -> None:
    # 1.5 s of speech in 6 s: the rest silence in short stretches (no single long pause)
    parts = [np.concatenate([speechlike(0.5, seed=i), np.zeros(int(1.5 * RATE), np.float32)]) for i in range(3)]
    audio = Audio(pad(np.concatenate(parts)), RATE)
    report = check_signal(audio, "Three short words.", "en", SignalThresholds(max_pause=5.0))
    assert "silence_ratio" in report.failures
    assert report.silence_ratio > 0.65


def test_leading_and_trailing_silence_and_long_pause_fail() -> None:
    speech = speechlike(3.5)
    lead = check_signal(Audio(pad(speech, before=1.6), RATE), TEXT, "en")
    assert "leading_silence" in lead.failures and "trailing_silence" not in lead.failures
    trail = check_signal(Audio(pad(speech, after=2.6), RATE), TEXT, "en")
    assert "trailing_silence" in trail.failures and "leading_silence" not in trail.failures
    gap = np.concatenate([speech[: RATE * 2], np.zeros(3 * RATE, np.float32), speech[RATE * 2 :]])
    hole = check_signal(Audio(pad(gap), RATE), TEXT, "en")
    assert "long_pause" in hole.failures
    assert hole.longest_pause == pytest.approx(3.0, abs=0.4)


def test_speech_cut_off_mid_syllable_is_an_abrupt_end() -> None:
    speech = pad(speechlike(3.5), after=0)
    cut = speech[: int(RATE * (0.1 + 1.625))]  # 2 Hz syllables peak at 0.125 + k/2 s: cut near a peak
    assert "abrupt_end" in check_signal(Audio(cut, RATE), TEXT[:25], "en").failures
    assert "abrupt_end" not in check_signal(clean(), TEXT, "en").failures


def test_rate_bounds_are_per_language() -> None:
    short = Audio(pad(speechlike(1.0)), RATE)  # 51 characters in ~1.3 s: far too fast in English
    assert "too_fast" in check_signal(short, TEXT, "en").failures
    long = Audio(pad(speechlike(20.0)), RATE)  # 51 characters in 20 s: too slow
    assert "too_slow" in check_signal(long, TEXT, "en").failures
    # 24 Japanese characters in 3.8 s (6 a second) is a normal Japanese pace but would be slow English.
    japanese = "昔々、ある村に心の優しいおじいさんとおばあさんが住んでいました。"
    assert check_signal(clean(), japanese, "ja").passed
    strict = SignalThresholds(char_rates={"en": (8.0, 28.0)})
    assert "too_slow" in check_signal(clean(), "A few words, slowly read.", "en", strict).failures


def test_short_headings_are_not_rate_checked() -> None:
    assert check_signal(Audio(pad(speechlike(2.5)), RATE), "Fables", "en").passed


def test_spoken_chars_ignores_punctuation_and_spaces() -> None:
    assert spoken_chars("Hi, you!  ok?") == 7
    assert spoken_chars("「こんにちは」。") == 5


def test_trim_pauses_shortens_silences_but_keeps_speech() -> None:
    speech = speechlike(1.0)
    gapped = np.concatenate([np.zeros(RATE, np.float32), speech, np.zeros(2 * RATE, np.float32), speech])
    trimmed = trim_pauses(gapped, RATE, keep=0.2)
    assert len(trimmed) < len(gapped) - 2.6 * RATE  # the 1 s and 2 s silences are down to 0.2 s each
    assert np.sum(trimmed**2) == pytest.approx(np.sum(gapped**2), rel=0.01)  # every voiced frame kept
    longest = check_signal(Audio(trimmed, RATE), "x", "en").longest_pause
    assert longest <= 0.2 + 0.02
    assert len(trim_pauses(np.zeros(RATE, np.float32), RATE, keep=0.2)) == 0
