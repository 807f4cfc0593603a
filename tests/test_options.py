"""Options in one part per stage; each backend takes what it declares from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from narration.options import NarrationOptions, Pauses
from narration.run.narrator import backend_options
from narration.run.plan import resolve_backend
from narration.synthesis import backend_class


def test_each_backend_declares_what_it_takes_from_the_options() -> None:
    options = NarrationOptions(
        synthesis={"backend": "piper", "voice": "v", "speed": 1.2, "model": "ignored-by-piper"},
        assembly={"pauses": Pauses(sentence=0.5)},
    )
    piper = backend_options(options)
    assert piper["voice"] == "v" and piper["speed"] == 1.2 and piper["sentence_pause"] == 0.5
    assert set(piper["style_prosody"]) >= {"neutral", "sad"} and "model" not in piper
    # A backend is given the synthesis settings and what else it uses, never the whole options.
    kokoro = backend_class("kokoro").settings_for(options.synthesis, sentence_pause=0.5, styles=None)
    assert kokoro["sentence_pause"] == 0.5 and kokoro["voice"] == "v"
    qwen3 = backend_options(
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
    english, why = resolve_backend(NarrationOptions(), "en-GB")
    assert english.synthesis.backend == "kokoro-en" and "qwen3 not used" in why
    assert resolve_backend(NarrationOptions(), "ja")[0].synthesis.backend == "kokoro"
    assert resolve_backend(NarrationOptions(), "de")[0].synthesis.backend == "piper"
    monkeypatch.setenv(ENV, str(tmp_path))  # a voices folder with nothing in it
    fallback, why = resolve_backend(NarrationOptions(), "en")
    assert fallback.synthesis.backend == "piper" and "kokoro-en not used" in why and str(tmp_path) in why


def test_each_stage_defines_its_settings_and_the_options_only_compose_them() -> None:
    from pydantic import BaseModel

    import narration.options as composed

    owners = {"ingest": "narration.ingest.settings", "synthesis": "narration.synthesis.settings",
              "emotion": "narration.emotion.settings", "qa": "narration.qa.settings",
              "assembly": "narration.assembly.settings"}
    assert {name: NarrationOptions.model_fields[name].annotation.__module__ for name in owners} == owners
    assert Pauses.__module__ == "narration.assembly.settings"
    assert composed.TextLimits.__module__ == "narration.ingest.settings"
    defined_here = [v for v in vars(composed).values()
                    if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == composed.__name__]
    assert defined_here == [NarrationOptions]
