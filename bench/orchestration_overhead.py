"""Orchestration overhead: the Prefect book flow against the same library calls made directly.

    .venv/bin/python bench/orchestration_overhead.py [--words 5000] [--out bench/results/orchestration.md]

Builds a ~5,000-word Markdown book of distinct paragraphs (the chunk store is content-addressed,
so repeated text would be synthesized once), then narrates it from scratch, side by side in one
process: (a) ``narration.narrate()``, the library call running the pipeline's steps one after
another; (b) the ``narrate-book`` flow with one task worker, which does the same work one
task at a time, so the difference is what Prefect costs; (c) the flow as shipped, two task
workers (chapters assemble while the next batch synthesizes). The three alternate
(``--repeats`` rounds, the order reversed each round, so drift of a shared machine falls on
all) and the best of each is compared: a run on 2 cores varies by several percent on its own. Prefect's temporary server is
started by a warm-up flow run before timing, and its start is reported apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import cpu_description  # noqa: E402  (bench/ is on sys.path when run)
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

import flows  # noqa: E402,F401
from flows.book import narrate_book  # noqa: E402
from narration import narrate  # noqa: E402
from narration.options import NarrationOptions  # noqa: E402
from narration.store import atomic  # noqa: E402

SOURCE = ROOT / "scripts" / "sample_sources" / "aesop-townsend.txt"
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]


def build_book(path: Path, words: int) -> Path:
    paragraphs = [p.strip() for p in SOURCE.read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 12]
    out, count, n = ["# Orchestration Bench\n"], 0, 0
    while count < words:
        if n % 12 == 0:
            out.append(f"## Chapter {n // 12 + 1}\n")
        text = f"Passage {n + 1}. " + paragraphs[n % len(paragraphs)]
        out.append(text + "\n")
        count += len(text.split())
        n += 1
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def direct(book: Path, out: Path, options: NarrationOptions) -> float:
    """The same steps without Prefect: ``narration.narrate()`` (it loads the voice and unloads
    it at the end, as the flow does for each book)."""
    started = time.perf_counter()
    narrate(book, out, options)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=2, help="rounds of (direct, flow with 1 worker, flow)")
    parser.add_argument("--out", type=Path, help="also write the results table here (markdown)")
    args = parser.parse_args()
    # The CPU voice, no QA and no emotion model: what is left is synthesis, assembly and the
    # orchestration around them (QA and tagging would cost the same in both modes).
    options = NarrationOptions(backend="piper", qa=False, emotion={"enabled": False})
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        book = build_book(tmp / "bench.md", args.words)
        warm = build_book(tmp / "warm.md", 40)

        t0 = time.perf_counter()
        narrate_book(str(warm), str(tmp / "warm"), options)  # starts Prefect's temporary server
        server_start = time.perf_counter() - t0

        serial = narrate_book.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))
        modes = {
            "direct": lambda: direct(book, tmp / "direct", options),
            "flow, 1 worker": lambda: serial(str(book), str(tmp / "serial"), options),
            "flow": lambda: narrate_book(str(book), str(tmp / "flow"), options),
        }
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        cpu: dict[str, list[float]] = {mode: [] for mode in modes}
        for round_ in range(args.repeats):
            for mode in list(modes) if round_ % 2 == 0 else list(modes)[::-1]:
                for folder in ("direct", "serial", "flow"):
                    shutil.rmtree(tmp / folder, ignore_errors=True)
                c0, t0 = time.process_time(), time.perf_counter()
                result = modes[mode]()
                times[mode].append(time.perf_counter() - t0)
                cpu[mode].append(time.process_time() - c0)
                print(f"{mode}: {times[mode][-1]:.1f} s wall, {cpu[mode][-1]:.1f} s CPU", flush=True)
                if mode == "flow":
                    shape = (f"{args.words} words, {result.chunks} chunks, {len(result.chapters)} chapters, "
                             f"{result.audio_seconds / 60:.1f} min of audio")

    best = {mode: min(values) for mode, values in times.items()}
    rows = [
        ("machine", f"{cpu_description()}, no GPU, Python {platform.python_version()}"),
        ("book", shape),
        *[(f"{mode}, each run (s)", ", ".join(f"{t:.1f}" for t in values)) for mode, values in times.items()],
        *[(f"{mode}, CPU of this process (s, best)", f"{min(values):.1f}") for mode, values in cpu.items()],
        ("**flow, 1 worker / direct** (what Prefect costs; best of each)",
         f"**{best['flow, 1 worker'] / best['direct']:.3f}**"),
        (f"**flow / direct** (as shipped, {os.environ['PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS']} task workers)",
         f"**{best['flow'] / best['direct']:.3f}**"),
        ("warm-up flow incl. temporary server start (s)", f"{server_start:.1f}"),
    ]
    table = "| measure | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    print(table)
    if args.out:
        atomic.write_text(args.out, f"# Orchestration overhead\n\n{table}\n")


if __name__ == "__main__":
    main()
