"""The bundled Piper voice, for real: no mocks, it's fast enough (RTF ~0.1 on 2 cores)."""

from __future__ import annotations

import numpy as np
import pytest

from narration.errors import ConfigError
from narration.model import Utterance
from narration.synthesis import available_backends, get_backend
from narration.synthesis.base import Backend


@pytest.fixture(scope="module")
def piper() -> Backend:
    return get_backend("piper")


def test_batch_returns_one_float32_waveform_per_utterance(piper: Backend) -> None:
    batch = [Utterance("The fox looked up at the grapes."), Utterance("Short.")]
    out = piper.synthesize(batch)
    assert len(out) == 2
    for audio in out:
        assert audio.samples.dtype == np.float32
        assert audio.sample_rate == 22050
        assert np.isfinite(audio.samples).all()
        assert np.abs(audio.samples).max() <= 1.0
        assert np.sqrt(np.mean(audio.samples**2)) > 0.01  # speech, not silence
    # A longer text takes longer to say.
    assert out[0].duration > out[1].duration > 0.2


def test_sentences_in_one_utterance_are_joined_with_a_pause(piper: Backend) -> None:
    audio = piper.synthesize([Utterance("One sentence here. And another one there.")])[0]
    assert audio.info["sentences"] == 2
    # where each sentence lies in the take (captions use them): the pause between, the end last
    (a0, a1), (b0, b1) = audio.info["sentence_spans"]
    assert a0 == 0 and b1 == len(audio.samples) and b0 - a1 == round(0.35 * audio.sample_rate)
    assert not audio.samples[a1:b0].any()
    rate = audio.sample_rate
    frame = int(0.05 * rate)
    rms = [np.sqrt(np.mean(audio.samples[i : i + frame] ** 2)) for i in range(0, len(audio.samples) - frame, frame)]
    # somewhere in the middle there are >= 0.3 s of digital silence (the inserted pause)
    silent = [r == 0.0 for r in rms]
    run = best = 0
    for s in silent:
        run = run + 1 if s else 0
        best = max(best, run)
    assert best * 0.05 >= 0.25


def test_speed_changes_duration() -> None:
    text = [Utterance("Slow and steady wins the race, said the tortoise.")]
    normal = get_backend("piper").synthesize(text)[0].duration
    fast = get_backend("piper", speed=1.5).synthesize(text)[0].duration
    assert fast < normal * 0.8


def test_identity_changes_with_what_changes_the_sound(piper: Backend) -> None:
    base = piper.identity(Utterance("x"))
    assert piper.identity(Utterance("other text")) == base  # text is hashed separately
    assert piper.identity(Utterance("x", style="sad")) != base
    assert get_backend("piper", speed=1.2).identity(Utterance("x")) != base


def test_unknown_backend_lists_available() -> None:
    with pytest.raises(ConfigError) as err:
        get_backend("espeak-9000")
    assert "espeak-9000" in str(err.value)
    for name in available_backends():
        assert name in str(err.value)


def test_unknown_voice_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="unknown Piper voice"):
        get_backend("piper", voice="en_GB-nobody-high")
    lonely = tmp_path / "voice.onnx"
    lonely.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="config"):
        get_backend("piper", voice=str(lonely))
