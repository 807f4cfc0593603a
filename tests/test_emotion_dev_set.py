"""The hand-written literary dev set (bench/data/emotion_literary_dev.tsv) is well formed,
balanced, and kept apart from the training data."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from narration.emotion.evaluation import default_data_dir
from narration.emotion.tags import TAGS

DEV_SET = Path(__file__).resolve().parents[1] / "bench" / "data" / "emotion_literary_dev.tsv"
KINDS = {"speech", "narration"}


def read_rows() -> list[tuple[str, str, str]]:
    lines = DEV_SET.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "text\tlabel\tkind"
    assert lines[-1] == "", "the file ends with one newline"
    rows = []
    for number, line in enumerate(lines[1:-1], start=2):
        fields = line.split("\t")
        assert len(fields) == 3, f"line {number}: expected 3 tab-separated fields, got {len(fields)}"
        assert fields[0] == fields[0].strip() and fields[0], f"line {number}: empty or padded text"
        rows.append((fields[0], fields[1], fields[2]))
    return rows


def test_rows_parse_with_known_labels_and_kinds() -> None:
    rows = read_rows()
    assert len(rows) >= 300
    assert {label for _, label, _ in rows} == set(TAGS)
    assert {kind for _, _, kind in rows} <= KINDS


def test_every_tag_has_enough_rows_of_both_kinds() -> None:
    rows = read_rows()
    per_tag = Counter(label for _, label, _ in rows)
    assert min(per_tag[tag] for tag in TAGS) >= 40, per_tag
    per_kind = Counter((label, kind) for _, label, kind in rows)
    for tag in TAGS:
        assert per_kind[tag, "speech"] >= 10 and per_kind[tag, "narration"] >= 10, (tag, per_kind)


def test_no_duplicate_texts() -> None:
    texts = [text.casefold() for text, _, _ in read_rows()]
    repeated = [text for text, n in Counter(texts).items() if n > 1]
    assert not repeated


def test_speech_rows_have_quotes_and_narration_rows_none() -> None:
    for text, _, kind in read_rows():
        quoted = any(mark in text for mark in "“\"")
        assert quoted == (kind == "speech"), (kind, text)


def test_no_row_is_in_the_training_data() -> None:
    data = default_data_dir()
    files = [data / name for name in ("train.tsv", "dev.tsv")]
    if not all(f.is_file() for f in files):
        pytest.skip(f"training data not here ({data}): the overlap check needs shared/data/emotion")
    seen_exact: set[str] = set()
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            next(reader)
            seen_exact.update(row[0].strip() for row in reader if row)
    seen_folded = {text.casefold() for text in seen_exact}
    texts = [text for text, _, _ in read_rows()]
    assert not [t for t in texts if t in seen_exact]
    assert not [t for t in texts if t.casefold() in seen_folded]
