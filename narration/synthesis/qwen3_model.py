"""Find, identify and load a Qwen3-TTS CustomVoice checkpoint.

A model is a Hugging Face hub id (fetched once into the hub cache, then used offline) or a local
directory. Either way it is resolved to a directory before anything loads, and gets an identity
that goes into every chunk's cache key: the hub id and commit, or a digest of the directory.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narration.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice"
QUANTIZATIONS = ("nf4", "int8", "bf16", "fp32")
ATTENTIONS = ("auto", "flash_attention_2", "sdpa", "eager")
# Kept out of bitsandbytes: the code predictor (15 small steps per frame, precision-sensitive) and
# the speech tokenizer's encoder/decoder. Without an explicit list, quantization crashes
# ("cannot pickle 'dict_keys'"). The same kwargs reach the speech tokenizer's from_pretrained.
SKIP_QUANTIZATION = ["codec_head", "code_predictor", "decoder", "encoder"]

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
_WHOLE_FILE_LIMIT = 4 << 20  # files up to this size are hashed whole
_EDGE = 1 << 20  # larger ones (weights): size plus their first and last MiB


@dataclass(frozen=True)
class ModelSource:
    path: Path  # a local directory holding config.json, the weights and speech_tokenizer/
    identity: dict[str, str]  # {"id", "revision"} for hub models, {"dir_digest"} for directories


@dataclass(frozen=True)
class ModelInfo:
    """What config.json and generation_config.json say, read without loading weights."""

    model_size: str  # "1b7", "0b6"
    speakers: tuple[str, ...]  # lower-case, as qwen_tts matches them
    languages: tuple[str, ...]  # lower-case qwen language names ("english", ...)
    generation: dict[str, Any]  # sampling defaults shipped with the model
    layers: int
    hidden_size: int
    kv_heads: int
    head_dim: int

    @property
    def follows_instructions(self) -> bool:
        # Mirrors qwen_tts, which drops instructions when ``tts_model_size in "0b6"`` (the 0.6B
        # model; a substring test, so an empty size counts too).
        return self.model_size not in "0b6"


def directory_digest(directory: Path) -> str:
    """A digest of the files under ``directory`` (names, sizes, contents; large files by their edges).

    Hashing gigabytes on every start would cost seconds; a weight file that changes keeps neither
    its size nor its first and last megabyte in practice (safetensors start with a header of
    tensor names and offsets).
    """
    digest = hashlib.sha256()
    files = sorted(p for p in directory.rglob("*") if p.is_file() and not _hidden(p.relative_to(directory)))
    for path in files:
        size = path.stat().st_size
        digest.update(f"{path.relative_to(directory).as_posix()}\0{size}\0".encode())
        with open(path, "rb") as fh:
            if size <= _WHOLE_FILE_LIMIT:
                digest.update(fh.read())
            else:
                digest.update(fh.read(_EDGE))
                fh.seek(size - _EDGE)
                digest.update(fh.read(_EDGE))
    return digest.hexdigest()[:20]


def _hidden(relative: Path) -> bool:
    # .cache/huggingface holds download metadata in --local-dir downloads, not model content.
    return any(part.startswith(".") for part in relative.parts)


def resolve_model(model: str, revision: str | None = None, local_files_only: bool = False) -> ModelSource:
    """A local directory, or a hub id fetched into (or found in) the Hugging Face cache."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ConfigError(f"{path}: not a Qwen3-TTS model directory (no config.json)")
        return ModelSource(path=path.resolve(), identity={"dir_digest": directory_digest(path)})
    if not _REPO_ID.match(model):
        raise ConfigError(f"Qwen3-TTS model {model!r}: no such directory, and not a hub id like {DEFAULT_MODEL}")
    from huggingface_hub import snapshot_download

    try:
        snapshot = Path(snapshot_download(repo_id=model, revision=revision, local_files_only=local_files_only))
    except Exception as exc:  # offline, not cached, no such repo, network: all mean "not available"
        raise ConfigError(
            f"Qwen3-TTS model {model!r} is not in the Hugging Face cache and could not be fetched "
            f"({type(exc).__name__}: {exc}). Fetch it once online (huggingface-cli download {model}) "
            "or pass a local directory."
        ) from None
    return ModelSource(path=snapshot, identity={"id": model, "revision": snapshot.name})


def read_model_info(directory: Path) -> ModelInfo:
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{directory}/config.json: cannot read it ({exc})") from None
    if config.get("tts_model_type") != "custom_voice":
        raise ConfigError(
            f"{directory}: a Qwen3-TTS {config.get('tts_model_type')!r} model; narration needs a CustomVoice one"
        )
    talker = config.get("talker_config", {})
    generation_path = directory / "generation_config.json"
    generation = json.loads(generation_path.read_text(encoding="utf-8")) if generation_path.is_file() else {}
    return ModelInfo(
        model_size=str(config.get("tts_model_size", "")),
        speakers=tuple(sorted(str(s).lower() for s in talker.get("spk_id", {}))),
        languages=tuple(sorted(str(s).lower() for s in talker.get("codec_language_id", {}) if "dialect" not in s)),
        generation=generation,
        layers=int(talker.get("num_hidden_layers", 28)),
        hidden_size=int(talker.get("hidden_size", 2048)),
        kv_heads=int(talker.get("num_key_value_heads", 8)),
        head_dim=int(talker.get("head_dim", 128)),
    )


def load_kwargs(device: str, quantization: str) -> dict[str, Any]:
    """``from_pretrained`` kwargs for a device and quantization (attention chosen separately)."""
    import torch

    if quantization not in QUANTIZATIONS:
        raise ConfigError(f"unknown quantization {quantization!r}; use one of {', '.join(QUANTIZATIONS)}")
    kwargs: dict[str, Any] = {"device_map": device, "dtype": torch.float32 if quantization == "fp32" else torch.bfloat16}
    if quantization in ("nf4", "int8"):
        if importlib.util.find_spec("bitsandbytes") is None:
            raise ConfigError(f"quantization {quantization} needs bitsandbytes: pip install 'narration[gpu]'")
        from transformers import BitsAndBytesConfig

        if quantization == "nf4":
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_compute_dtype=torch.bfloat16,
                bnb_4bit_use_double_quant=True,
                llm_int8_skip_modules=list(SKIP_QUANTIZATION),
            )
        else:
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_8bit=True, llm_int8_skip_modules=list(SKIP_QUANTIZATION)
            )
    return kwargs


def choose_attention(requested: str, device: str) -> str:
    """flash_attention_2 when asked for, or on "auto" with CUDA and flash-attn installed; else SDPA."""
    if requested not in ATTENTIONS:
        raise ConfigError(f"unknown attention {requested!r}; use one of {', '.join(ATTENTIONS)}")
    if requested != "auto":
        return requested
    if device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


_said: set[str] = set()


def _say_once(message: str, *args: Any) -> None:
    text = message % args
    if text not in _said:
        _said.add(text)
        log.info(text)


def load_model(source: ModelSource, device: str, quantization: str, attention: str) -> tuple[Any, str]:
    """Load the checkpoint; returns (``Qwen3TTSModel``, the attention implementation it runs with).

    flash-attn missing or unusable raises ImportError inside ``from_pretrained``: the load is
    retried with SDPA, and the choice is logged once per process.
    """
    from narration.synthesis.torchaudio_shim import import_qwen_tts

    qwen_tts = import_qwen_tts()
    kwargs = load_kwargs(device, quantization)
    chosen = choose_attention(attention, device)
    try:
        model = qwen_tts.Qwen3TTSModel.from_pretrained(str(source.path), attn_implementation=chosen, **kwargs)
    except ImportError as exc:
        if chosen != "flash_attention_2":
            raise
        _say_once("Qwen3-TTS attention: sdpa (flash_attention_2 unavailable: %s)", str(exc).splitlines()[0])
        chosen = "sdpa"
        model = qwen_tts.Qwen3TTSModel.from_pretrained(str(source.path), attn_implementation=chosen, **kwargs)
    else:
        _say_once("Qwen3-TTS attention: %s", chosen)
    return model, chosen


def _gpu_device_present() -> bool:
    """Whether this machine shows a GPU device node at all, checked without importing torch
    (seconds of start-up for every ``narrate``): on Linux CUDA needs /dev/nvidia* (ROCm /dev/kfd),
    and macOS has no CUDA. Elsewhere, or when one is there, torch is asked."""
    import glob
    import os
    import sys

    if sys.platform == "darwin":
        return False
    if sys.platform.startswith("linux"):
        return bool(glob.glob("/dev/nvidia*")) or os.path.exists("/dev/kfd")
    return True


def unavailable_reason(model: str | None = None, revision: str | None = None, need_cuda: bool = True) -> str | None:
    """Why the qwen3 backend cannot run here (None when it can): for picking it or Piper.

    A hub model counts as available when it is in the Hugging Face cache, or when the hub
    answers for it and downloads are allowed (it is then fetched on first use). Nothing heavy is
    imported or downloaded.
    """
    import os

    if need_cuda:
        if not _gpu_device_present():
            return "no CUDA GPU"
        import torch

        if not torch.cuda.is_available():
            return "no CUDA GPU"
    if importlib.util.find_spec("qwen_tts") is None:
        return "qwen-tts is not installed (pip install 'narration[gpu]')"
    model = model or DEFAULT_MODEL
    path = Path(model).expanduser()
    if path.is_dir():
        return None if (path / "config.json").is_file() else f"{path} has no config.json"
    if not _REPO_ID.match(model):
        return f"no model directory {model}"
    import huggingface_hub

    try:
        huggingface_hub.snapshot_download(repo_id=model, revision=revision, local_files_only=True)
        return None
    except Exception:  # not (fully) cached
        pass
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return f"{model} is not in the Hugging Face cache and HF_HUB_OFFLINE is set"
    try:
        huggingface_hub.model_info(model, revision=revision)
    except Exception as exc:
        return f"{model} is not cached and the hub cannot be reached for it ({type(exc).__name__})"
    return None
