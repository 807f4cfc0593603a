"""Synthesis backends, chosen by name. Imports are lazy: a backend's heavy dependencies load
only when it is picked."""

from __future__ import annotations

import importlib
from typing import Any

from narration.audio import Audio
from narration.errors import ConfigError
from narration.language import primary_language
from narration.model import Utterance
from narration.synthesis.base import Backend

# name -> "module:class"; the modules import their engines only when instantiated.
BACKENDS: dict[str, str] = {
    "piper": "narration.synthesis.piper:PiperBackend",
    "qwen3": "narration.synthesis.qwen3:Qwen3Backend",
    "kokoro": "narration.synthesis.kokoro:KokoroBackend",
    "kokoro-en": "narration.synthesis.kokoro_en:KokoroEnglishBackend",
}

# The CPU voice per book language when ``auto`` does not pick qwen3; Piper for the others, and
# for English when Kokoro's English extra or voices are not installed.
CPU_VOICES = {"ja": "kokoro", "en": "kokoro-en"}
FALLBACK_VOICE = "piper"


def available_backends() -> list[str]:
    return sorted(BACKENDS)


def backend_class(name: str) -> type:
    """The class registered as ``name``; an unknown name lists the available ones."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"unknown backend {name!r}; available: {', '.join(available_backends())}"
        ) from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)


def choose_backend(model: str | None = None, language: str = "en") -> tuple[str, str]:
    """The backend ``auto`` stands for here, and why: qwen3 on a CUDA machine whose model is a
    local dir or in (or fetchable into) the Hugging Face cache, else the bundled CPU voice for
    the language (Kokoro for Japanese and English, Piper otherwise or when Kokoro's English is
    not installed)."""
    from narration.synthesis.qwen3_model import unavailable_reason

    reason = unavailable_reason(model)
    if reason is None:
        return "qwen3", "CUDA GPU with the Qwen3-TTS model"
    cpu = CPU_VOICES.get(primary_language(language), FALLBACK_VOICE)
    if cpu == "kokoro-en" and (missing := kokoro_english_missing()):
        return FALLBACK_VOICE, f"CPU voice for {language!r}; kokoro-en not used: {missing}; qwen3 not used: {reason}"
    return cpu, f"CPU voice for {language!r}; qwen3 not used: {reason}"


def kokoro_english_missing() -> str | None:
    """What the English Kokoro voice lacks here (its packages, its default voice), or None.
    Looks only: nothing is loaded."""
    from narration.synthesis import kokoro_en, kokoro_voices

    try:
        kokoro_en._check_installed()
    except ConfigError as exc:
        return str(exc)
    if kokoro_en.DEFAULT_VOICE not in kokoro_voices.installed_voices():
        return f"its voices are not installed in {kokoro_voices.voices_dir()} (scripts/setup.sh fetches them)"
    return None


def get_backend(name: str, **options: Any) -> Backend:
    """Instantiate the backend called ``name`` with its options."""
    return backend_class(name)(**options)


__all__ = ["Audio", "Backend", "Utterance", "available_backends", "backend_class", "choose_backend", "get_backend"]
