"""Kokoro's six other languages, heard back: each sample in ``inputs/languages`` is narrated by the
``narrate`` CLI (``--backend auto``, so the book's language picks the voice), then its chapter is
transcribed by faster-whisper ``base`` in that language and compared with the text (WER; CER
for Mandarin, which has no spaces), as QA compares a chunk.

    .venv/bin/python bench/kokoro_languages.py [--languages es,fr] [--out bench/results/kokoro_languages.md]

The samples are short (a title and three paragraphs, each with a number and a name) so the six
runs take a few minutes on two cores. QA is off in the runs: a retake would hide what the first
reading sounds like; this script is the round trip QA would make.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import machine  # noqa: E402  (bench/ is on sys.path when run)

from narration.audio import Audio, read_wav  # noqa: E402
from narration.qa.asr import AsrOptions, Transcriber  # noqa: E402
from narration.qa.compare import compare, unit_for  # noqa: E402
from narration.store import atomic  # noqa: E402
from narration.synthesis.kokoro_multi import DEFAULT_VOICES  # noqa: E402

SAMPLES = ROOT / "inputs" / "languages"
LANGUAGES = ("es", "fr", "it", "pt", "hi", "zh")
NAMES = {"es": "Spanish", "fr": "French", "it": "Italian", "pt": "Portuguese (Brazil)", "hi": "Hindi", "zh": "Mandarin"}


@dataclass
class Row:
    language: str
    voice: str
    detected: str
    source: str
    qa: str  # the run's own QA: chunks passed, retakes
    audio_seconds: float
    wall_seconds: float
    errors: int
    units: int
    unit: str
    heard: str
    missing: list[str]

    @property
    def rate(self) -> float:
        return self.errors / max(1, self.units)


def narrate(sample: Path, out: Path) -> tuple[dict, dict, float]:
    """The dry-run's plan (language, source), the run's result (chunks, retakes, failed; QA on
    as a user runs it) and the run's wall time."""
    cli = [sys.executable, "-m", "narration.cli", str(sample), "--out", str(out), "--backend", "auto", "--json"]
    plan = json.loads(subprocess.run([*cli, "--dry-run"], check=True, capture_output=True, text=True,
                                     cwd=ROOT).stdout)  # fmt: skip
    started = time.monotonic()
    run = subprocess.run([*cli, "--no-m4b", "--format", "flac"], capture_output=True, text=True, cwd=ROOT, check=False)
    if run.returncode not in (0, 1):  # 1: some chunk failed QA, which the table says
        raise RuntimeError(run.stderr[-2000:])
    done = json.loads(run.stdout or "[]")  # empty where a chunk failed QA: then no chapter is assembled
    result = done[0] if done else {"incomplete": run.stderr.strip().splitlines()[-1]}
    return plan, result, time.monotonic() - started


def measure(language: str, transcriber: Transcriber, scratch: Path) -> Row:
    sample = SAMPLES / f"{language}.md"
    plan, result_doc, wall = narrate(sample, scratch)
    book = json.loads(next(scratch.glob("*/book.json")).read_text(encoding="utf-8"))
    reference = " ".join(" ".join([ch["title"], *(p["text"] for p in ch["paragraphs"])]) for ch in book["chapters"])
    audios = [read_wav(p) for p in sorted(scratch.glob("*/.work/chapters/*.wav"))]
    heard = transcriber.transcribe([piece for a in audios for piece in at_pauses(a)], language, model="base")
    result = compare(reference, heard, language)
    qa = (result_doc.get("incomplete") or
          f"{result_doc['chunks'] - len(result_doc['failed'])}/{result_doc['chunks']} chunks passed, {result_doc['retakes']} retakes")
    return Row(language, DEFAULT_VOICES[language], plan["language"], plan.get("language_source", ""), qa,
               sum(a.duration for a in audios), wall, result.errors, len(result.reference), unit_for(language),
               heard, [" ".join(run) for run in result.missing])  # fmt: skip


def at_pauses(audio: Audio, pause: float = 0.5, level: float = 0.01) -> list[Audio]:
    """The audio cut in the middle of every pause of ``pause`` seconds or more (between
    paragraphs and sentences), so no piece outgrows Whisper's 30 s window."""
    frame = audio.sample_rate // 50
    frames = len(audio.samples) // frame
    loud = np.abs(audio.samples[: frames * frame]).reshape(frames, frame).max(axis=1) > level
    cuts, quiet_from = [0], None
    for i, is_loud in enumerate([*loud, True]):
        if not is_loud and quiet_from is None:
            quiet_from = i
        elif is_loud and quiet_from is not None:
            if (i - quiet_from) * frame >= pause * audio.sample_rate:
                cuts.append((quiet_from + i) // 2 * frame)
            quiet_from = None
    cuts.append(len(audio.samples))
    return [Audio(audio.samples[a:b], audio.sample_rate) for a, b in zip(cuts, cuts[1:]) if b > a]


def report(rows: list[Row]) -> str:
    lines = [
        "# Kokoro v1.0 in six more languages: heard back by whisper base",
        "",
        f"Machine: {machine()}.",
        "",
        "Each sample (`inputs/languages/*.md`, written for this: a title and three paragraphs with a",
        "number and a name) narrated by `narrate SAMPLE --backend auto` with QA on, as a user runs it",
        "(the language decided from the text, the voice the language's default, QA's whisper base per",
        "chunk); then its chapter audio, cut at its pauses, transcribed by faster-whisper `base` in the",
        "language and compared with the text as QA compares a chunk (both sides normalised the same way;",
        "Mandarin by characters). `bench/kokoro_languages.py` made this file.",
        "",
        "| language | detected (source) | voice | narrate's QA | audio | wall | WER/CER | errors / units | missed runs |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(f"| {NAMES[r.language]} | {r.detected} ({r.source}) | {r.voice} | {r.qa} | {r.audio_seconds:.1f} s | "
                     f"{r.wall_seconds:.0f} s | {100 * r.rate:.1f} % | {r.errors} / {r.units} {r.unit}s | "
                     f"{'; '.join(r.missing[:3]) or '-'} |")
    lines += [
        "",
        "Hindi: whisper base writes Hindi speech in Urdu's script (Perso-Arabic), so nothing it writes",
        "matches the Devanagari text and the rate is 100 % whatever the voice said; read as sounds, its",
        "transcript below follows the text (`نَدی کے کنارے` is नदी के किनारे). QA therefore gives Hindi",
        "chunks the signal checks only under `--asr-model auto`/`base` (`narration.qa.asr.OTHER_SCRIPT`).",
        "Mandarin is heard with a prompt in simplified characters (`SCRIPT_PROMPTS`): without it base",
        "wrote traditional ones.",
        "",
        "What whisper base heard:",
        "",
    ]
    lines += [f"- {NAMES[r.language]}: {r.heard}" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kokoro_languages.md")
    args = parser.parse_args()
    transcriber = Transcriber(AsrOptions(model="base"))
    rows = []
    for language in args.languages.split(","):
        with tempfile.TemporaryDirectory(prefix=f"kokoro-{language}-") as scratch:
            rows.append(measure(language, transcriber, Path(scratch)))
        print(f"{language}: {100 * rows[-1].rate:.1f} % in {rows[-1].wall_seconds:.0f} s", flush=True)
    atomic.write_text(args.out, report(rows))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
