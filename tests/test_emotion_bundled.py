"""The bundled classifier: shipped weights laid over the packaged MiniLM encoder, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from narration.emotion import EmotionSettings, bundled, load_classifier, tag_book
from narration.errors import ConfigError
from narration.eval.emotion import DATA_LABELS
from narration.model import Book, Chapter, Paragraph


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("narration-cache")


@pytest.fixture
def in_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NARRATION_CACHE", str(cache))
    return cache


@pytest.fixture(scope="module")
def classifier(cache: Path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATION_CACHE", str(cache))
        return load_classifier(device="cpu")


def test_shipped_weights_are_small_and_documented() -> None:
    weights = bundled.shipped_weights()
    assert weights.stat().st_size < 8_000_000  # the top two MiniLM layers, pooler and head in fp16 (7.4 MB)
    tensors, meta = bundled.read_artifact(weights)
    assert meta["labels"] == list(DATA_LABELS) and len(meta["base_sha256"]) == 64
    assert all(name.startswith(("bert.encoder.layer.", "bert.pooler.", "classifier.")) for name in tensors)
    report = json.loads((weights.parent / bundled.REPORT_NAME).read_text())
    assert report["weights_sha256"] == bundled.file_sha256(weights)  # the metrics belong to these weights
    assert report["dev"]["macro_f1"] >= 0.58
    assert set(report["dev"]["per_tag"]) == {"neutral", "happy", "sad", "angry", "fearful", "surprised", "disgusted"}


def test_assembled_once_into_the_cache(classifier, cache: Path) -> None:
    folders = sorted(p.name for p in cache.iterdir())
    assert any(name.startswith("emotion-minilm-") for name in folders)
    assert not any(name.startswith(".tmp-") for name in folders)


CLEAR = [
    ("Thank you so much, this is the best day of my life!", "happy"),
    ("I miss her so much, I cried all night after the funeral.", "sad"),
    ("How dare you lie to me, I am absolutely furious!", "angry"),
    ("I'm terrified, something is moving in the dark outside.", "fearful"),
    ("Wow, I did not expect that at all! Really?", "surprised"),
    ("That smell is disgusting, it makes me want to vomit.", "disgusted"),
    ("The meeting is at three o'clock in room twelve.", "neutral"),
]


def test_clear_sentences_get_their_emotion(classifier) -> None:
    verdicts = classifier.classify_texts([text for text, _ in CLEAR])
    right = [v["label"] == want for v, (_, want) in zip(verdicts, CLEAR, strict=True)]
    assert sum(right) >= 6, list(zip(verdicts, CLEAR, strict=True))


def test_a_book_is_mostly_neutral(classifier) -> None:
    calm = [
        "The road ran north between low stone walls.",
        "Breakfast was bread, a little cheese and the last of the milk.",
        "The train was due at four and came at twenty past.",
        "He counted the coins again and wrote the total in the ledger.",
    ]
    book = Book("t", chapters=[Chapter("One", [Paragraph(t) for t in calm + ["“I hate you! Get out!” she screamed."]])])
    tags = tag_book(book, classifier, EmotionSettings())
    assert [t.tag for t in tags[:4]] == ["neutral"] * 4
    assert tags[4].is_dialogue and tags[4].tag == "angry"


def test_weights_for_another_encoder_build_are_refused(in_cache: Path, tmp_path: Path) -> None:
    from safetensors.torch import save_file

    tensors, meta = bundled.read_artifact(bundled.shipped_weights())
    forged = tmp_path / "w.safetensors"
    save_file(tensors, str(forged), metadata=bundled.artifact_metadata({**meta, "base_sha256": "0" * 64}))
    with pytest.raises(ConfigError, match="different all-MiniLM-L6-v2 build"):
        bundled.assemble(bundled.base_encoder_dir(), forged, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_weights_say_how_to_build_them(in_cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(bundled, "shipped_weights", lambda: tmp_path / "gone.safetensors")
    with pytest.raises(ConfigError, match="train_emotion.py"):
        bundled.bundled_model_dir()
