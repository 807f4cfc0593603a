"""Measuring audio files against a profile's rules (``narrate check``).

One ffmpeg pass per file decodes it once: ``silencedetect`` finds the room tone at the head and
tail, ``ebur128`` the true peak, and the decoded samples stream to numpy in 50 ms blocks for the
RMS level and the noise floor (the quietest 500 ms window, on a 50 ms grid), so a two-hour file
never sits in memory. Container facts come from ffprobe, an MP3's bit rate and CBR/VBR mode
from its Info/Xing header through mutagen.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import mutagen
import numpy as np
from mutagen.mp3 import MP3, BitrateMode

from narration.assembly.loudness import TRUE_PEAK_SUMMARY
from narration.errors import InputError
from narration.ffmpeg import FFmpegError, file_arg, find_tool, probe
from narration.mastering.profiles import Profile, Rules

# Room tone is what stays under this sample level (speech peaks 20-40 dB above it; noise at
# the -60 dB RMS limit peaks around -48 dB).
ROOM_TONE_THRESHOLD_DB = -40.0
_MIN_GAP_S = 0.05  # silencedetect's shortest silence
_BLOCK_S = 0.05
_WINDOW_BLOCKS = 10  # 500 ms
AUDIO_SUFFIXES = frozenset({".mp3", ".m4a", ".m4b", ".aac", ".flac", ".wav", ".opus", ".ogg"})

_SILENCE_START = re.compile(r"silence_start: (-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end: (-?[\d.]+)")


@dataclass(frozen=True)
class Measurement:
    path: str
    codec: str
    sample_rate: int
    channels: int
    bitrate_kbps: float | None  # None: lossless or not stated
    bitrate_mode: str  # CBR, VBR, ABR, unknown (an MP3 without a header saying), n/a
    duration: float  # seconds, decoded
    rms_db: float
    peak_db: float  # true peak, dBTP
    noise_floor_db: float  # -inf: digital silence somewhere
    head_s: float
    tail_s: float

    def to_dict(self) -> dict[str, Any]:
        return {k: _finite(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    measured: str
    required: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FileCheck:
    measurement: Measurement
    rules: list[RuleResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rules)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.measurement.path, "passed": self.passed, "measured": self.measurement.to_dict(),
                "rules": [r.to_dict() for r in self.rules]}


@dataclass
class BookCheck:
    profile: str
    files: list[FileCheck]
    book_rules: list[RuleResult] = field(default_factory=list)  # across the files (channel layout)

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.files) and all(r.passed for r in self.book_rules)

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile, "passed": self.passed, "files": [f.to_dict() for f in self.files],
                "book_rules": [r.to_dict() for r in self.book_rules]}


def _finite(value: Any) -> Any:
    # JSON has no infinities: digital silence's noise floor is written as null.
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _db(power: float) -> float:
    return 10 * math.log10(power) if power > 0 else -math.inf


def _audio_stream(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        info = probe(path)
    except FFmpegError:
        raise InputError(path, "not an audio file ffmpeg can read") from None
    stream = next((s for s in info.get("streams", []) if s.get("codec_type") == "audio"), None)
    if stream is None:
        raise InputError(path, "no audio stream")
    return info, stream


def _bitrate(path: Path, codec: str, info: dict[str, Any], stream: dict[str, Any]) -> tuple[float | None, str]:
    if codec == "mp3":
        try:
            mp3 = MP3(str(path)).info
        except mutagen.MutagenError as exc:
            raise InputError(path, f"not a readable MP3 ({exc})") from None
        modes = {BitrateMode.CBR: "CBR", BitrateMode.VBR: "VBR", BitrateMode.ABR: "ABR"}
        return mp3.bitrate / 1000, modes.get(mp3.bitrate_mode, "unknown")
    if codec in ("flac", "alac") or codec.startswith("pcm_"):
        return None, "n/a"
    rate = stream.get("bit_rate") or info.get("format", {}).get("bit_rate")
    return (int(rate) / 1000 if rate else None), "n/a"


def _edges(log: str, duration: float) -> tuple[float, float]:
    """Room tone at the head and tail, from silencedetect's log (it closes a silence at EOF)."""
    starts = [float(x) for x in _SILENCE_START.findall(log)]
    ends = [float(x) for x in _SILENCE_END.findall(log)]
    head = ends[0] if starts and starts[0] <= 1e-3 and ends else 0.0
    tail = duration - starts[-1] if starts and ends and len(ends) == len(starts) and ends[-1] >= duration - 1e-2 else 0.0
    if starts and len(ends) < len(starts):  # a silence still open at the end
        tail = duration - starts[-1]
    return min(head, duration), max(0.0, tail)


def measure_file(path: str | Path) -> Measurement:
    """Measure one audio file. Raises InputError when it is missing or not audio."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file")
    info, stream = _audio_stream(path)
    codec, rate, channels = str(stream.get("codec_name")), int(stream.get("sample_rate", 0)), int(stream.get("channels", 0))
    if not rate or not channels:
        raise InputError(path, "audio stream without a sample rate or channels")
    bitrate, mode = _bitrate(path, codec, info, stream)
    chain = f"silencedetect=n={ROOM_TONE_THRESHOLD_DB}dB:d={_MIN_GAP_S},ebur128=peak=true"
    cmd = [find_tool("ffmpeg"), "-hide_banner", "-nostats", "-nostdin", "-i", file_arg(path), "-map", "0:a:0",
           "-af", chain, "-f", "f32le", "-ac", str(channels), "-ar", str(rate), "pipe:1"]
    block = round(_BLOCK_S * rate) * channels  # samples of one 50 ms block, all channels
    energies: list[np.ndarray] = []  # mean square per whole block
    total, frames, rest = 0.0, 0, np.zeros(0, dtype=np.float32)
    with tempfile.TemporaryFile() as log_file:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log_file)
        assert proc.stdout is not None
        while chunk := proc.stdout.read(block * 4 * 200):
            samples = np.frombuffer(chunk[: len(chunk) // 4 * 4], dtype="<f4").astype(np.float64)
            total += float(np.square(samples).sum())
            frames += len(samples) // channels
            data = np.concatenate([rest, samples])
            whole = len(data) // block * block
            if whole:
                energies.append(np.square(data[:whole]).reshape(-1, block).mean(axis=1))
            rest = data[whole:]
        code = proc.wait()
        log_file.seek(0)
        log = log_file.read().decode("utf-8", "replace")
    if code != 0 or frames == 0:
        tail = " | ".join(log.strip().splitlines()[-2:])
        raise InputError(path, f"cannot be decoded ({tail or 'no audio'})")
    duration = frames / rate
    blocks = np.concatenate(energies) if energies else np.zeros(0)
    if len(blocks) >= _WINDOW_BLOCKS:
        windows = np.convolve(blocks, np.ones(_WINDOW_BLOCKS) / _WINDOW_BLOCKS, mode="valid")
        noise = _db(float(windows.min()))
    else:  # shorter than a window: the file is its own quietest stretch
        noise = _db(total / (frames * channels))
    peak = TRUE_PEAK_SUMMARY.findall(log)
    head, tail = _edges(log, duration)
    return Measurement(
        path=str(path), codec=codec, sample_rate=rate, channels=channels, bitrate_kbps=bitrate, bitrate_mode=mode,
        duration=duration, rms_db=_db(total / (frames * channels)),
        peak_db=float(peak[-1]) if peak else -math.inf, noise_floor_db=noise, head_s=head, tail_s=tail,
    )


def _fmt(value: float, unit: str) -> str:
    return f"{value:.1f} {unit}" if math.isfinite(value) else f"-inf {unit}"


def _range(name: str, value: float, bounds: tuple[float, float], unit: str, digits: int = 1) -> RuleResult:
    lo, hi = bounds
    return RuleResult(name, lo <= value <= hi, f"{value:.{digits}f} {unit}" if math.isfinite(value) else f"-inf {unit}",
                      f"{lo:g} to {hi:g} {unit}")


def check_rules(m: Measurement, rules: Rules) -> list[RuleResult]:
    """Each of ``rules`` that is set, judged on ``m``."""
    results = []
    if rules.rms_db:
        results.append(_range("rms", m.rms_db, rules.rms_db, "dB"))
    if rules.peak_max_db is not None:
        results.append(RuleResult("peak", m.peak_db <= rules.peak_max_db, _fmt(m.peak_db, "dBTP"),
                                  f"<= {rules.peak_max_db:g} dBTP"))
    if rules.noise_floor_max_db is not None:
        shown = _fmt(m.noise_floor_db, "dB") + (" (digital silence)" if not math.isfinite(m.noise_floor_db) else "")
        results.append(RuleResult("noise_floor", m.noise_floor_db <= rules.noise_floor_max_db, shown,
                                  f"<= {rules.noise_floor_max_db:g} dB"))
    if rules.head_s:
        results.append(_range("head", m.head_s, rules.head_s, "s", 2))
    if rules.tail_s:
        results.append(_range("tail", m.tail_s, rules.tail_s, "s", 2))
    if rules.sample_rate is not None:
        results.append(RuleResult("sample_rate", m.sample_rate == rules.sample_rate, f"{m.sample_rate} Hz",
                                  f"{rules.sample_rate} Hz"))
    if rules.codec is not None:
        results.append(RuleResult("format", m.codec == rules.codec, m.codec, rules.codec))
    if rules.min_bitrate_kbps is not None:
        rate = m.bitrate_kbps
        results.append(RuleResult("bitrate", rate is not None and rate >= rules.min_bitrate_kbps - 0.5,
                                  f"{rate:.0f} kbps" if rate is not None else "unknown", f">= {rules.min_bitrate_kbps:g} kbps"))
    if rules.cbr:
        results.append(RuleResult("bitrate_mode", m.bitrate_mode == "CBR", m.bitrate_mode, "CBR"))
    if rules.max_minutes is not None:
        results.append(RuleResult("duration", m.duration <= rules.max_minutes * 60, f"{m.duration / 60:.1f} min",
                                  f"<= {rules.max_minutes:g} min"))
    return results


def check_measurements(measurements: Sequence[Measurement], profile: Profile) -> BookCheck:
    """The files of one book judged against ``profile``; with no rules, measurements only."""
    rules = profile.rules
    files = [FileCheck(m, check_rules(m, rules) if rules else []) for m in measurements]
    book_rules = []
    if rules and rules.same_channels and measurements:
        layouts = sorted({m.channels for m in measurements})
        book_rules.append(RuleResult("channels", len(layouts) == 1, "/".join(map(str, layouts)) + " channel(s)",
                                     "one channel layout for all files"))
    return BookCheck(profile.name, files, book_rules)


def audio_files(paths: Sequence[str | Path]) -> list[Path]:
    """``paths`` with each folder replaced by the audio files in it, sorted; InputError for a
    path that does not exist or a folder without audio."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
            if not inside:
                raise InputError(path, "folder holds no audio files")
            found += inside
        elif not path.exists():
            raise InputError(path, "file not found")
        else:
            found.append(path)
    return found


def check_files(paths: Sequence[str | Path], profile: Profile) -> BookCheck:
    """Measure ``paths`` (files or folders of them) and judge them against ``profile``."""
    return check_measurements([measure_file(p) for p in audio_files(paths)], profile)
