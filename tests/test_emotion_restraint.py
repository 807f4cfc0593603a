"""Restraint: thresholds, smoothing, hysteresis, the non-neutral cap, dialogue vs narration."""

from __future__ import annotations

import numpy as np
import pytest

from narration.emotion.restraint import restrain, smooth
from narration.emotion.settings import EmotionSettings
from narration.emotion.tags import NEUTRAL, TAGS


def rows(*spec: tuple[str, float]) -> np.ndarray:
    """One probability row per (tag, p): ``p`` on the tag, the rest on neutral."""
    probs = np.zeros((len(spec), len(TAGS)))
    for i, (tag, p) in enumerate(spec):
        probs[i, TAGS.index(tag)] += p
        probs[i, TAGS.index(NEUTRAL)] += 1 - p
    return probs


def tags_of(result: list[tuple[str, float]]) -> list[str]:
    return [tag for tag, _ in result]


# No smoothing and no cap unless a test turns them on: each test checks one rule.
BARE = EmotionSettings(smoothing=0, dialogue_smoothing=0, max_share=1, hold=0)


def test_narration_needs_more_confidence_than_speech() -> None:
    probs = rows(("sad", 0.6), ("sad", 0.6))
    settings = BARE.model_copy(update={"threshold": 0.7, "dialogue_threshold": 0.5})
    assert tags_of(restrain(probs, [0, 1], [False, True], settings)) == [NEUTRAL, "sad"]


def test_scores_are_the_chosen_tags_probability() -> None:
    result = restrain(rows(("angry", 0.9), ("angry", 0.2)), [0, 0], [False, False], BARE)
    assert result[0] == ("angry", pytest.approx(0.9))
    assert result[1] == (NEUTRAL, pytest.approx(0.8))


def test_a_lone_spike_in_narration_is_smoothed_away() -> None:
    probs = rows((NEUTRAL, 0), ("fearful", 0.85), (NEUTRAL, 0))
    assert tags_of(restrain(probs, [0] * 3, [False] * 3, BARE))[1] == "fearful"
    smoothed = BARE.model_copy(update={"smoothing": 0.5})
    assert tags_of(restrain(probs, [0] * 3, [False] * 3, smoothed)) == [NEUTRAL] * 3


def test_a_sustained_mood_survives_smoothing() -> None:
    probs = rows(*[("sad", 0.9)] * 5)
    settings = BARE.model_copy(update={"smoothing": 0.5})
    assert tags_of(restrain(probs, [0] * 5, [False] * 5, settings)) == ["sad"] * 5


def test_hysteresis_stops_flapping_around_the_threshold() -> None:
    wobble = rows(("sad", 0.75), ("sad", 0.65), ("sad", 0.74), ("sad", 0.66), ("sad", 0.4))
    flapping = tags_of(restrain(wobble, [0] * 5, [False] * 5, BARE.model_copy(update={"threshold": 0.7})))
    assert flapping == ["sad", NEUTRAL, "sad", NEUTRAL, NEUTRAL]
    steady = tags_of(restrain(wobble, [0] * 5, [False] * 5, BARE.model_copy(update={"threshold": 0.7, "hold": 0.1})))
    assert steady == ["sad", "sad", "sad", "sad", NEUTRAL]


def test_streams_do_not_mix_chapters_or_speech_with_narration() -> None:
    # Chapter 0 ends sad; chapter 1 opens neutral: smoothing must not carry the mood over.
    probs = rows(("sad", 0.95), ("sad", 0.95), (NEUTRAL, 0), (NEUTRAL, 0))
    settings = BARE.model_copy(update={"smoothing": 1.0, "threshold": 0.6})
    assert tags_of(restrain(probs, [0, 0, 1, 1], [False] * 4, settings)) == ["sad", "sad", NEUTRAL, NEUTRAL]
    # A shouted line between two calm narration paragraphs does not colour them.
    probs = rows((NEUTRAL, 0), ("angry", 0.95), (NEUTRAL, 0))
    result = tags_of(restrain(probs, [0] * 3, [False, True, False], settings))
    assert result == [NEUTRAL, "angry", NEUTRAL]


def test_the_cap_keeps_only_the_strongest_passages() -> None:
    strengths = [0.95, 0.8, 0.99, 0.85, 0.9, 0.82, 0.1, 0.1, 0.1, 0.1]
    probs = rows(*[("happy", s) for s in strengths])
    settings = BARE.model_copy(update={"max_share": 0.3, "threshold": 0.7})
    result = tags_of(restrain(probs, [0] * 10, [True] * 10, settings))
    assert sum(tag != NEUTRAL for tag in result) == 3
    assert [i for i, tag in enumerate(result) if tag != NEUTRAL] == [0, 2, 4]
    none = BARE.model_copy(update={"max_share": 0.0, "threshold": 0.7})
    assert set(tags_of(restrain(probs, [0] * 10, [True] * 10, none))) == {NEUTRAL}


def test_defaults_leave_most_of_a_mixed_book_neutral() -> None:
    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(len(TAGS)) * 0.3, size=200)  # peaky, noisy verdicts
    result = tags_of(restrain(probs, [i // 50 for i in range(200)], list(rng.random(200) < 0.3), EmotionSettings()))
    assert sum(tag != NEUTRAL for tag in result) <= 0.3 * 200
    changes = sum(a != b for a, b in zip(result, result[1:], strict=False))
    assert changes < 0.5 * 200


def test_smooth_averages_neighbours_and_keeps_rows_normalised() -> None:
    probs = rows(("sad", 1.0), (NEUTRAL, 0), ("sad", 1.0))
    out = smooth(probs, 0.5)
    assert np.allclose(out.sum(axis=1), 1)
    assert out[1, TAGS.index("sad")] == pytest.approx(0.5)  # (0 + 0.5 + 0.5) / 2
    assert out[0, TAGS.index("sad")] == pytest.approx(1 / 1.5)
    assert np.array_equal(smooth(probs, 0), probs)


def test_the_new_default_thresholds_keep_the_inbox_fingerprints_of_the_old_defaults() -> None:
    from narration.options import NarrationOptions

    assert (EmotionSettings().threshold, EmotionSettings().dialogue_threshold) == (0.85, 0.75)
    flat = NarrationOptions().flat_json()
    assert '"threshold":0.7,' in flat and '"dialogue_threshold":0.5,' in flat  # as releases before wrote it
    assert '"threshold":0.9,' in NarrationOptions(emotion={"threshold": 0.9}).flat_json()
