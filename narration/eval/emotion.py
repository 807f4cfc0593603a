"""Labelled emotion data and scores, shared by the training script and the benchmarks.

Two kinds of data: the 7-class GoEmotions set in ``shared/data/emotion`` (see its SOURCE.md),
``text<TAB>label`` with a header and standard CSV quoting, labelled with the data's labels; and
the hand-written literary sets (``bench/data/emotion_literary_dev.tsv``, never trained on, and
``scripts/data/emotion_literary_train.tsv``), ``text<TAB>label<TAB>kind`` with no quoting,
labelled with our tags and marked speech or narration.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from narration.emotion.tags import DEFAULT_LABEL_MAP, NEUTRAL, TAGS
from narration.model import Book, Chapter, Paragraph

#: The data's labels, in the order the bundled model's outputs use.
DATA_LABELS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")
#: The data label each tag stands for.
TAG_TO_LABEL: dict[str, str] = {tag: label for label, tag in DEFAULT_LABEL_MAP.items() if label in DATA_LABELS}
KINDS = ("speech", "narration")  # what a literary row is: a quotation's words, or the narrator's


def default_data_dir() -> Path:
    """``shared/data/emotion`` beside the repository (CI) or inside it."""
    repo = Path(__file__).resolve().parents[2]
    for candidate in (repo.parent / "shared" / "data" / "emotion", repo / "shared" / "data" / "emotion"):
        if candidate.is_dir():
            return candidate
    return repo.parent / "shared" / "data" / "emotion"


def read_labelled(path: str | Path) -> tuple[list[str], list[str]]:
    """(texts, labels) of a ``text<TAB>label`` file; ValueError on an unknown label."""
    texts, labels = [], []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader)
        if header != ["text", "label"]:
            raise ValueError(f"{path}: expected the header text<TAB>label, got {header}")
        for row in reader:
            if row[1] not in DATA_LABELS:
                raise ValueError(f"{path}: line {reader.line_num}: unknown label {row[1]!r}")
            texts.append(row[0])
            labels.append(row[1])
    return texts, labels


def read_literary(path: str | Path) -> tuple[list[str], list[str], list[str]]:
    """(texts, tags, kinds) of a literary set; ValueError on a bad header, tag or kind."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != "text\tlabel\tkind":
        raise ValueError(f"{path}: expected the header text<TAB>label<TAB>kind, got {lines[0] if lines else ''!r}")
    texts, tags, kinds = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        text, tag, kind = line.split("\t")
        if tag not in TAGS or kind not in KINDS:
            raise ValueError(f"{path}: line {number}: unknown tag {tag!r} or kind {kind!r}")
        texts.append(text)
        tags.append(tag)
        kinds.append(kind)
    return texts, tags, kinds


def f1_report(gold_tags: Sequence[str], predicted_tags: Sequence[str]) -> dict[str, Any]:
    """Macro-F1 and per-tag precision, recall, F1 and support over the 7 tags."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = list(TAGS)
    precision, recall, f1, support = precision_recall_fscore_support(
        gold_tags, predicted_tags, labels=labels, zero_division=0
    )
    return {
        "macro_f1": float(f1.mean()),
        "accuracy": float(sum(g == p for g, p in zip(gold_tags, predicted_tags, strict=True)) / max(len(gold_tags), 1)),
        "per_tag": {
            tag: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for tag, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion": {"labels": labels, "matrix": confusion_matrix(gold_tags, predicted_tags, labels=labels).tolist()},
    }


def as_tags(labels: Sequence[str]) -> list[str]:
    return [DEFAULT_LABEL_MAP[label] for label in labels]


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"macro-F1 {report['macro_f1']:.3f}   accuracy {report['accuracy']:.3f}",
        "tag         precision recall  F1     n",
    ]
    for tag, row in report["per_tag"].items():
        lines.append(f"{tag:<11} {row['precision']:.3f}     {row['recall']:.3f}   {row['f1']:.3f}  {row['support']}")
    return "\n".join(lines)


# --- the literary dev set as the pipeline reads it (bench/emotion_eval.py, bench/emotion_models.py)

#: The seed of the fixed tune/check halves of the literary dev set (bench/emotion_models.py's SEED).
TUNING_SEED = 13


def tuning_split(n: int, seed: int = TUNING_SEED) -> tuple[np.ndarray, np.ndarray]:
    """A fixed random half of the literary dev rows to tune on, and the other half to check."""
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[: n // 2]), np.sort(perm[n // 2:])


def literary_parts(texts: list[str]) -> list:
    """The pipeline's classified parts of each literary row (each row its own chapter): a row's
    quoted speech and its narration are classified apart (``tagging._parts``)."""
    from narration.emotion.tagging import _parts  # the tagging stack only where it is used

    book = Book("literary", chapters=[Chapter(str(i), [Paragraph(t)]) for i, t in enumerate(texts)])
    return _parts(book)


def row_tags(parts: list, part_tags: list[str], kinds: list[str]) -> tuple[list[str], int]:
    """Per literary row, the tag the pipeline gives the part of the row's kind (its speech for a
    speech row, its narration for a narration row; the other part when the row has only one),
    and how many rows got a non-neutral tag on their other part as well."""
    by_row: dict[int, dict[bool, str]] = {}
    for part, tag in zip(parts, part_tags, strict=True):
        by_row.setdefault(part.chapter, {})[part.speech] = tag
    out, extra = [], 0
    for row, kind in enumerate(kinds):
        mine = by_row[row]
        want = kind == "speech"
        out.append(mine.get(want, mine.get(not want)))
        extra += want in mine and (not want) in mine and mine[not want] != NEUTRAL
    return out, extra
