"""The project's seed sentence, spoken by Kokoro and heard back by Whisper: it must come out right."""

from __future__ import annotations

import pytest

from narration.model import Utterance
from narration.qa import AsrOptions, ChunkChecker, Transcriber
from narration.synthesis import get_backend
from narration.text import normalize

SEED = "「こんにちは、ねぎです。2026年のAI技術、本当にすごい進化を遂げましたね！」"


@pytest.mark.slow
def test_seed_sentence_round_trip() -> None:
    spoken = normalize(SEED, "ja")
    assert "2026" not in spoken and "AI" not in spoken  # read out, not left to the voice
    (audio,) = get_backend("kokoro").synthesize([Utterance(spoken, language="ja")])
    result = ChunkChecker(Transcriber(AsrOptions())).check(SEED, audio, "ja")
    assert result.passed, result.to_dict()
    assert result.comparison is not None and result.comparison.error_rate < 0.15  # kana CER
