"""How long an utterance should sound, how to batch utterances, and when a result ran away.

Pure arithmetic, no torch: Qwen3-TTS speaks at 12.5 frames per second and a batch runs until its
longest item stops, so the plan is driven by the expected length of each text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from narration.language import primary_language

FRAME_RATE = 12.5  # codec frames per second of audio (1920 samples at 24 kHz)

# Characters per second of ordinary read speech: European languages ~14 (spaces included);
# Chinese and Japanese ~5-7 characters, Korean ~6-7 syllables.
DEFAULT_CHARS_PER_SECOND = 14.0
CHARS_PER_SECOND = {"zh": 5.5, "ja": 7.0, "ko": 6.5}


@dataclass(frozen=True)
class LengthLimits:
    """Expected speaking rates and the bounds outside which a generation counts as a runaway."""

    chars_per_second: dict[str, float] = field(default_factory=lambda: dict(CHARS_PER_SECOND))
    default_chars_per_second: float = DEFAULT_CHARS_PER_SECOND
    cap_factor: float = 2.5  # max_new_tokens allows this many times the expected duration...
    cap_margin_s: float = 2.0  # ...plus this much, so short texts have room for pauses
    slowest: float = 2.2  # flag results slower than expected / 2.2 characters per second
    fastest: float = 3.0  # or faster than 3x the expected rate
    min_checked_chars: int = 12  # below this a rate says little (a title, "Yes.")

    def rate(self, language: str) -> float:
        primary = primary_language(language)
        return self.chars_per_second.get(primary, self.default_chars_per_second)


def spoken_chars(text: str) -> int:
    """Characters that take time to say: runs of whitespace count once."""
    return len(" ".join(text.split()))


def expected_seconds(text: str, language: str, limits: LengthLimits) -> float:
    return spoken_chars(text) / limits.rate(language)


def frame_cap(text: str, language: str, limits: LengthLimits) -> int:
    """max_new_tokens for this text: room for a slow reading, not for an 11-minute runaway."""
    seconds = expected_seconds(text, language, limits) * limits.cap_factor + limits.cap_margin_s
    return max(8, math.ceil(seconds * FRAME_RATE))


def runaway_reason(text: str, language: str, frames: int, cap: int, limits: LengthLimits) -> str | None:
    """Why this result looks like a runaway (or a truncation), or None when it looks plausible.

    ``frames`` >= ``cap`` - 1 means generation stopped at the cap, not at an EOS: qwen_tts returns
    one frame fewer than the steps it ran.
    """
    if frames >= cap - 1:
        return f"no end of speech within {cap} frames"
    chars = spoken_chars(text)
    if chars < limits.min_checked_chars:
        return None
    if frames == 0:
        return "no audio"
    rate = chars / (frames / FRAME_RATE)
    expected = limits.rate(language)
    if rate < expected / limits.slowest:
        return f"too slow: {rate:.1f} characters/s, expected about {expected:.0f}"
    if rate > expected * limits.fastest:
        return f"too fast: {rate:.1f} characters/s, expected about {expected:.0f}"
    return None


@dataclass(frozen=True)
class BatchCost:
    """What one item costs a batch: prompt tokens plus the frames it may generate."""

    prompt_tokens: int
    cap: int


@dataclass(frozen=True)
class PlannedBatch:
    indices: list[int]  # positions in the caller's list
    max_new_tokens: int  # the batch runs as long as its longest item may


def batch_tokens(costs: Sequence[BatchCost]) -> int:
    """A batch costs as much as its longest item, once per item (padding included)."""
    if not costs:
        return 0
    return len(costs) * (max(c.prompt_tokens for c in costs) + max(c.cap for c in costs))


def plan_batches(costs: Sequence[BatchCost], max_batch_size: int, token_budget: int) -> list[PlannedBatch]:
    """Longest first, then fill each batch while it stays within the size and token budget.

    Sorting by expected length keeps items of similar length together, so short items do not wait
    on long ones. An item over the budget on its own still gets a batch of one.
    """
    if max_batch_size < 1:
        raise ValueError("max_batch_size must be at least 1")
    order = sorted(range(len(costs)), key=lambda i: (-costs[i].cap, -costs[i].prompt_tokens, i))
    batches: list[PlannedBatch] = []
    current: list[int] = []
    for index in order:
        candidate = [*current, index]
        fits = len(candidate) <= max_batch_size and batch_tokens([costs[i] for i in candidate]) <= token_budget
        if current and not fits:
            batches.append(_planned(current, costs))
            candidate = [index]
        current = candidate
    if current:
        batches.append(_planned(current, costs))
    return batches


def _planned(indices: list[int], costs: Sequence[BatchCost]) -> PlannedBatch:
    return PlannedBatch(indices=list(indices), max_new_tokens=max(costs[i].cap for i in indices))
