"""The hand-written literary training set (scripts/data/emotion_literary_train.tsv) is well
formed, balanced, and disjoint from the literary dev set it is evaluated on."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from narration.emotion.tags import TAGS

ROOT = Path(__file__).resolve().parents[1]
TRAIN_SET = ROOT / "scripts" / "data" / "emotion_literary_train.tsv"
DEV_SET = ROOT / "bench" / "data" / "emotion_literary_dev.tsv"
KINDS = {"speech", "narration"}
SHARED_RUN = 8  # no training row may share this many consecutive words with a dev row


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


def test_rows_parse_with_known_labels_and_kinds() -> None:
    rows = read_rows(TRAIN_SET)
    assert len(rows) >= 700
    assert {label for _, label, _ in rows} == set(TAGS)
    assert {kind for _, _, kind in rows} <= KINDS


def test_every_tag_has_at_least_100_rows_of_both_kinds() -> None:
    rows = read_rows(TRAIN_SET)
    per_tag = Counter(label for _, label, _ in rows)
    assert min(per_tag[tag] for tag in TAGS) >= 100, per_tag
    per_kind = Counter((label, kind) for _, label, kind in rows)
    for tag in TAGS:
        assert per_kind[tag, "speech"] >= 40 and per_kind[tag, "narration"] >= 40, (tag, per_kind)


def test_speech_rows_have_quotes_and_narration_rows_none() -> None:
    for text, _, kind in read_rows(TRAIN_SET):
        quoted = any(mark in text for mark in "“\"")
        assert quoted == (kind == "speech"), (kind, text)


def test_no_duplicate_texts() -> None:
    texts = [" ".join(words(text)) for text, _, _ in read_rows(TRAIN_SET)]
    repeated = [text for text, n in Counter(texts).items() if n > 1]
    assert not repeated


def test_no_row_shares_eight_consecutive_words_with_the_dev_set() -> None:
    dev_rows = read_rows(DEV_SET)
    dev_texts = {" ".join(words(text)) for text, _, _ in dev_rows}
    dev_runs: set[tuple[str, ...]] = set()
    for text, _, _ in dev_rows:
        dev_runs |= runs(text)
    same = [text for text, _, _ in read_rows(TRAIN_SET) if " ".join(words(text)) in dev_texts]
    assert not same, same
    shared = [text for text, _, _ in read_rows(TRAIN_SET) if runs(text) & dev_runs]
    assert not shared, shared
