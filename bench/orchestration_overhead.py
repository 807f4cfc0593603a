"""Orchestration overhead: the Prefect book flow against the same library calls made directly.

    .venv/bin/python bench/orchestration_overhead.py [--words 5000] [--out bench/results/orchestration.md]

Builds a ~5,000-word Markdown book of distinct paragraphs (the chunk store is content-addressed,
so repeated text would be synthesized once), then narrates it from scratch, side by side in one
process: (a) plan -> render_chunks -> assemble_chapter -> assemble_book called directly, batch
after batch; (b) the ``narrate-book`` flow with one task worker, which does the same work one
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
import flows  # noqa: E402,F401
from flows.book import narrate_book  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402
from narration import atomic  # noqa: E402
from narration.assembly import Pauses, assemble_book, assemble_chapter  # noqa: E402
from narration.emotion import tag_book  # noqa: E402
from narration.emotion.arc import plot_arc  # noqa: E402
from narration.emotion.script import write_script, write_script_base  # noqa: E402
from narration.layout import BookLayout  # noqa: E402
from narration.manifest import Manifest  # noqa: E402
from narration.options import NarrationOptions  # noqa: E402
from narration.plan import plan_book  # noqa: E402
from narration.store import chunk_keys  # noqa: E402
from narration.render import load_backend, render_chunks  # noqa: E402

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
    """What the flow does, step by step, without Prefect."""
    started = time.perf_counter()
    layout = BookLayout.for_book(out, book)
    plan = plan_book(book, options, layout.script, layout.script_base)
    atomic.write_text(layout.book_json, plan.book.to_json(indent=1))
    plan = plan.with_tags(tag_book(plan.book, None, options.emotion))
    write_script(layout.script, plan.book, plan.tags)
    write_script_base(layout.script_base, plan.source_book or plan.book, {})
    plot_arc(plan.book, plan.tags, layout.arc)
    keys = chunk_keys(plan.chunks, load_backend(options), options.voice)
    key_of = {c.index: k for c, k in zip(plan.chunks, keys)}
    manifest = Manifest(layout.manifest)
    manifest.set_plan(plan.chunks, keys, [ch.title for ch in plan.chapters])
    run_id = manifest.start_run()
    masters = []
    for chapter in plan.chapters:
        ck = [key_of[c.index] for c in chapter.chunks]
        for i in range(0, len(ck), options.batch_size):
            render_chunks(chapter.chunks[i : i + options.batch_size], ck[i : i + options.batch_size], layout, options,
                          manifest, run_id)
        master = layout.chapter_master(chapter.index)
        assemble_chapter([(layout.chunk_audio(k), c.pause_after) for k, c in zip(ck, chapter.chunks)],
                         layout.chapter_file(chapter.index, chapter.title, options.format), master_path=master,
                         pauses=Pauses(**options.pauses.model_dump()), fmt=options.format, bitrate=options.bitrate,
                         loudness=options.loudness, tags={"title": chapter.title})
        masters.append((chapter.title, master))
    assemble_book(masters, layout.m4b, title=plan.book.title, authors=plan.book.authors,
                  language=plan.book.language, cover=plan.book.cover, bitrate=options.bitrate)
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
        load_backend(options)  # the voice loads once per process in both modes

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
