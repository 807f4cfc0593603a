"""scripts/train_emotion.py end to end on a few rows: weights, metrics beside them, and loadable."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

from narration.emotion import bundled, load_classifier
from narration.eval.emotion import DATA_LABELS

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_emotion.py"


def write_split(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["text", "label"])
        for i in range(rows):
            label = DATA_LABELS[i % len(DATA_LABELS)]
            writer.writerow([f'Example {i}: I feel "{label}" about this today.', label])


def test_the_training_script_writes_small_weights_and_their_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NARRATION_CACHE", str(tmp_path / "cache"))
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    write_split(data / "train.tsv", 28)
    write_split(data / "dev.tsv", 14)
    literary = tmp_path / "literary.tsv"  # text<TAB>label<TAB>kind, our tags, mixed into training
    literary.write_text("text\tlabel\tkind\n" + "".join(
        f"Row {i}: she said it was {tag}.\t{tag}\tnarration\n"
        for i, tag in enumerate(("neutral", "happy", "sad", "angry", "fearful", "surprised", "disgusted"))
    ), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("train_emotion", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for folder in (out, tmp_path / "again"):
        args = ["--data", str(data), "--out", str(folder), "--epochs", "1", "--batch-size", "8",
                "--literary", str(literary), "--literary-repeat", "2"]
        monkeypatch.setattr("sys.argv", ["train_emotion.py", *args])
        script.main()

    weights = out / bundled.WEIGHTS_NAME
    report = json.loads((out / bundled.REPORT_NAME).read_text())
    assert report["weights_sha256"] == bundled.file_sha256(weights)
    assert report["data"]["sha256"]["train"] == bundled.file_sha256(data / "train.tsv")
    assert report["settings"]["seed"] == 13 and len(report["curve"]) == 1
    assert report["dev"]["dev_rows"] == 14 and 0 <= report["dev"]["macro_f1"] <= 1
    assert weights.stat().st_size < 8_000_000
    assert report["data"]["train_rows"] == 28 + 2 * 7 and report["data"]["sha256"]["literary"] == bundled.file_sha256(literary)
    assert 0.2 <= report["settings"]["temperature"] <= 5  # fitted on dev, folded into the head
    # Same seed, same data: the same bytes.
    assert bundled.file_sha256(tmp_path / "again" / bundled.WEIGHTS_NAME) == report["weights_sha256"]
    tensors, meta = bundled.read_artifact(weights)
    assert meta["data_sha256"] == report["data"]["sha256"] and meta["labels"] == list(DATA_LABELS)
    assert {str(t.dtype) for t in tensors.values()} == {"torch.float16"}
    assert any(name.startswith("bert.encoder.layer.4.") for name in tensors)
    assert not any(name.startswith("bert.encoder.layer.3.") for name in tensors)  # only the top two layers
    model_dir = bundled.assemble(bundled.base_encoder_dir(), weights, tmp_path / "model")
    classifier = load_classifier(str(model_dir), local_files_only=True)
    assert len(classifier.classify_texts(["I am so happy today!"])) == 1
