"""Loudness normalisation of a WAV file to a target LUFS (EBU R128) with one linear gain.

One gain for the whole chapter keeps quiet and loud passages in relation and the pauses
digitally silent. The gain may not push the true peak over the ceiling: voices like Piper peak at
0 dBFS, which is why ``loudnorm`` fell back to its dynamic (compressing) mode on them. So we
measure, put a limiter whose ceiling leaves room for the gain in front, measure through it and
apply the gain: three ffmpeg passes (more when inter-sample peaks need a lower ceiling).

Measuring uses the ``ebur128`` filter (3-4x faster than ``loudnorm``'s first pass, which works at
192 kHz), and the gain is a plain ``volume``: loudnorm's linear mode is the same gain plus a
round trip through 192 kHz whose resampler rings into the pauses before each onset. ``loudnorm``
remains the fallback when even the lowest limiter ceiling leaves no room.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narration.audio import frame_count
from narration.ffmpeg import FFmpegError, run_ffmpeg
from narration.store.atomic import atomic_path

TRUE_PEAK = -3.0  # dBTP ceiling (Apple/ACX-style delivery specs ask for -3 .. -1)
# Loudness range target: only used in dynamic mode; set wide so narration is never compressed.
LOUDNESS_RANGE = 20.0
# The limiter caps sample peaks; true (inter-sample) peaks land a little higher, so the ceiling
# gets this headroom, and is lowered again (up to _LIMITER_TRIES measurements) if that was short.
_LIMITER_MARGIN_DB = 0.5
_LIMITER_TRIES = 3
_ALIMITER_MIN_DB = -24.0  # alimiter's lowest ceiling (limit=0.0625)
_JSON_BLOCK = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)
_SUMMARY_I = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS")
TRUE_PEAK_SUMMARY = re.compile(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS")  # ebur128=peak=true's summary
RMS_SUMMARY = re.compile(r"RMS level dB:\s+(-?[\d.]+|-inf)")  # astats' overall RMS
RMS_FILTER = "astats=measure_perchannel=none:measure_overall=RMS_level"
_SILENT_LUFS = -70.0  # the R128 absolute gate: below it there is nothing to measure


def _loudnorm(target: float, true_peak: float, measured: dict[str, Any] | None = None) -> str:
    opts = [f"I={target}", f"TP={true_peak}", f"LRA={LOUDNESS_RANGE}", "print_format=json"]
    if measured is not None:
        opts += [
            f"measured_I={measured['input_i']}", f"measured_TP={measured['input_tp']}",
            f"measured_LRA={measured['input_lra']}", f"measured_thresh={measured['input_thresh']}",
            f"offset={measured['target_offset']}", "linear=true",
        ]
    return "loudnorm=" + ":".join(opts)


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    true_peak: float  # dBTP
    rms: float | None = None  # dBFS, when measured


def measure(path: str | Path, *, pre_filter: str = "", rms: bool = False) -> Loudness:
    """Integrated loudness and true peak of ``path`` (after ``pre_filter``), by ffmpeg's ebur128,
    and with ``rms`` its RMS level by astats, in the same pass."""
    path = Path(path)  # a Path reaches ffmpeg absolute
    chain = ",".join(f for f in (pre_filter, RMS_FILTER if rms else "", "ebur128=peak=true:framelog=verbose") if f)
    proc = run_ffmpeg(["-i", path, "-af", chain, "-f", "null", "-"], what=f"measure the loudness of {path}")
    text = proc.stderr.decode("utf-8", "replace")
    summary = text[text.rfind("Summary:"):]
    found_i, found_tp = _SUMMARY_I.search(summary), TRUE_PEAK_SUMMARY.search(summary)
    found_rms = RMS_SUMMARY.findall(text) if rms else [None]
    if "Summary:" not in text or not found_i or not found_tp or not found_rms:
        raise FFmpegError(f"ffmpeg failed to report the level of {path}: no ebur128{' or astats' if rms else ''} summary")
    level = found_rms[-1]
    return Loudness(float(found_i.group(1)), float(found_tp.group(1)), None if level is None else float(level))


def _loudnorm_stats(path: Path, pre_filter: str, target: float, true_peak: float) -> dict[str, Any]:
    """loudnorm's first-pass statistics, needed only for its dynamic mode."""
    chain = ",".join(f for f in (pre_filter, _loudnorm(target, true_peak)) if f)
    proc = run_ffmpeg(["-i", path, "-af", chain, "-f", "null", "-"], what=f"measure the loudness of {path}")
    found = _JSON_BLOCK.findall(proc.stderr.decode("utf-8", "replace"))
    if not found:
        raise FFmpegError(f"ffmpeg failed to report the loudness of {path}: no loudnorm statistics")
    return json.loads(found[-1])


def limiter_filter(ceiling_db: float, rate: int) -> str:
    # level=0: no auto make-up gain; latency=1: compensate the look-ahead so timing stays exact.
    # aformat pins the limiter to the file's rate: in front of a filter that wants 192 kHz
    # (loudnorm) ffmpeg would otherwise run it after the upsampling, and the peaks it caps there
    # are not those the final pass makes.
    return f"alimiter=limit={10 ** (ceiling_db / 20):.6f}:level=0:latency=1,aformat=sample_rates={rate}"


def limit_peaks(
    level: Loudness,
    overshoot: Callable[[Loudness], float],
    measure_through: Callable[[str], Loudness],
    limiter_at: Callable[[float], str],
    *,
    lowest_db: float,
    tries: int,
) -> tuple[str, float, Loudness]:
    """A limiter in front of a gain: its ceiling lowered, measuring through it each time, until
    ``overshoot`` (dB by which the true peak would pass its ceiling after the gain) is gone or
    the ceiling reaches ``lowest_db``. Returns (the limiter filter, "" when none was needed; its
    ceiling in dB; the level through it)."""
    limiter, ceiling = "", min(0.0, level.true_peak)
    for _ in range(tries):
        excess = overshoot(level)
        if excess <= 0 or ceiling <= lowest_db:
            break
        ceiling = max(lowest_db, ceiling - excess - _LIMITER_MARGIN_DB)
        limiter = limiter_at(ceiling)
        level = measure_through(limiter)
    return limiter, ceiling, level


def _overshoot(level: Loudness, target: float, true_peak: float) -> float:
    """dB by which the true peak would exceed ``true_peak`` after the linear gain to ``target``."""
    return level.true_peak + (target - level.integrated) - true_peak


def normalize_loudness(
    src: str | Path, dst: str | Path, *, target: float = -19.0, true_peak: float = TRUE_PEAK
) -> str:
    """Write ``src`` to ``dst`` (16-bit WAV, same rate and length) at ``target`` LUFS, atomically.

    Returns how: "linear" (one gain after limiting), "dynamic" (loudnorm's compressor, when no
    limiter ceiling leaves room) or "none" (a silent input, copied unchanged).
    """
    src, dst = Path(src), Path(dst)
    level = measure(src)
    if not math.isfinite(level.integrated) or level.integrated <= _SILENT_LUFS:
        with atomic_path(dst) as tmp:
            shutil.copyfile(src, tmp)
        return "none"
    _, rate = frame_count(src)
    limiter, _, level = limit_peaks(
        level, lambda level: _overshoot(level, target, true_peak), lambda limiter: measure(src, pre_filter=limiter),
        lambda ceiling: limiter_filter(ceiling, rate), lowest_db=_ALIMITER_MIN_DB, tries=_LIMITER_TRIES,
    )  # fmt: skip
    if _overshoot(level, target, true_peak) <= 0:
        mode, last = "linear", f"volume={target - level.integrated:.2f}dB"
    else:
        mode, last = "dynamic", _loudnorm(target, true_peak, _loudnorm_stats(src, limiter, target, true_peak))
    with atomic_path(dst) as tmp:
        # -ar: loudnorm's dynamic mode outputs 192 kHz; keep the input's rate.
        run_ffmpeg(
            ["-i", src, "-af", ",".join(f for f in (limiter, last) if f), "-ar", rate,
             "-c:a", "pcm_s16le", "-f", "wav", tmp],
            what=f"normalise the loudness of {src}",
        )
    return mode
