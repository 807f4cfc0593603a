"""Audio in memory and on disk, below synthesis, QA and assembly alike: the float32 ``Audio``
every voice returns, pydub ``AudioSegment`` conversion, WAV files, resampling.

Chunks are stored as 16-bit PCM mono WAV: lossless for what the voices produce, readable by
every tool, and small enough (48 KB per second at 24 kHz).
"""

from __future__ import annotations

import wave
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

from narration.errors import InputError
from narration.ffmpeg import FFmpegError, file_arg, probe, run_ffmpeg
from narration.store.atomic import atomic_path

_INT16_SCALE = 32768.0


@dataclass
class Audio:
    """A mono float32 waveform in [-1, 1]."""

    samples: np.ndarray
    sample_rate: int
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)


def to_segment(audio: Audio) -> AudioSegment:
    """16-bit mono segment; samples outside [-1, 1] are clipped rather than wrapped around."""
    samples = np.asarray(audio.samples, dtype=np.float32).reshape(-1)
    pcm = np.clip(np.round(samples * _INT16_SCALE), -32768, 32767).astype("<i2")
    return AudioSegment(data=pcm.tobytes(), sample_width=2, frame_rate=int(audio.sample_rate), channels=1)


def from_segment(segment: AudioSegment) -> Audio:
    """Mono float32 in [-1, 1], whatever the segment's channel count and sample width."""
    if segment.channels != 1:
        segment = segment.set_channels(1)
    ints = np.array(segment.get_array_of_samples(), dtype=np.float32)
    scale = float(1 << (8 * segment.sample_width - 1))
    return Audio(samples=ints / scale, sample_rate=segment.frame_rate)


def join_sentences(sentences: Iterable[np.ndarray], gap: int) -> tuple[np.ndarray, list[list[int]]]:
    """A take from its sentences' audio with ``gap`` samples of silence between them, and each
    sentence's [start, end) in samples (captions place sentences by them)."""
    pause = np.zeros(gap, dtype=np.float32)
    parts: list[np.ndarray] = []
    spans: list[list[int]] = []
    at = 0
    for speech in sentences:
        if parts:
            parts.append(pause)
            at += gap
        parts.append(speech)
        spans.append([at, at + len(speech)])
        at += len(speech)
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)), spans


def write_wav(path: str | Path, audio: Audio) -> Path:
    """Write ``audio`` as a 16-bit PCM mono WAV, atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        to_segment(audio).export(file_arg(tmp), format="wav")
    return path


def read_wav(path: str | Path) -> Audio:
    """Read a WAV file (any PCM width or channel count) as mono float32."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "audio file not found")
    try:
        # pydub parses plain PCM WAV itself and hands anything unusual (float WAV) to ffmpeg.
        segment = AudioSegment.from_file(file_arg(path), format="wav")
    except (CouldntDecodeError, OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"not a readable WAV file ({reason})") from None
    return from_segment(segment)


def resample(audio: Audio, sample_rate: int) -> Audio:
    """``audio`` at ``sample_rate`` through ffmpeg's soxr resampler (pydub's audioop one aliases)."""
    if audio.sample_rate == sample_rate:
        return audio
    samples = np.asarray(audio.samples, dtype="<f4").reshape(-1)
    proc = run_ffmpeg(
        ["-f", "f32le", "-ar", audio.sample_rate, "-ac", 1, "-i", "pipe:0",
         "-af", f"aresample={sample_rate}:resampler=soxr", "-f", "f32le", "-ac", 1, "pipe:1"],
        what=f"resample audio from {audio.sample_rate} Hz to {sample_rate} Hz",
        stdin=samples.tobytes(),
    )
    return Audio(samples=np.frombuffer(proc.stdout, dtype="<f4").copy(), sample_rate=sample_rate)


def frame_count(path: str | Path) -> tuple[int, int]:
    """(samples per channel, sample rate) of an audio file, read from its header, not decoded."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "audio file not found")
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes(), wav.getframerate()
    except (wave.Error, EOFError):
        pass  # not plain PCM WAV: ask ffprobe
    try:
        stream = next(s for s in probe(path)["streams"] if s.get("codec_type") == "audio")
    except (StopIteration, FFmpegError):
        raise InputError(path, "no audio stream") from None
    rate = int(stream["sample_rate"])
    if stream.get("duration_ts") is not None and stream.get("time_base") == f"1/{rate}":
        return int(stream["duration_ts"]), rate
    return round(float(stream["duration"]) * rate), rate
