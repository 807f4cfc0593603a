"""Synthesis backends, chosen by name. Imports are lazy: a backend's heavy dependencies load
only when it is picked."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
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
    "kokoro-multi": "narration.synthesis.kokoro_multi:KokoroMultilingualBackend",
}

# The CPU voice per book language when ``auto`` does not pick qwen3; Piper for the others, and
# for English when Kokoro's English extra or voices are not installed. A book whose chapters
# mix Kokoro's v1.0 languages reads with kokoro-multi.
KOKORO_V1 = ("en", "es", "fr", "it", "pt", "hi", "zh")
CPU_VOICES = {"ja": "kokoro", "en": "kokoro-en", **{language: "kokoro-multi" for language in KOKORO_V1[1:]}}
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


def choose_backend(model: str | None = None, language: str = "en", others: Sequence[str] = ()) -> tuple[str, str]:
    """The backend ``auto`` stands for here, and why: qwen3 on a CUDA machine whose model is a
    local dir or in (or fetchable into) the Hugging Face cache, else the bundled CPU voice for
    the language (Kokoro for Japanese, English, Spanish, French, Italian, Portuguese, Hindi and
    Mandarin; Piper otherwise or when Kokoro's packages or voices are not installed). ``others``:
    the languages of chapters not in the book's language."""
    from narration.synthesis.qwen3_model import unavailable_reason

    languages = list(dict.fromkeys(map(primary_language, [language, *others])))
    reason = unavailable_reason(model)
    if reason is None:
        taught = reads("qwen3", None) or frozenset()
        if not (untaught := [lang for lang in languages if lang not in taught]):
            return "qwen3", "CUDA GPU with the Qwen3-TTS model"
        reason = f"it does not read {untaught[0]!r}"  # (Hindi): the CPU voice that reads it, if one does
    mixed = len(languages) > 1 and all(lang in KOKORO_V1 for lang in languages)
    cpu = "kokoro-multi" if mixed else CPU_VOICES.get(languages[0], FALLBACK_VOICE)
    said = "CPU voice for " + " and ".join(map(repr, languages))
    if cpu in ("kokoro-en", "kokoro-multi") and (missing := kokoro_missing(languages)):
        return FALLBACK_VOICE, f"{said}; {cpu} not used: {missing}; qwen3 not used: {reason}"
    return cpu, f"{said}; qwen3 not used: {reason}"


def kokoro_missing(languages: Sequence[str]) -> str | None:
    """What Kokoro v1.0 lacks here to read ``languages`` (its packages, their voices), or None."""
    if missing := kokoro_english_missing():
        return missing
    from narration.synthesis import kokoro_multi, kokoro_voices

    wanted = [kokoro_multi.DEFAULT_VOICES[lang] for lang in languages if lang in kokoro_multi.DEFAULT_VOICES]
    if absent := [v for v in wanted if v not in kokoro_voices.installed_voices()]:
        return f"voice {absent[0]} is not installed in {kokoro_voices.voices_dir()} (scripts/setup.sh fetches them)"
    if "zh" in languages and importlib.util.find_spec("jieba") is None:
        return f"Mandarin needs misaki[zh] (jieba, pypinyin, cn2an); {kokoro_multi.INSTALL_HINT}"
    return None


def reads(name: str, voice: str | None) -> frozenset[str] | None:
    """The languages backend ``name`` reads with ``voice`` (primary tags), or None where it
    cannot tell (a voice whose config names no language): that is the user's word."""
    cls = backend_class(name)
    found = getattr(cls, "reads", None)
    return found(voice) if callable(found) else getattr(cls, "languages", None)


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


__all__ = [
    "Audio", "Backend", "Utterance", "available_backends", "backend_class", "choose_backend", "get_backend", "reads",
]  # fmt: skip
