"""Japanese emotion tags from ML-Ask's lexicon (--emotion-model mlask): scores built for restraint,
Japanese books only, through the same tagging as the transformers models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mlask", reason="ML-Ask is not installed: pip install 'narration[ja]'")

from narration.emotion import EmotionSettings, load_classifier, tag_book
from narration.emotion.mlask import CAP, ONE_WORD, STEP, MLAskClassifier
from narration.emotion.tags import NEUTRAL, TAGS
from narration.model import Book, Chapter, Paragraph
from narration.run.pipeline import classify

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mlask() -> MLAskClassifier:
    return MLAskClassifier()


def test_one_emotion_word_scores_for_speech_not_for_narration(mlask: MLAskClassifier) -> None:
    assert mlask.scores("母が亡くなって、悲しくてたまらない。") == {"sad": pytest.approx(ONE_WORD)}
    assert mlask.scores("暗闇の中で何かが動いた。怖い。") == {"fearful": pytest.approx(ONE_WORD)}
    # two words of one tag and an interjection of emphasis: stronger, never certain
    assert mlask.scores("なんて汚らわしい、吐き気がする。") == {"disgusted": pytest.approx(ONE_WORD + 2 * STEP)}
    # a passage is as strong as its strongest sentence, not the sum of its sentences
    assert mlask.scores("なんて汚らわしい。吐き気がする。") == {"disgusted": pytest.approx(ONE_WORD + STEP)}
    assert max(mlask.scores("嬉しい！楽しい！幸せだ！最高に嬉しい！笑った！").values()) <= CAP


def test_nothing_found_or_mixed_signals_stay_neutral(mlask: MLAskClassifier) -> None:
    assert mlask.scores("駅は町の北にある。") == {}
    assert mlask.scores("") == {}
    assert mlask.scores("嬉しいけれど、悲しい。") == {}  # two tags at once: no guess
    assert mlask.scores("嬉しい。悲しい。") == {}  # in two sentences too
    assert mlask.scores("いや、いや、これも命のあるものに違いない。") == {}  # いや: "no", not dislike


def test_probabilities_are_rows_over_the_tags(mlask: MLAskClassifier) -> None:
    texts = ["彼は嬉しくて、思わず笑った。", "駅は町の北にある。"]
    probs = mlask.probabilities(texts)
    assert probs.shape == (2, len(TAGS)) and np.allclose(probs.sum(axis=1), 1)
    assert TAGS[int(probs[0].argmax())] == "happy" and TAGS[int(probs[1].argmax())] == NEUTRAL
    assert [r["label"] for r in mlask.classify_texts(texts)] == ["happy", NEUTRAL]


def test_a_japanese_book_is_tagged_quote_by_quote_with_restraint() -> None:
    book = Book("本", [], "ja", [Chapter("一", [
        Paragraph("「恐ろしい、助けて」と子どもは言った。"),  # one fear word in speech: tagged
        Paragraph("男は悲しい顔で駅へ歩いた。"),  # one sad word in narration: not enough
        Paragraph("駅は町の北にある。"),
    ])])
    # the default thresholds; no neighbours to smooth with, no cap on the share tagged
    settings = EmotionSettings(model="mlask", smoothing=0, dialogue_smoothing=0, max_share=1.0)
    assert settings.dialogue_threshold <= ONE_WORD < settings.threshold
    tags = classify(book, settings)  # the configured languages say English; ML-Ask reads Japanese
    by_paragraph = {(t.paragraph, t.is_dialogue): t.tag for t in tags}
    assert by_paragraph[(0, True)] == "fearful" and by_paragraph[(0, False)] == NEUTRAL
    assert by_paragraph[(1, False)] == NEUTRAL and by_paragraph[(2, False)] == NEUTRAL
    english = Book("B", [], "en", [Chapter("One", [Paragraph('"I am so afraid," she said.')])])
    assert {t.tag for t in classify(english, settings)} == {NEUTRAL}  # ML-Ask does not read English
    assert tag_book(book, load_classifier("mlask"), settings.model_copy(update={"enabled": False}))[0].tag == NEUTRAL


def test_narrate_classify_takes_mlask() -> None:
    proc = subprocess.run([sys.executable, "-m", "narration.cli", "classify", "--model", "mlask", "--json"], cwd=ROOT,
                          input="ふざけるな、腹が立つ！\n駅は町の北にある。\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["label"] for line in proc.stdout.splitlines()] == ["angry", NEUTRAL]
