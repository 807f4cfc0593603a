"""Options in one part per stage; each backend takes what it declares from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from narration.options import NarrationOptions, Pauses
from narration.synthesis import backend_class


def test_each_backend_declares_what_it_takes_from_the_options() -> None:
    options = NarrationOptions(
        synthesis={"backend": "piper", "voice": "v", "speed": 1.2, "model": "ignored-by-piper"},
        assembly={"pauses": Pauses(sentence=0.5)},
    )
    piper = options.backend_options()
    assert piper["voice"] == "v" and piper["speed"] == 1.2 and piper["sentence_pause"] == 0.5
    assert set(piper["style_prosody"]) >= {"neutral", "sad"} and "model" not in piper
    assert backend_class("kokoro").settings_for(options)["sentence_pause"] == 0.5
    qwen3 = backend_class("qwen3").settings_for(
        options.model_copy(update={"synthesis": options.synthesis.model_copy(update={"backend": "qwen3"})})
    )
    assert qwen3 == {"model": "ignored-by-piper", "voice": "v", "quantization": None, "speed": 1.2, "styles": None}


def test_a_bad_value_is_named_with_its_part() -> None:
    with pytest.raises(ValidationError) as caught:
        NarrationOptions(synthesis={"batch_size": 0})
    assert caught.value.errors()[0]["loc"] == ("synthesis", "batch_size")
    with pytest.raises(ValidationError) as caught:
        NarrationOptions(format="wma")  # the flat form too
    assert caught.value.errors()[0]["loc"][:2] == ("assembly", "format")
    with pytest.raises(ValidationError):
        NarrationOptions(synthesis={"backnd": "piper"})


def test_flat_and_sectioned_forms_are_the_same_options() -> None:
    flat = NarrationOptions(backend="piper", qa=False, max_retakes=1, loudness=None, pauses={"scene": 1.0})
    parts = NarrationOptions(synthesis={"backend": "piper"}, qa={"enabled": False, "max_retakes": 1},
                             assembly={"loudness": None, "pauses": {"scene": 1.0}})
    assert flat == parts
    assert flat.assembly.pauses.after("scene") == 1.0


def test_auto_picks_kokoro_for_english_on_a_cpu_machine_and_piper_without_its_voices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narration.synthesis import kokoro_english_missing
    from narration.synthesis.kokoro_voices import ENV

    if kokoro_english_missing():  # setup.sh installs them: this is the machine the README promises
        pytest.fail(f"Kokoro English is not installed: {kokoro_english_missing()}")
    monkeypatch.setattr("narration.synthesis.qwen3_model.unavailable_reason", lambda model=None: "no CUDA GPU")
    english, why = NarrationOptions().resolved("en-GB")
    assert english.synthesis.backend == "kokoro-en" and "qwen3 not used" in why
    assert NarrationOptions().resolved("ja")[0].synthesis.backend == "kokoro"
    assert NarrationOptions().resolved("de")[0].synthesis.backend == "piper"
    monkeypatch.setenv(ENV, str(tmp_path))  # a voices folder with nothing in it
    fallback, why = NarrationOptions().resolved("en")
    assert fallback.synthesis.backend == "piper" and "kokoro-en not used" in why and str(tmp_path) in why
