"""QA cost and accuracy on the sample book: total WER and the QA-to-synthesis wall-time ratio.

    .venv/bin/python bench/qa_eval.py [--book inputs/aesop-fables.epub] [--repeats 1]
                                      [--batch-size N] [--out bench/results/qa.md]

Plans the book as the flow does (chapters cut into batches of ``batch_size`` chunks), then for
each batch, side by side in one process: synthesize it with Piper (timed), check it with
``ChunkChecker.check_batch`` (signal checks + batched faster-whisper, timed). Alternating per
batch keeps the ratio fair when the machine's load drifts. Model loading (Piper voice, Whisper)
happens once before timing and is reported apart. ``--repeats`` runs the whole book again
and reports each pass.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narration import atomic  # noqa: E402
from narration.options import NarrationOptions  # noqa: E402
from narration.plan import plan_book  # noqa: E402
from narration.qa.asr import AsrOptions, Transcriber  # noqa: E402
from narration.qa.check import ChunkChecker, QAResult  # noqa: E402
from narration.store import utterance_for  # noqa: E402
from narration.synthesis import get_backend  # noqa: E402


@dataclass
class Pass:
    synth_wall: float = 0.0
    qa_wall: float = 0.0
    audio_seconds: float = 0.0
    results: list[tuple[int, int, QAResult]] = field(default_factory=list)  # (chunk, chapter, result)

    @property
    def ratio(self) -> float:
        return self.qa_wall / self.synth_wall

    def wer(self, chapter: int | None = None) -> float:
        picked = [r for _, ch, r in self.results if chapter is None or ch == chapter]
        errors = sum(r.comparison.errors for r in picked if r.comparison)
        words = sum(len(r.comparison.reference) for r in picked if r.comparison)
        return errors / words if words else 0.0


def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": f"{model}, {cores} cores available",
        "python": platform.python_version(),
        "os": platform.platform(),
        "faster-whisper": importlib.metadata.version("faster-whisper"),
        "ctranslate2": importlib.metadata.version("ctranslate2"),
        "piper-tts": importlib.metadata.version("piper-tts"),
    }


def run_pass(plan, backend, checker: ChunkChecker, batch_size: int) -> Pass:
    result = Pass()
    for chapter in plan.chapters:
        for start in range(0, len(chapter.chunks), batch_size):
            batch = chapter.chunks[start : start + batch_size]
            t0 = time.perf_counter()
            audios = backend.synthesize([utterance_for(c, None) for c in batch])
            t1 = time.perf_counter()
            verdicts = checker.check_batch([c.text for c in batch], audios, [c.language for c in batch])
            t2 = time.perf_counter()
            result.synth_wall += t1 - t0
            result.qa_wall += t2 - t1
            result.audio_seconds += sum(a.duration for a in audios)
            result.results += [(c.index, c.chapter, v) for c, v in zip(batch, verdicts)]
    return result


def report(book: Path, plan, passes: list[Pass], loads: dict[str, float], asr: AsrOptions, device: str,
           batch_size: int, load_before: tuple[float, ...], load_after: tuple[float, ...]) -> str:
    info = machine()
    last = passes[-1]
    flagged = [(i, r) for i, _, r in last.results if not r.passed]
    lines = [
        "# QA bench: WER and QA cost against Piper synthesis",
        "",
        f"Book: `{book.relative_to(ROOT) if book.is_relative_to(ROOT) else book}`, {len(plan.chunks)} chunks, "
        f"{len(plan.chapters)} chapters, {last.audio_seconds:.0f} s of audio. Command: `.venv/bin/python bench/qa_eval.py`.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        f"- ASR: faster-whisper `{asr.model}` on {device} ({asr.resolved_compute_type()}), batch of "
        f"{asr.resolved_batch_size()} windows, greedy; synthesis and QA per batch of {batch_size} chunks",
        f"- load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} (other processes share these cores)",
        "",
        "## Results",
        "",
        "| pass | synthesis wall s | QA wall s | QA / synthesis | synthesis RTF | QA RTF | total WER |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, p in enumerate(passes, 1):
        lines.append(
            f"| {n} | {p.synth_wall:.1f} | {p.qa_wall:.1f} | **{p.ratio:.0%}** | {p.synth_wall / p.audio_seconds:.3f} | "
            f"{p.qa_wall / p.audio_seconds:.3f} | {p.wer():.1%} |"
        )
    if len(passes) > 1:
        lines.append(f"\nMedian QA / synthesis: **{statistics.median(p.ratio for p in passes):.0%}**.")
    lines += [
        "",
        f"One-time loads (not in the walls): {', '.join(f'{k} {v:.1f} s' for k, v in loads.items())}.",
        "",
        "Per-chapter WER (last pass): "
        + ", ".join(f"{ch.index + 1}: {last.wer(ch.index):.1%}" for ch in plan.chapters)
        + ".",
        "",
        f"Chunks failing QA on clean audio (false alarms, last pass): {len(flagged)}"
        + ("" if not flagged else ": " + "; ".join(f"#{i} {', '.join(r.reasons)}" for i, r in flagged)),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(ROOT / "inputs" / "aesop-fables.epub"))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=NarrationOptions().batch_size)
    parser.add_argument("--asr-model", default="base")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "qa.md"))
    args = parser.parse_args()

    book = Path(args.book).resolve()
    options = NarrationOptions()
    plan = plan_book(book, options)
    backend = get_backend(options.backend, **options.backend_options())
    asr = AsrOptions(model=args.asr_model)
    transcriber = Transcriber(asr)
    checker = ChunkChecker(transcriber)

    loads: dict[str, float] = {}
    t = time.perf_counter()
    backend.synthesize([utterance_for(plan.chunks[0], None)])  # loads the voice
    loads["Piper voice"] = time.perf_counter() - t
    t = time.perf_counter()
    transcriber.pipeline()
    loads["Whisper"] = time.perf_counter() - t

    load_before = os.getloadavg()
    passes = [run_pass(plan, backend, checker, args.batch_size) for _ in range(args.repeats)]
    load_after = os.getloadavg()

    for n, p in enumerate(passes, 1):
        print(f"pass {n}: synthesis {p.synth_wall:.1f} s, QA {p.qa_wall:.1f} s, "
              f"QA/synthesis {p.ratio:.0%}, total WER {p.wer():.1%} ({p.audio_seconds:.0f} s of audio)")
    text = report(book, plan, passes, loads, asr, transcriber.device, args.batch_size, load_before, load_after)
    atomic.write_text(args.out, text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
