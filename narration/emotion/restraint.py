"""Restraint: turn per-passage probabilities into few, steady tags.

Listeners call emotion tags on narration "much too dramatic". So, in order:
1. Smoothing: each passage's probabilities are averaged with its neighbours' in the same
   chapter and the same stream (narration with narration, speech with speech, and where the
   cast tells speakers apart, each character's speech with its own), so one passage rarely
   changes the mood alone and one character's anger does not colour the next one's reply.
2. Thresholds: a tag needs a high smoothed probability: higher for narration (the narrator
   stays calm) than for quoted speech (a character may be upset).
3. Hysteresis: a tag in force stays while its score is within ``hold`` of the threshold, so
   scores hovering around it do not flap neutral/sad/neutral/sad.
4. Cap: at most ``max_share`` of the book's passages are non-neutral; the strongest are kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from narration.emotion.settings import EmotionSettings
from narration.emotion.tags import NEUTRAL, TAGS

_NEUTRAL_INDEX = TAGS.index(NEUTRAL)


def smooth(probs: np.ndarray, weight: float) -> np.ndarray:
    """Each row averaged with the rows before and after it, each weighted ``weight``."""
    if weight <= 0 or len(probs) < 2:
        return probs.copy()
    total = probs.copy()
    norm = np.ones(len(probs))
    total[1:] += weight * probs[:-1]
    total[:-1] += weight * probs[1:]
    norm[1:] += weight
    norm[:-1] += weight
    return total / norm[:, None]


def _streams(
    chapters: Sequence[int], dialogue: Sequence[bool], speakers: Sequence[str | None] | None = None
) -> dict[tuple[int, bool, str | None], list[int]]:
    """Passage positions grouped by (chapter, is dialogue, speaker), each in reading order."""
    speakers = speakers if speakers is not None else [None] * len(chapters)
    streams: dict[tuple[int, bool, str | None], list[int]] = {}
    for i, key in enumerate(zip(chapters, dialogue, speakers, strict=True)):
        streams.setdefault(key, []).append(i)
    return streams


def _follow(scores: np.ndarray, threshold: float, hold: float) -> list[int]:
    """Tag index per row of one stream: a new tag needs ``threshold``; the one in force
    stays while above ``threshold - hold``."""
    current = _NEUTRAL_INDEX
    chosen = []
    for row in scores:
        emotions = row.copy()
        emotions[_NEUTRAL_INDEX] = -1.0
        best = int(emotions.argmax())
        if emotions[best] >= threshold:
            current = best
        elif current != _NEUTRAL_INDEX and row[current] < threshold - hold:
            current = _NEUTRAL_INDEX
        chosen.append(current)
    return chosen


def restrain(
    probs: np.ndarray, chapters: Sequence[int], dialogue: Sequence[bool], settings: EmotionSettings,
    speakers: Sequence[str | None] | None = None,
) -> list[tuple[str, float]]:
    """(tag, score) per passage; ``probs`` has one row per passage, columns in ``TAGS`` order;
    ``speakers``: who says each (None: narration, or speech no one is cast for).

    The score is the smoothed probability of the chosen tag.
    """
    smoothed = np.zeros_like(probs, dtype=np.float64)
    chosen = np.full(len(probs), _NEUTRAL_INDEX)
    for (_, speech, _), rows in _streams(chapters, dialogue, speakers).items():
        weight = settings.dialogue_smoothing if speech else settings.smoothing
        threshold = settings.dialogue_threshold if speech else settings.threshold
        smoothed[rows] = smooth(probs[rows].astype(np.float64), weight)
        chosen[rows] = _follow(smoothed[rows], threshold, settings.hold)

    tagged = [i for i in range(len(probs)) if chosen[i] != _NEUTRAL_INDEX]
    limit = math.floor(settings.max_share * len(probs) + 1e-9)
    if len(tagged) > limit:
        strongest = sorted(tagged, key=lambda i: (-smoothed[i, chosen[i]], i))
        for i in strongest[limit:]:
            chosen[i] = _NEUTRAL_INDEX
    return [(TAGS[c], float(smoothed[i, c])) for i, c in enumerate(chosen)]
