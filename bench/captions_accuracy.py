"""How close captions and read-along clips begin to the spoken words, per voice (issue 15 part 5).

For each voice, narrates the sample book (inputs/aesop-fables.epub) with ``--captions srt,vtt
--readalong`` (the defaults otherwise: emotion, QA), transcribes every chapter file as written
with word timestamps (faster-whisper, the offline ``base`` model by default, Silero VAD) and
compares each sentence's first caption cue (parsed from the .srt) and SMIL clip (parsed from the
EPUB) with where its first word begins (``narration.eval.captions``: whisper finds
the word, the end of the pause before it places it). Prints the median and the worst offset per
voice and writes bench/results/captions_accuracy.md.

    .venv/bin/python bench/captions_accuracy.py [--voices kokoro-en,piper] [--asr-model base] [--out DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hardware import machine  # noqa: E402
from narration.assembly.word_times import WordTimer
from narration.eval.captions import Offset, measure_chapter
from narration.options import NarrationOptions
from narration.run.pipeline import narrate, plan
from narration.store import atomic  # noqa: E402
from narration.store.layout import BookLayout

SAMPLE = ROOT / "inputs" / "aesop-fables.epub"
RESULTS = ROOT / "bench" / "results" / "captions_accuracy.md"
LIMIT_MS = 100.0


def run_voice(backend: str, out: Path, asr_model: str) -> tuple[list[Offset], int, float, float]:
    options = NarrationOptions(synthesis={"backend": backend}, assembly={"captions": "srt,vtt", "readalong": True})
    started = time.monotonic()
    narrate(SAMPLE, out, options)
    narrated = time.monotonic() - started
    planned, layout = plan(SAMPLE, out, options)
    assert layout == BookLayout.for_book(out, SAMPLE)
    timer = WordTimer(asr_model)
    offsets, unchecked = [], 0
    started = time.monotonic()
    for chapter in planned.chapters:
        found, missed = measure_chapter(planned, layout, chapter.index, timer)
        offsets += found
        unchecked += missed
    return offsets, unchecked, narrated, time.monotonic() - started


def summary(offsets: list[Offset]) -> dict[str, float]:
    caption = [abs(o.caption_error) * 1000 for o in offsets if o.caption_error is not None]
    clip = [abs(o.clip_error) * 1000 for o in offsets if o.clip_error is not None]
    signed = [o.caption_error * 1000 for o in offsets if o.caption_error is not None]
    return {"caption_median": statistics.median(caption), "caption_worst": max(caption),
            "clip_median": statistics.median(clip), "clip_worst": max(clip), "signed_median": statistics.median(signed),
            "over": sum(e > LIMIT_MS for e in caption + clip)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--voices", default="kokoro-en,piper", help="backends to measure (default kokoro-en,piper)")
    ap.add_argument("--asr-model", default="base", help="faster-whisper model that hears the words (default base)")
    ap.add_argument("--out", type=Path, help="where to narrate (default: a temporary folder)")
    ap.add_argument("--no-write", action="store_true", help="print only; do not write the results file")
    args = ap.parse_args()
    rows, worst_lines = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.voices.split(","):
            out = (args.out or Path(tmp)) / backend
            offsets, unchecked, narrated, measured = run_voice(backend, out, args.asr_model)
            s = summary(offsets)
            print(f"{backend}: {len(offsets)} sentences checked ({unchecked} first words not heard as written); "
                  f"caption start offset median {s['caption_median']:.0f} ms, worst {s['caption_worst']:.0f} ms; "
                  f"SMIL clip median {s['clip_median']:.0f} ms, worst {s['clip_worst']:.0f} ms; "
                  f"{s['over']} over {LIMIT_MS:.0f} ms (narrated in {narrated:.0f} s, checked in {measured:.0f} s)")
            rows.append(f"| {backend} | {len(offsets)} | {unchecked} | {s['caption_median']:.0f} | {s['caption_worst']:.0f} | "
                        f"{s['clip_median']:.0f} | {s['clip_worst']:.0f} | {s['signed_median']:+.0f} | {s['over']} |")
            for o in sorted(offsets, key=lambda o: -abs(o.caption_error or 0))[:3]:
                worst_lines.append(f"| {backend} | {o.chapter + 1} | {o.text[:60]!s} | {o.heard:.2f} | "
                                   f"{(o.caption_error or 0) * 1000:+.0f} |")
    if args.no_write:
        return 0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True, text=True).stdout.strip()
    atomic.write_text(RESULTS, "\n".join([
        "# Caption and read-along timing accuracy",
        "",
        f"`bench/captions_accuracy.py` at {commit}, {time.strftime('%Y-%m-%d')}, on {machine()} (CPU only).",
        "",
        (f"The sample book ({SAMPLE.name}) narrated with `--captions srt,vtt --readalong` and the defaults otherwise "
        "(emotion tags, QA) per voice; every chapter file, decoded as written (MP3), transcribed by faster-whisper "
        f"`{args.asr_model}` with word timestamps and Silero VAD. A sentence's first word is found by matching the "
        "transcript to the narrated text; where it begins is where sound (> -50 dBFS in 10 ms frames) resumes after "
        "the longest pause (>= 100 ms) between the word before it and the word after it (whisper's own start is loose by "
        "up to a few hundred ms at a pause), else whisper's start. Offsets: the sentence's first caption cue (from the "
        ".srt) and its SMIL clipBegin (from the EPUB) minus that time."),
        "",
        ("| voice | sentences checked | first word not heard | caption median ms | caption worst ms | clip median ms | "
        "clip worst ms | caption median signed ms | over 100 ms |"),
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Largest caption offsets per voice:",
        "",
        "| voice | chapter | sentence | first word at s | offset ms |",
        "|---|---|---|---|---|",
        *worst_lines,
        "",
    ]))
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
