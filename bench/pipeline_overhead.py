"""What the pipeline itself costs: a whole ``narrate()`` run against a plain Piper loop.

    .venv/bin/python bench/pipeline_overhead.py [--words 5000] [--runs 1] [--out bench/results/pipeline_overhead.md]

For each book (the sample ``inputs/aesop-fables.epub`` and a Markdown book of ``--words`` words
made from the sample's own paragraphs), side by side in one run:

- **plain Piper loop**: the book's chunk texts (planned beforehand, outside the timing) read by
  the Piper backend in batches of 8, nothing written: the least any tool must spend;
- **narrate()**: the library call with QA off (``--no-qa``), from the book file to chapter MP3s
  and the M4B, in a fresh output folder: planning, the emotion model, synthesis, storing,
  loudness, encoding, tags, the report of the run;
- **narrate CLI**: the ``narrate BOOK --no-qa`` command, which adds the Prefect flow and its
  temporary server.

Each runs in its own Python process; CPU is that process's user + system time (its children,
ffmpeg, included), wall is its elapsed time. Ratios are against the plain loop of the same book.
Not a test: it prints, and writes the table with the machine named.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.hardware import machine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

PLAIN_LOOP = """
import json, sys
from narration.model import Utterance
from narration.synthesis import get_backend
texts = json.load(open(sys.argv[1]))
backend = get_backend("piper")
for i in range(0, len(texts), 8):
    backend.synthesize([Utterance(t["text"], language=t["language"]) for t in texts[i:i + 8]])
"""

LIBRARY = """
import sys
from narration import NarrationOptions, narrate
narrate(sys.argv[1], sys.argv[2], NarrationOptions(synthesis={"backend": "piper"}, qa={"enabled": False}))
"""


def timed(command: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process and everything it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def long_book(words: int, folder: Path) -> Path:
    """A Markdown book of about ``words`` words, five chapters, from the sample's own paragraphs,
    each opening with its own telling number: the chunk store keys chunks by their text, so a
    repeated paragraph would be synthesized once and the book would cost less than its texts."""
    from num2words import num2words

    from narration.ingest import load_book
    from narration.options import IngestOptions

    sample = load_book(ROOT / "inputs" / "aesop-fables.epub", IngestOptions())
    paragraphs = [p.text for ch in sample.chapters for p in ch.paragraphs if len(p.text.split()) > 8]
    lines, count, n = ["# Fables at Length", ""], 0, 0
    per_chapter = words // 5
    for chapter in range(1, 6):
        lines += [f"## Chapter {chapter}", ""]
        in_chapter = 0
        while in_chapter < per_chapter:
            text = f"In the {num2words(n + 1, to='ordinal')} telling: {paragraphs[n % len(paragraphs)]}"
            lines += [text, ""]
            in_chapter += len(text.split())
            n += 1
        count += in_chapter
    path = folder / f"fables-{words}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def chunk_texts(book: Path, folder: Path) -> Path:
    from narration.options import NarrationOptions
    from narration.run.plan import plan_book

    plan = plan_book(book, NarrationOptions(synthesis={"backend": "piper"}))
    path = folder / f"{book.stem}-chunks.json"
    path.write_text(json.dumps([{"text": c.text, "language": c.language} for c in plan.chunks]), encoding="utf-8")
    return path


def measure(book: Path, folder: Path, runs: int) -> dict[str, tuple[float, float]]:
    texts = chunk_texts(book, folder)
    results: dict[str, list[tuple[float, float]]] = {"plain Piper loop": [], "narrate()": [], "narrate CLI": []}
    for run in range(runs):
        out = folder / f"out-{book.stem}-{run}"
        results["plain Piper loop"].append(timed([PYTHON, "-c", PLAIN_LOOP, str(texts)]))
        results["narrate()"].append(timed([PYTHON, "-c", LIBRARY, str(book), str(out / "lib")]))
        results["narrate CLI"].append(timed([PYTHON, "-m", "narration.cli", str(book), "--no-qa", "--backend", "piper",
                                             "--out", str(out / "cli")]))
    return {name: (min(c for c, _ in values), min(w for _, w in values)) for name, values in results.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=5000, help="length of the longer book")
    parser.add_argument("--runs", type=int, default=1, help="runs of each; the least CPU and wall are kept")
    parser.add_argument("--out", type=Path, help="write the table here (default: print only)")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory(prefix="pipeline-overhead-") as tmp:
        folder = Path(tmp)
        books = [ROOT / "inputs" / "aesop-fables.epub", long_book(args.words, folder)]
        for book in books:
            measured = measure(book, folder, args.runs)
            base_cpu, base_wall = measured["plain Piper loop"]
            for name, (cpu, wall) in measured.items():
                rows.append((book.name, name, cpu, wall, cpu / base_cpu, wall / base_wall))
                print(f"{book.name:28} {name:18} CPU {cpu:7.1f} s  wall {wall:7.1f} s  "
                      f"CPU x{cpu / base_cpu:.2f}  wall x{wall / base_wall:.2f}", flush=True)
    lines = [
        "# The pipeline's own cost",
        "",
        f"`bench/pipeline_overhead.py`, {time.strftime('%Y-%m-%d')}, on {machine()}. QA off, Piper "
        f"`en_US-joe-medium`; each row a fresh process (CPU = user + system, children included); "
        f"least of {args.runs} run(s).",
        "",
        "| book | run | CPU s | wall s | CPU / plain loop | wall / plain loop |",
        "|---|---|---:|---:|---:|---:|",
        *(f"| {b} | {n} | {c:.1f} | {w:.1f} | {rc:.2f} | {rw:.2f} |" for b, n, c, w, rc, rw in rows),
        "",
    ]
    if args.out:
        from narration.store import atomic

        atomic.write_text(args.out, "\n".join(lines))
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
