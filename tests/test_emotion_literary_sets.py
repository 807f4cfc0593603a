"""The hand-written literary sets: the dev set (bench/data/emotion_literary_dev.tsv, never trained
on) and the training set (scripts/data/emotion_literary_train.tsv) are well formed, balanced over
the seven tags and both kinds, and kept apart: the dev set from all training data, the training
set from the dev set (no run of eight words in common)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from narration.emotion.tags import TAGS
from narration.eval.emotion import default_data_dir

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "bench" / "data" / "emotion_literary_dev.tsv"
TRAIN_SET = ROOT / "scripts" / "data" / "emotion_literary_train.tsv"
KINDS = {"speech", "narration"}
SHARED_RUN = 8  # no training row may share this many consecutive words with a dev row
# (file, least rows, least per tag, least per tag and kind)
SETS = [(DEV_SET, 300, 40, 10), (TRAIN_SET, 700, 100, 40)]


def read_rows(path: Path) -> list[tuple[str, str, str]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "text\tlabel\tkind", path
    assert lines[-1] == "", f"{path}: the file ends with one newline"
    rows = []
    for number, line in enumerate(lines[1:-1], start=2):
        fields = line.split("\t")
        assert len(fields) == 3, f"{path.name} line {number}: expected 3 tab-separated fields, got {len(fields)}"
        assert fields[0] == fields[0].strip() and fields[0], f"{path.name} line {number}: empty or padded text"
        rows.append((fields[0], fields[1], fields[2]))
    return rows


def words(text: str) -> list[str]:
    """Lowercased words with punctuation (straight and curly) stripped."""
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def runs(text: str, n: int = SHARED_RUN) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@pytest.mark.parametrize(("path", "least", "per_tag", "per_kind"), SETS, ids=["dev", "train"])
def test_rows_parse_balanced_over_tags_and_kinds(path: Path, least: int, per_tag: int, per_kind: int) -> None:
    rows = read_rows(path)
    assert len(rows) >= least
    assert {label for _, label, _ in rows} == set(TAGS)
    assert {kind for _, _, kind in rows} <= KINDS
    tags = Counter(label for _, label, _ in rows)
    assert min(tags[tag] for tag in TAGS) >= per_tag, tags
    kinds = Counter((label, kind) for _, label, kind in rows)
    for tag in TAGS:
        assert kinds[tag, "speech"] >= per_kind and kinds[tag, "narration"] >= per_kind, (tag, kinds)


@pytest.mark.parametrize("path", [DEV_SET, TRAIN_SET], ids=["dev", "train"])
def test_no_duplicates_and_quotes_mark_speech(path: Path) -> None:
    rows = read_rows(path)
    texts = [" ".join(words(text)) for text, _, _ in rows]
    assert not [text for text, n in Counter(texts).items() if n > 1]
    for text, _, kind in rows:
        assert any(mark in text for mark in "“\"") == (kind == "speech"), (kind, text)


def test_the_training_set_shares_no_run_of_eight_words_with_the_dev_set() -> None:
    dev_rows = read_rows(DEV_SET)
    dev_texts = {" ".join(words(text)) for text, _, _ in dev_rows}
    dev_runs: set[tuple[str, ...]] = set()
    for text, _, _ in dev_rows:
        dev_runs |= runs(text)
    train = read_rows(TRAIN_SET)
    assert not [text for text, _, _ in train if " ".join(words(text)) in dev_texts]
    assert not [text for text, _, _ in train if runs(text) & dev_runs]


def test_no_dev_row_is_in_the_training_data() -> None:
    data = default_data_dir()
    files = [data / name for name in ("train.tsv", "dev.tsv")]
    if not all(f.is_file() for f in files):
        pytest.skip(f"training data not here ({data}): the overlap check needs shared/data/emotion")
    seen: set[str] = set()
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh, delimiter="\t")
            next(reader)
            seen.update(row[0].strip().casefold() for row in reader if row)
    texts = [text.casefold() for text, _, _ in read_rows(DEV_SET)] + [text.casefold() for text, _, _ in read_rows(TRAIN_SET)]
    assert not [t for t in texts if t in seen]
