"""A chapter mastered to a profile: one gain to the profile's RMS behind a true-peak limiter, a
booth-like room tone under it, set lengths of room tone at the head and tail, the profile's
encoding, and, when the chapter runs longer than the profile allows, parts cut at paragraph
boundaries.

The lossless master (what the M4B is built from) is the parts back to back, so the book's
chapter marks stay at the chapter starts; each part file is an exact sample range of it.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from narration.assembly.chapter import ChapterAudio, encode_chapter, load_pieces
from narration.assembly.loudness import (
    RMS_FILTER,
    RMS_SUMMARY,
    limit_peaks,
    limiter_filter,
    measure,
)
from narration.assembly.settings import Pauses
from narration.audio import Audio, frame_count, write_wav
from narration.errors import ConfigError
from narration.ffmpeg import run_ffmpeg
from narration.mastering.profiles import Mastering, Profile
from narration.model import PAUSE_PARAGRAPH, PAUSE_SCENE
from narration.store.atomic import atomic_path, temp_path_for

log = logging.getLogger(__name__)

# Before the gain, what is quieter than this at a chapter's edges is the voice's own near
# silence: it is cut, and the profile's room tone put in its place.
_EDGE_THRESHOLD_DB = -50.0
_LIMITER_TRIES = 8
_LOWEST_CEILING_DB = -60.0
_CUT_AFTER = frozenset({PAUSE_PARAGRAPH, PAUSE_SCENE})


def part_paths(out_path: Path, parts: int) -> list[Path]:
    """The file of each part: ``out_path`` itself for one, ``<stem> (part N)<suffix>`` for more."""
    if parts == 1:
        return [out_path]
    return [out_path.with_name(f"{out_path.stem} (part {n}){out_path.suffix}") for n in range(1, parts + 1)]


def _loud_span(samples: np.ndarray) -> tuple[int, int]:
    """First and one-past-last sample above the edge threshold (0, 0 when none is)."""
    loud = np.flatnonzero(np.abs(samples) > 10 ** (_EDGE_THRESHOLD_DB / 20))
    return (int(loud[0]), int(loud[-1]) + 1) if len(loud) else (0, 0)


def split_points(lengths: Sequence[int], cuttable: Sequence[bool], budget: int) -> list[int]:
    """Where to cut a chapter of pieces (``lengths`` in samples, pause included) into parts of at
    most ``budget`` samples: indices of the pieces that start a new part, nearest the even
    split. Only after a ``cuttable`` piece (a paragraph's last); a paragraph longer than the
    budget makes a part over it (the check then says so)."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    if total <= budget:
        return []
    parts = math.ceil(total / budget)
    cuts: list[int] = []
    start = 0  # samples before the part being made
    while total - start > budget:
        target = start + (total - start) / (parts - len(cuts))
        fits = [i + 1 for i in range(len(lengths) - 1) if cuttable[i] and start < ends[i] <= start + budget
                and (not cuts or i + 1 > cuts[-1])]
        if not fits:  # nothing fits: the first paragraph end after the budget
            later = [i + 1 for i in range(len(lengths) - 1) if cuttable[i] and ends[i] > start]
            if not later:
                break
            log.warning("a paragraph runs longer than the profile's file limit; its part will be over it")
            fits = later[:1]
        cut = min(fits, key=lambda i: abs(int(ends[i - 1]) - target))
        cuts.append(cut)
        start = int(ends[cut - 1])
    return cuts


def join_parts(
    pieces: Sequence[tuple[Path, str]], pauses: Pauses, mastering: Mastering, max_seconds: float | None
) -> tuple[Audio, list[int]]:
    """The chapter's pieces joined with their pauses, cut into parts, each part's edges trimmed
    and padded with the profile's head and tail (as digital silence; the room tone is mixed in
    later). Returns the audio at the pieces' highest rate and where each part starts in it."""
    bodies, rate = load_pieces(pieces)
    gaps = [round(pauses.after(marker) * rate) for _, marker in pieces]
    budget = math.inf if max_seconds is None else (max_seconds - mastering.head_s - mastering.tail_s) * rate
    cuts = split_points([len(b) + g for b, g in zip(bodies, gaps, strict=True)],
                        [marker in _CUT_AFTER for _, marker in pieces], int(min(budget, 2**62)))
    head, tail = np.zeros(round(mastering.head_s * rate), np.float32), np.zeros(round(mastering.tail_s * rate), np.float32)
    out, starts, piece_starts = [], [], []
    bounds = [0, *cuts, len(pieces)]
    offset = 0
    for a, b in itertools.pairwise(bounds):
        joined, at = [], 0
        for i in range(a, b):
            joined.append(bodies[i])
            piece_starts.append(at)
            at += len(bodies[i])
            if i < b - 1:
                joined.append(np.zeros(gaps[i], np.float32))
                at += gaps[i]
        body = np.concatenate(joined)
        first, last = _loud_span(body)
        for n in range(a, b):  # into the master's time line; a piece begun in the cut edge starts at the voice
            piece_starts[n] = offset + len(head) + min(max(piece_starts[n] - first, 0), last - first)
        part = np.concatenate([head, body[first:last], tail])
        starts.append(offset)
        offset += len(part)
        out.append(part)
    return Audio(np.concatenate(out), rate, info={"piece_starts": [s / rate for s in piece_starts]}), starts


def _limiter_at(ceiling_db: float, rate: int) -> str:
    """A limiter at ``ceiling_db`` (of the input's level). alimiter goes no lower than -24 dB, so
    a lower ceiling is a boost in front of one at -12 dB: the same limiting, louder, which the
    gain measured after it takes back."""
    if ceiling_db >= -12.0:
        return limiter_filter(ceiling_db, rate)
    return f"volume={-12.0 - ceiling_db:.3f}dB,{limiter_filter(-12.0, rate)}"


@functools.lru_cache(maxsize=4)
def _pink_rms_db(rate: int) -> float:
    """RMS of ffmpeg's pink noise at amplitude 1 (measured, not assumed from its algorithm)."""
    proc = run_ffmpeg(["-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude=1:seed=1:sample_rate={rate}:duration=20",
                       "-af", RMS_FILTER, "-f", "null", "-"], what="measure the room tone generator")
    return float(RMS_SUMMARY.findall(proc.stderr.decode("utf-8", "replace"))[-1])


def master_level(raw: Path, master: Path, mastering: Mastering, seed: int = 1) -> tuple[float, float]:
    """Write ``raw`` to ``master`` (16-bit WAV at the profile's rate) at the profile's RMS, true
    peak under its ceiling, with the room tone under it, atomically; returns (gain, limiter
    ceiling) in dB.

    One gain for the whole chapter keeps quiet and loud passages in relation; a limiter in front
    takes the peaks the gain would push over the ceiling. Limiting lowers the RMS a little, so
    the gain is measured again through it until the peaks fit (a few passes)."""
    rate = mastering.sample_rate
    resampled = f"aresample={rate}:resampler=soxr"
    level = measure(raw, pre_filter=resampled, rms=True)
    if level.rms is None or not math.isfinite(level.rms):
        raise ConfigError(f"{raw}: silent chapter audio cannot be mastered")
    limiter, ceiling, level = limit_peaks(
        level, lambda level: level.true_peak + (mastering.rms_db - (level.rms or 0.0)) - mastering.true_peak_db,
        lambda limiter: measure(raw, pre_filter=f"{resampled},{limiter}", rms=True),
        lambda ceiling: _limiter_at(ceiling, rate), lowest_db=_LOWEST_CEILING_DB, tries=_LIMITER_TRIES,
    )  # fmt: skip
    rms, peak = level.rms or 0.0, level.true_peak
    # Still over (a file that is mostly room tone, like "The end.", needs its few words very
    # loud for the file's RMS): the peak ceiling wins over the RMS target.
    gain = min(mastering.rms_db - rms, mastering.true_peak_db - peak)
    voice = ",".join(f for f in (resampled, limiter, f"volume={gain:.3f}dB") if f)
    graph = f"[0:a]{voice}[v]"
    inputs: list[str | Path | int] = ["-i", raw]
    if mastering.room_tone_db is not None:
        # A fixed seed: the same inputs give the same master, byte for byte.
        inputs += ["-f", "lavfi", "-i", f"anoisesrc=color=pink:amplitude=1:seed={seed}:sample_rate={rate}"]
        graph += (f";[1:a]volume={mastering.room_tone_db - _pink_rms_db(rate):.3f}dB[n]"
                  ";[v][n]amix=inputs=2:duration=first:normalize=0[v2]")
    with atomic_path(master) as tmp:
        run_ffmpeg([*inputs, "-filter_complex", graph, "-map", "[v2]" if mastering.room_tone_db is not None else "[v]",
                    "-ac", mastering.channels, "-ar", rate, "-c:a", "pcm_s16le", "-f", "wav", tmp],
                   what=f"master {raw.name}")
    return gain, ceiling


def _kbps(bitrate: str) -> int:
    return int(bitrate.rstrip("k"))


def encode_part(
    master: Path, out_path: Path, mastering: Mastering, bitrate: str, start: int, end: int | None,
    tags: Mapping[str, str] | None,
) -> Path:
    """Encode samples ``start``..``end`` of the master as one file, constant bit rate, atomically."""
    trim = f"atrim=start_sample={start}" + (f":end_sample={end}" if end is not None else "")
    return encode_chapter(master, out_path, mastering.format, bitrate=bitrate, tags=tags, audio_filter=trim,
                          output=["-ar", mastering.sample_rate, "-ac", mastering.channels])


def master_chapter(
    pieces: Sequence[tuple[Path, str]],
    out_path: str | Path,
    *,
    master_path: str | Path,
    profile: Profile,
    pauses: Pauses | None = None,
    bitrate: str = "64k",
    tags: Mapping[str, str] | None = None,
    seed: int = 1,
) -> ChapterAudio:
    """Join ``pieces`` (chunk WAV, pause marker after it) into the chapter's master and its
    file(s), mastered to ``profile``. ``bitrate``: kept when above the profile's."""
    mastering = profile.mastering
    if mastering is None:
        raise ConfigError(f"profile {profile.name!r} does not master chapters")
    out_path, master = Path(out_path), Path(master_path)
    audio, starts = join_parts(pieces, pauses or Pauses(), mastering, profile.max_seconds)
    raw = temp_path_for(master)  # a temp name, so clean_temp_files sweeps it after a kill
    try:
        write_wav(raw, audio)
        master_level(raw, master, mastering, seed)
    finally:
        raw.unlink(missing_ok=True)
    frames, rate = frame_count(master)
    # Part starts at the master's rate; cuts fall inside room tone, so a sample of rounding is harmless.
    bounds = [round(s * rate / audio.sample_rate) for s in starts] + [frames]
    paths = part_paths(out_path, len(starts))
    rate_kbps = max(_kbps(bitrate), _kbps(mastering.bitrate))
    for n, (path, start, end) in enumerate(zip(paths, bounds, bounds[1:], strict=False), 1):
        part_tags = dict(tags or {})
        if len(paths) > 1 and "title" in part_tags:
            part_tags["title"] = f"{part_tags['title']} (part {n})"
        encode_part(master, path, mastering, f"{rate_kbps}k", start, end if end < frames else None, part_tags)
    return ChapterAudio(parts=tuple(paths), master=master, duration=frames / rate, sample_rate=rate,
                           piece_starts=tuple(audio.info["piece_starts"]))
