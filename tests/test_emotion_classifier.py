"""The hub-model loading and inference code, on tiny BERT models built here (nothing downloaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narration.emotion.classifier import MAX_TOKENS, classify_texts, load_classifier
from narration.emotion.tags import DEFAULT_LABEL_MAP, TAGS
from narration.errors import ConfigError

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

WORDS = "the a she he was is and i am so very happy sad angry afraid wow gross rain house road night".split()
EKMAN = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]


def build_tiny_model(
    folder: Path, labels: list[str], *, bias_for: str | None = None, problem_type: str | None = None
) -> Path:
    """A 2-layer, 32-wide BERT classifier with a WordPiece vocab of a few words, saved to ``folder``.

    ``bias_for`` makes that label win for any input (zero head weights, large bias).
    """
    vocab = folder / "vocab.txt"
    folder.mkdir(parents=True, exist_ok=True)
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, ".", ",", "!"]) + "\n")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    config = transformers.BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=512,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        problem_type=problem_type,
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    if bias_for is not None:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias.fill_(-5.0)
            model.classifier.bias[labels.index(bias_for)] = 5.0
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), EKMAN)


def test_loads_a_model_folder_and_returns_one_verdict_per_text(tiny: Path) -> None:
    classifier = load_classifier(str(tiny), local_files_only=True, device="cpu", batch_size=2)
    texts = ["she was so happy", "the rain", "he is angry and afraid", "wow", ""]
    probs = classifier.probabilities(texts)
    assert probs.shape == (len(texts), len(TAGS))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    verdicts = classifier.classify_texts(texts)
    assert len(verdicts) == len(texts)
    for row, verdict in zip(probs, verdicts, strict=True):
        assert verdict["label"] == TAGS[int(row.argmax())]
        assert verdict["score"] == pytest.approx(float(row.max()))
    # Batching and length-sorting must not reorder: each text alone gives the same row.
    for text, row in zip(texts, probs, strict=True):
        assert np.allclose(classifier.probabilities([text])[0], row, atol=1e-5)


@pytest.mark.parametrize("label", ["sadness", "joy", "fear"])
def test_model_labels_are_mapped_to_our_tags(tmp_path: Path, label: str) -> None:
    folder = build_tiny_model(tmp_path / "m", EKMAN, bias_for=label)
    result = classify_texts(["she was sad", "the house"], load_classifier(str(folder), local_files_only=True))
    assert {r["label"] for r in result} == {DEFAULT_LABEL_MAP[label]}
    assert all(r["score"] > 0.9 for r in result)


def test_a_custom_label_map_can_merge_labels(tmp_path: Path) -> None:
    labels = ["LABEL_0", "LABEL_1", "LABEL_2"]
    folder = build_tiny_model(tmp_path / "m", labels, bias_for="LABEL_2")
    classifier = load_classifier(
        str(folder), {"label_0": "neutral", "LABEL_1": "happy", "LABEL_2": "happy"}, local_files_only=True
    )
    probs = classifier.probabilities(["wow"])
    assert classifier.classify_texts(["wow"])[0]["label"] == "happy"
    assert probs[0, TAGS.index("sad")] == 0.0  # no model label maps there


def test_multi_label_models_are_normalised(tmp_path: Path) -> None:
    folder = build_tiny_model(tmp_path / "m", EKMAN, problem_type="multi_label_classification", bias_for="anger")
    classifier = load_classifier(str(folder), local_files_only=True)
    probs = classifier.probabilities(["he is angry", "the road"])
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert classifier.classify_texts(["he is angry"])[0]["label"] == "angry"


def test_long_passages_are_read_in_windows_not_cut(tiny: Path) -> None:
    classifier = load_classifier(str(tiny), local_files_only=True)
    windows = classifier._windows(["she was happy . " * MAX_TOKENS, "rain"])
    passages = windows["passage"]
    assert passages.count(0) >= 3 and passages.count(1) == 1
    assert max(len(ids) for ids in windows["input_ids"]) <= MAX_TOKENS
    probs = classifier.probabilities(["she was happy . " * MAX_TOKENS, "rain"])
    assert probs.shape == (2, len(TAGS))


def test_a_label_map_missing_a_model_label_is_refused(tmp_path: Path) -> None:
    folder = build_tiny_model(tmp_path / "m", [*EKMAN, "love"])
    with pytest.raises(ConfigError, match="'love'"):
        load_classifier(str(folder), local_files_only=True)


def test_a_label_map_to_an_unknown_tag_is_refused(tiny: Path) -> None:
    with pytest.raises(ConfigError, match="elated"):
        load_classifier(str(tiny), {**DEFAULT_LABEL_MAP, "joy": "elated"}, local_files_only=True)


def test_an_unknown_hub_id_offline_says_how_to_use_a_local_folder() -> None:
    with pytest.raises(ConfigError) as error:
        load_classifier("nobody-here/no-such-emotion-model", local_files_only=True)
    message = str(error.value)
    assert "nobody-here/no-such-emotion-model" in message
    assert "cannot be downloaded" in message and "folder" in message


def test_bad_folders_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_classifier(str(tmp_path / "missing" / "model"), local_files_only=True)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="not a transformers model"):
        load_classifier(str(tmp_path / "empty"), local_files_only=True)


def test_languages_decide_which_books_the_model_reads(tiny: Path) -> None:
    english = load_classifier(str(tiny), local_files_only=True)
    assert english.reads("en") and english.reads("en-GB") and not english.reads("ja")
    japanese = load_classifier(str(tiny), local_files_only=True, languages=["ja"])
    assert japanese.reads("ja") and not japanese.reads("en")


def test_slow_tokenizers_are_truncated_instead_of_windowed(tiny: Path) -> None:
    classifier = load_classifier(str(tiny), local_files_only=True)
    classifier.tokenizer = transformers.BertTokenizer(vocab_file=str(tiny / "vocab.txt"))
    assert not classifier.tokenizer.is_fast
    probs = classifier.probabilities(["she was happy . " * MAX_TOKENS, "rain"])
    assert probs.shape == (2, len(TAGS)) and np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_weak_multi_label_scores_stay_neutral(tiny: Path) -> None:
    classifier = load_classifier(str(tiny), local_files_only=True)
    classifier.model.config.problem_type = "multi_label_classification"
    weak = np.full((1, len(EKMAN)), 0.02)
    weak[0, EKMAN.index("fear")] = 0.2  # the only signal, and a weak one
    per_tag = classifier._per_tag(weak)
    assert per_tag[0].argmax() == TAGS.index("neutral") and per_tag[0, TAGS.index("fearful")] < 0.25
