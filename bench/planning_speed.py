"""Planning speed: seconds for ``narrate BOOK --dry-run``'s work (ingest, sentences,
normalisation, chunks), side by side in one run.

    .venv/bin/python bench/planning_speed.py [--war-and-peace PATH] [--words 450000] [--chars 400000]

Times ``narration.run.plan.plan_book`` (what ``--dry-run`` runs before printing) with the default
options on: the sample book (inputs/aesop-fables.epub); War and Peace if a path is given; a
generated Markdown book of ``--words`` words (varied sentences with abbreviations, numbers,
quotes and some over-long comma-spliced sentences, the kind the chunker has to cut); and one
generated paragraph of ``--chars`` characters with no sentence punctuation at all (OCR output,
poetry without stops), which pysbd leaves as one sentence and the chunker has to cut between
words. Each is planned once in this process (a fresh process per book would add the same
~1 s of imports to each); this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import platform
import random
import tempfile
import time
from pathlib import Path

from hardware import cpu_description  # bench/ is on sys.path when run

from narration.options import NarrationOptions
from narration.run.plan import plan_book

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = ROOT / "inputs" / "aesop-fables.epub"
SOURCE = ROOT / "scripts" / "sample_sources" / "aesop-townsend.txt"
# Tokens the normaliser and pysbd both have opinions about.
SPICE = ["Mr.", "Mrs.", "Dr.", "St.", "No. 7", "1812", "$3.50", "12.5%", "3:30 pm", "e.g.", "etc.", "Henry VIII",
         "the 1990s", "5 km", "22nd", "Chapter IV"]


def _vocabulary() -> list[str]:
    words = [w.strip(".,;:!?\"'()") for w in SOURCE.read_text(encoding="utf-8").split()]
    return [w for w in words if w.isalpha()]


def build_book(path: Path, words: int, seed: int = 0) -> Path:
    """A Markdown book of about ``words`` words: chapters of ~3,000 words, paragraphs of 1-12
    sentences; one sentence in 40 is a long comma-spliced one (60-160 words)."""
    rng, vocab = random.Random(seed), _vocabulary()
    out, count, chapter = ["# Planning Bench\n"], 0, 0
    while count < words:
        if count >= chapter * 3000:
            chapter += 1
            out.append(f"## Chapter {chapter}\n")
        sentences = []
        for _ in range(rng.randint(1, 12)):
            n = rng.randint(60, 160) if rng.random() < 0.025 else rng.randint(4, 30)
            tokens = [rng.choice(SPICE) if rng.random() < 0.03 else rng.choice(vocab) for _ in range(n)]
            for i in range(5, n - 1, rng.randint(5, 12)):
                tokens[i] += rng.choice([",", ",", ";", " —"])
            sentence = " ".join(tokens)
            sentence = sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", "?", "!"])
            if rng.random() < 0.2:
                sentence = f"\u201c{sentence}\u201d"
            sentences.append(sentence)
            count += n
        out.append(" ".join(sentences) + "\n")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def build_unpunctuated(path: Path, chars: int, seed: int = 1) -> Path:
    """One paragraph of ``chars`` characters of lower-case words, no punctuation at all."""
    rng, vocab = random.Random(seed), [w.lower() for w in _vocabulary()]
    words, size = [], 0
    while size < chars:
        words.append(rng.choice(vocab))
        size += len(words[-1]) + 1
    path.write_text("# Unpunctuated\n\n" + " ".join(words)[:chars] + "\n", encoding="utf-8")
    return path


def timed(path: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    plan = plan_book(path, NarrationOptions())
    seconds = time.perf_counter() - start
    words = sum(len(p.text.split()) for ch in plan.book.chapters for p in ch.paragraphs)
    return seconds, words, len(plan.chunks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--war-and-peace", type=Path, help="War and Peace (any edition the readers take)")
    parser.add_argument("--words", type=int, default=450_000, help="words in the generated book")
    parser.add_argument("--chars", type=int, default=400_000, help="characters in the unpunctuated paragraph")
    args = parser.parse_args()

    print(f"machine: {cpu_description()}; {platform.system()} {platform.release()}; "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        books = [("sample book", SAMPLE)]
        if args.war_and_peace:
            books.append(("War and Peace", args.war_and_peace))
        books.append((f"generated {args.words:,}-word book", build_book(Path(tmp) / "book.md", args.words)))
        books.append((f"generated {args.chars:,}-char unpunctuated paragraph",
                      build_unpunctuated(Path(tmp) / "paragraph.md", args.chars)))
        timed(SAMPLE)  # warm-up: imports, pysbd's language tables
        print(f"{'book':<48} {'words':>9} {'chunks':>7} {'seconds':>8}")
        for name, path in books:
            seconds, words, chunks = timed(path)
            print(f"{name:<48} {words:>9,} {chunks:>7,} {seconds:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
