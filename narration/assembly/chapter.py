"""One chapter file: chunk audio joined with pauses, loudness-normalised, encoded and tagged.

Two files come out of a chapter: the encoded file the listener gets (mp3/m4a/opus/flac) and a
lossless 16-bit WAV "master" (by default beside it; the pipeline puts it in its work folder).
The M4B is built from the masters, so the book is never made by re-encoding lossy audio.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from narration.assembly.loudness import normalize_loudness
from narration.assembly.metadata import tag_file
from narration.assembly.settings import Pauses
from narration.audio import Audio, frame_count, read_wav, resample, write_wav
from narration.errors import ConfigError
from narration.ffmpeg import run_ffmpeg
from narration.model import Cover
from narration.store.atomic import atomic_path, temp_path_for

# ffmpeg encoder and muxer per chapter format. "ipod" is the MP4 flavour iTunes expects for .m4a.
FORMATS: dict[str, list[str]] = {
    "mp3": ["-c:a", "libmp3lame", "-f", "mp3"],
    "m4a": ["-c:a", "aac", "-movflags", "+faststart", "-f", "ipod"],
    "opus": ["-c:a", "libopus", "-f", "opus"],  # libopus resamples to 48 kHz itself
    "flac": ["-c:a", "flac", "-f", "flac"],
}
LOSSLESS = frozenset({"flac"})


@dataclass(frozen=True)
class ChapterAudio:
    """A chapter made: its encoded file(s) and the master they and the M4B are made from."""

    parts: tuple[Path, ...]  # the encoded files, in order (one unless mastering split the chapter)
    master: Path  # the lossless WAV the M4B is built from
    duration: float  # seconds, from the master's sample count
    sample_rate: int
    piece_starts: tuple[float, ...] = ()  # where each piece begins in the master, seconds (captions)

    @property
    def path(self) -> Path:
        """The chapter's (first) file."""
        return self.parts[0]


def load_pieces(pieces: Sequence[tuple[Path, str]], sample_rate: int | None = None) -> tuple[list[np.ndarray], int]:
    """Each piece's samples at one rate: ``sample_rate`` or else the highest among the pieces
    (upsampling loses nothing)."""
    if not pieces:
        raise ValueError("a chapter needs at least one piece of audio")
    audios = [read_wav(path) for path, _ in pieces]
    rate = sample_rate or max(a.sample_rate for a in audios)
    return [np.asarray(resample(a, rate).samples, dtype=np.float32).reshape(-1) for a in audios], rate


def join_pieces(pieces: Sequence[tuple[Path, str]], pauses: Pauses, sample_rate: int | None = None) -> Audio:
    """Chunk WAVs in order with the pause each one asks for after it, at one sample rate.

    The rate is ``sample_rate`` or else the highest among the pieces (upsampling loses nothing).
    The last piece is followed by ``chapter_tail`` instead of its own pause. Where each piece
    begins (seconds) is in ``info["piece_starts"]``: captions place sentences by it.
    """
    gaps = [pauses.after(marker) for _, marker in pieces]  # every marker checked, the last one too
    bodies, rate = load_pieces(pieces, sample_rate)
    gaps[-1] = pauses.chapter_tail

    def silence(seconds: float) -> np.ndarray:
        return np.zeros(round(seconds * rate), dtype=np.float32)

    parts = [silence(pauses.chapter_lead)]
    starts, at = [], len(parts[0])
    for body, gap in zip(bodies, gaps, strict=True):
        parts.append(body)
        parts.append(silence(gap))
        starts.append(at / rate)
        at += len(parts[-2]) + len(parts[-1])
    return Audio(samples=np.concatenate(parts), sample_rate=rate, info={"piece_starts": starts})


def encode_chapter(
    master: Path, out_path: Path, fmt: str, *, bitrate: str = "64k",
    tags: Mapping[str, str] | None = None, cover: Cover | None = None,
    audio_filter: str | None = None, output: Sequence[str | int] = (),
) -> Path:
    """Encode the master WAV to ``fmt`` at ``out_path`` and tag it, atomically; ``audio_filter``
    (e.g. a trim) and ``output`` options (rate, channels) go to ffmpeg as they are."""
    codec = _codec_args(fmt)
    rate_args = [] if fmt in LOSSLESS else ["-b:a", bitrate]
    filter_args = ["-af", audio_filter] if audio_filter else []
    with atomic_path(out_path) as tmp:
        run_ffmpeg(["-i", master, "-map", "0:a", "-map_metadata", "-1", *filter_args, *output, *rate_args, *codec, tmp],
                   what=f"encode {out_path.name}")
        if tags or cover is not None:
            tag_file(tmp, tags or {}, cover)
    return out_path


def assemble_chapter(
    pieces: Sequence[tuple[Path, str]],
    out_path: str | Path,
    *,
    master_path: str | Path | None = None,
    pauses: Pauses = Pauses(),
    fmt: str = "mp3",
    bitrate: str = "64k",
    sample_rate: int | None = None,
    loudness: float | None = -19.0,
    tags: Mapping[str, str] | None = None,
    cover: Cover | None = None,
) -> ChapterAudio:
    """Join ``pieces`` (chunk WAV path, pause marker after it) into one chapter file.

    ``loudness``: target integrated loudness in LUFS (true peak <= -3 dBTP), None to leave the
    level alone. ``master_path`` defaults to ``out_path`` with a .wav suffix.
    """
    _codec_args(fmt)  # an unknown format fails before any work is done
    out_path = Path(out_path)
    master = Path(master_path) if master_path is not None else out_path.with_suffix(".wav")
    if master.resolve() == out_path.resolve():
        raise ConfigError(f"{out_path}: the chapter file and its WAV master must differ")
    audio = join_pieces(pieces, pauses, sample_rate)
    if loudness is None:
        write_wav(master, audio)
    else:
        raw = temp_path_for(master)  # a temp name, so clean_temp_files sweeps it after a kill
        try:
            write_wav(raw, audio)
            normalize_loudness(raw, master, target=loudness)
        finally:
            raw.unlink(missing_ok=True)
    encode_chapter(master, out_path, fmt, bitrate=bitrate, tags=tags, cover=cover)
    frames, rate = frame_count(master)
    return ChapterAudio(parts=(out_path,), master=master, duration=frames / rate, sample_rate=rate,
                        piece_starts=tuple(audio.info["piece_starts"]))


def _codec_args(fmt: str) -> list[str]:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ConfigError(f"unknown audio format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
