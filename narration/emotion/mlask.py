"""Japanese emotion tags offline: ML-Ask, the emotion-expression lexicon of Ptaszynski et al.
(``pymlask``, BSD-3), on MeCab with the IPA dictionary (``mecab-python3``, ``ipadic``), all from
PyPI (``pip install 'narration[ja]'``). Chosen with ``--emotion-model mlask``.

No neural Japanese emotion model ships in a registry package (bench/results/emotion_models_survey.md),
so this reads the emotion words a passage uses, not its situation: it misses feeling carried
by events alone ("えっ、本当に？" has no emotion word) and cannot see irony. What it finds it
finds plainly, so its scores are built for restraint: in a sentence, one emotion word scores ``ONE_WORD``
(above the speech threshold, below narration's), each further word of the same tag or mark
of emphasis (！, なんて...) adds ``STEP``, up to ``CAP``; a passage scores as its strongest
sentence, and words of two different tags leave it neutral. The lexicon writes most words in
kanji: a word spelt in kana alone (こわい) is often missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from narration.emotion.tags import NEUTRAL, TAGS, verdicts
from narration.errors import ConfigError
from narration.language import primary_language

MLASK = "mlask"
INSTALL_HINT = "pip install 'narration[ja]' (pymlask, mecab-python3, ipadic)"
# ML-Ask's ten classes -> our tags. Shame (haji), relief (yasuragi) and excitement (takaburi)
# have no tag of ours that a narrator could voice for them: they stay neutral.
CLASSES = {
    "yorokobi": "happy", "suki": "happy", "aware": "sad", "ikari": "angry", "kowa": "fearful",
    "iya": "disgusted", "odoroki": "surprised",
}  # fmt: skip
# Between the default thresholds (speech 0.75, narration 0.85): one word tags speech only.
ONE_WORD = 0.8
STEP = 0.05
CAP = 0.95


def _ambiguous(word: str) -> bool:
    """A word of one or two kana: as often an interjection as a feeling (いや "no" is not dislike)."""
    return len(word) <= 2 and all("\u3041" <= c <= "\u30ff" for c in word)


def languages_of(model: str | None, configured: Sequence[str]) -> list[str]:
    """The book languages a configured model reads: ML-Ask reads Japanese whatever is configured."""
    return ["ja"] if model == MLASK else list(configured)


@dataclass
class MLAskClassifier:
    """The ``EmotionClassifier`` interface (``reads``, ``probabilities``, ``classify_texts``) over ML-Ask."""

    name: str = MLASK
    languages: frozenset[str] = field(default_factory=lambda: frozenset({"ja"}))

    def reads(self, language: str) -> bool:
        return primary_language(language) in self.languages

    @cached_property
    def _analyzer(self) -> Any:
        try:
            import ipadic
            from mlask import MLAsk
        except ImportError as exc:
            raise ConfigError(f"the {MLASK} emotion model needs its packages ({exc}); {INSTALL_HINT}") from None
        return MLAsk(ipadic.MECAB_ARGS)  # MeCab's own default dictionary may be absent: name ipadic's

    def scores(self, text: str) -> dict[str, float]:
        """The tag ML-Ask's words point to and its score, or {} when they point nowhere or apart.
        Sentence by sentence: a long passage is as emotional as its most emotional sentence, not
        as the sum of the feeling words it happens to hold."""
        from narration.text import split_sentences

        found = [score for sentence in split_sentences(text, "ja") if (score := self._sentence_scores(sentence))]
        if len({tag for score in found for tag in score}) != 1:
            return {}
        return max(found, key=lambda score: next(iter(score.values())))

    def _sentence_scores(self, text: str) -> dict[str, float]:
        found = self._analyzer.analyze(text) if text.strip() else {}
        evidence: dict[str, int] = {}
        for name, words in (found.get("emotion") or {}).items():
            words = [w for w in words if not _ambiguous(w)]
            if name in CLASSES and words:
                evidence[CLASSES[name]] = evidence.get(CLASSES[name], 0) + len(words)
        if len(evidence) != 1:  # nothing, or mixed signals: restraint says neutral
            return {}
        ((tag, words),) = evidence.items()
        emphasis = min(int(found.get("intension") or 0), 2)
        return {tag: min(CAP, ONE_WORD + STEP * (words - 1 + emphasis))}

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(TAGS))``, columns in ``TAGS`` order, rows summing to 1."""
        probs = np.zeros((len(texts), len(TAGS)), dtype=np.float32)
        for row, text in enumerate(texts):
            score = self.scores(text)
            for tag, p in score.items():
                probs[row, TAGS.index(tag)] = p
            probs[row, TAGS.index(NEUTRAL)] = 1.0 - sum(score.values())
        return probs

    def classify_texts(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        return verdicts(self.probabilities(texts))
