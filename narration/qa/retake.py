"""Retakes: synthesize a failing chunk again with new seeds and keep the best take.

The loop knows nothing of backends or files: it gets a ``synthesize(attempt)`` callable (the
caller turns the attempt number into a seed, a smaller split, another voice setting...) and a
``check(audio)`` callable, so render code, tests and benches share it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from narration.audio import Audio
from narration.qa.check import QAResult


@dataclass(frozen=True)
class Take:
    attempt: int  # 0: the first take, 1..: retakes
    audio: Audio
    result: QAResult

    @property
    def rank(self) -> tuple[bool, float]:
        # A passing take beats any failing one; then the score decides; then the earlier take.
        return (self.result.passed, self.result.score)


@dataclass(frozen=True)
class RetakeOutcome:
    best: Take
    takes: tuple[Take, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.best.result.passed

    @property
    def retakes(self) -> int:
        """Takes beyond the first: what the manifest counts."""
        return len(self.takes) - 1

    @property
    def scores(self) -> list[float]:
        return [t.result.score for t in self.takes]


def retake_seed(key: str, attempt: int) -> int:
    """A seed for ``attempt`` of the chunk ``key``: different per attempt, the same on a rerun."""
    digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def retake(
    synthesize: Callable[[int], Audio],
    check: Callable[[Audio], QAResult],
    max_retakes: int = 2,
    first: tuple[Audio, QAResult] | None = None,
) -> RetakeOutcome:
    """Take (or reuse ``first`` as take 0), then retake while no take has passed, at most
    ``max_retakes`` times; the best take by (passed, score) is kept.

    An exception from ``synthesize`` or ``check`` propagates: a backend that cannot speak the
    text is a failure for the caller to record, not a bad take.
    """
    takes: list[Take] = []
    if first is not None:
        takes.append(Take(0, *first))
    else:
        audio = synthesize(0)
        takes.append(Take(0, audio, check(audio)))
    while not takes[-1].result.passed and len(takes) <= max_retakes:
        attempt = len(takes)
        audio = synthesize(attempt)
        takes.append(Take(attempt, audio, check(audio)))
    best = max(takes, key=lambda t: t.rank)  # max keeps the first of equals
    return RetakeOutcome(best, tuple(takes))


def outcome_record(outcome: RetakeOutcome) -> dict[str, object]:
    """What the manifest keeps (``qa=``): the kept take's verdict plus one line per take, so the
    report can show what was caught even when a retake fixed it."""
    record = outcome.best.result.to_dict()
    record["attempt"] = outcome.best.attempt
    record["takes"] = [
        {
            "attempt": take.attempt,
            "passed": take.result.passed,
            "score": round(take.result.score, 4),
            "reasons": list(take.result.reasons),
            "transcript": take.result.transcript,
        }
        for take in outcome.takes
    ]
    return record
