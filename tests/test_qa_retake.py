"""The retake loop: stops at the first passing take, keeps the best, counts retakes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from narration.audio import Audio
from narration.qa.check import QAResult
from narration.qa.retake import outcome_record, retake, retake_seed
from narration.qa.signal import check_signal

SIGNAL = check_signal(Audio(np.zeros(100, np.float32), 1000), "", "en")


def verdict(passed: bool, score: float) -> QAResult:
    return QAResult(passed, score, () if passed else ("wer 50%",), SIGNAL, None, "heard")


class Script:
    """A fake synthesizer and checker: take N gets the N-th (passed, score)."""

    def __init__(self, *verdicts: tuple[bool, float]) -> None:
        self.verdicts = verdicts
        self.attempts: list[int] = []

    def synthesize(self, attempt: int) -> Audio:
        self.attempts.append(attempt)
        return Audio(np.full(10, attempt, np.float32), 1000, {"attempt": attempt})

    def check(self, audio: Audio) -> QAResult:
        return verdict(*self.verdicts[audio.info["attempt"]])


def test_a_passing_first_take_is_not_retaken() -> None:
    script = Script((True, 0.9))
    outcome = retake(script.synthesize, script.check, max_retakes=3)
    assert script.attempts == [0]
    assert outcome.passed and outcome.retakes == 0 and outcome.best.attempt == 0


def test_retakes_stop_at_the_first_pass() -> None:
    script = Script((False, 0.3), (False, 0.5), (True, 0.8), (True, 1.0))
    outcome = retake(script.synthesize, script.check, max_retakes=5)
    assert script.attempts == [0, 1, 2]
    assert outcome.passed and outcome.retakes == 2 and outcome.best.attempt == 2
    assert outcome.scores == [0.3, 0.5, 0.8]


def test_all_failing_keeps_the_best_score_and_stops_at_the_limit() -> None:
    script = Script((False, 0.2), (False, 0.6), (False, 0.4), (False, 0.9))
    outcome = retake(script.synthesize, script.check, max_retakes=2)
    assert script.attempts == [0, 1, 2]
    assert not outcome.passed
    assert outcome.best.attempt == 1 and outcome.retakes == 2


def test_a_passing_take_beats_a_failing_one_with_a_higher_score() -> None:
    script = Script((False, 0.95), (True, 0.7))
    assert retake(script.synthesize, script.check, max_retakes=1).best.attempt == 1


def test_first_take_can_come_from_a_batch() -> None:
    script = Script((False, 0.0), (True, 0.9))
    first = Audio(np.zeros(10, np.float32), 1000, {"attempt": 0})
    outcome = retake(script.synthesize, script.check, first=(first, verdict(False, 0.1)))
    assert script.attempts == [1]  # take 0 was not synthesized again
    assert outcome.takes[0].audio is first and outcome.retakes == 1


def test_zero_retakes_allowed() -> None:
    script = Script((False, 0.1))
    outcome = retake(script.synthesize, script.check, max_retakes=0)
    assert not outcome.passed and outcome.retakes == 0


def test_synthesis_errors_propagate() -> None:
    def broken(attempt: int) -> Audio:
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        retake(broken, lambda audio: verdict(True, 1.0))


def test_seeds_differ_per_attempt_and_repeat_per_key() -> None:
    seeds = [retake_seed("abc", attempt) for attempt in range(5)]
    assert len(set(seeds)) == 5
    assert seeds == [retake_seed("abc", attempt) for attempt in range(5)]
    assert retake_seed("abd", 0) != seeds[0]
    assert all(0 <= s < 2**31 for s in seeds)


def test_outcome_record_lists_every_take_for_the_manifest() -> None:
    script = Script((False, 0.2), (True, 0.9))
    record = outcome_record(retake(script.synthesize, script.check))
    assert json.loads(json.dumps(record)) == record
    assert record["passed"] is True and record["attempt"] == 1
    assert [t["passed"] for t in record["takes"]] == [False, True]
    assert record["takes"][0]["reasons"] == ["wer 50%"]
