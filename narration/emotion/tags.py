"""The emotion tags the pipeline knows, and the default map from model labels to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

NEUTRAL = "neutral"
#: Every tag a passage can carry; ``Chunk.style`` holds one of these.
TAGS: tuple[str, ...] = (NEUTRAL, "happy", "sad", "angry", "fearful", "surprised", "disgusted")

#: Labels of the 7-class (Ekman + neutral) models: the bundled one and
#: j-hartmann/emotion-english-distilroberta-base both use these names.
DEFAULT_LABEL_MAP: dict[str, str] = {
    "neutral": NEUTRAL,
    "joy": "happy",
    "sadness": "sad",
    "anger": "angry",
    "fear": "fearful",
    "surprise": "surprised",
    "disgust": "disgusted",
}


def check_tag(tag: str) -> str:
    """``tag`` itself if it is known; ValueError naming the valid ones otherwise."""
    if tag not in TAGS:
        raise ValueError(f"unknown emotion tag {tag!r}; use one of {', '.join(TAGS)}")
    return tag


def verdicts(probs: np.ndarray) -> list[dict[str, Any]]:
    """Each row's top tag and its probability (columns in ``TAGS`` order): ``{"label": tag, "score": p}``.
    Here, beside ``TAGS``, so that every classifier (transformers, ML-Ask) shares it."""
    return [{"label": TAGS[int(row.argmax())], "score": float(row.max())} for row in probs]
