"""QA cost and accuracy on the sample book: total WER and the QA-to-synthesis wall-time ratio.

    .venv/bin/python bench/qa_eval.py [--book inputs/aesop-fables.epub] [--repeats 1]
                                      [--batch-size N [N ...]] [--out bench/results/qa.md]

Plans the book as the flow does (chapters cut into batches of ``batch_size`` chunks), then for
each batch, side by side in one process: synthesize it with Piper (timed), check it with
``ChunkChecker.check_batch`` (signal checks + batched faster-whisper, timed). Alternating per
batch keeps the ratio fair when the machine's load drifts. Model loading (Piper voice, Whisper)
happens once before timing and is reported apart. ``--repeats`` runs the whole book again and
reports each pass; several ``--batch-size`` values are run one after the other.

Then the same book through the ``narrate-book`` flow, QA off and QA on (``--flow-rounds``
rounds, the order flipped each round): with two task workers, one batch's QA runs while the
next batch synthesizes, so what QA costs a user is the wall it adds to the flow, reported
against the sequential pass's synthesis wall.
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

from hardware import cpu_description  # noqa: E402  (bench/ is on sys.path when run)
from narration import atomic  # noqa: E402
from narration.options import NarrationOptions  # noqa: E402
from narration.plan import plan_book  # noqa: E402
from narration.qa.asr import ASR_RATE, AsrOptions, Transcriber, pack_windows  # noqa: E402
from narration.qa.check import ChunkChecker, QAResult  # noqa: E402
from narration.chunk_keys import utterance_for  # noqa: E402
from narration.synthesis import get_backend  # noqa: E402
from narration.audio import Audio  # noqa: E402


@dataclass
class Pass:
    batch_size: int = 0
    synth_wall: float = 0.0
    qa_wall: float = 0.0
    audio_seconds: float = 0.0
    results: list[tuple[int, int, QAResult]] = field(default_factory=list)  # (chunk, chapter, result)
    batches: list[list[Audio]] = field(default_factory=list)  # the audio, for the encoder-only timing

    @property
    def ratio(self) -> float:
        return self.qa_wall / self.synth_wall

    def wer(self, chapter: int | None = None) -> float:
        picked = [r for _, ch, r in self.results if chapter is None or ch == chapter]
        errors = sum(r.comparison.errors for r in picked if r.comparison)
        words = sum(len(r.comparison.reference) for r in picked if r.comparison)
        return errors / words if words else 0.0


def machine() -> dict[str, str]:
    return {
        "cpu": cpu_description(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "faster-whisper": importlib.metadata.version("faster-whisper"),
        "ctranslate2": importlib.metadata.version("ctranslate2"),
        "piper-tts": importlib.metadata.version("piper-tts"),
    }


def run_pass(plan, backend, checker: ChunkChecker, batch_size: int) -> Pass:
    result = Pass(batch_size=batch_size)
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
            result.batches.append(audios)
    return result


def encoder_only(transcriber: Transcriber, batches: list[list[Audio]]) -> tuple[float, int]:
    """Seconds Whisper's encoder alone takes on the same windows as QA (no decoding): the floor
    for any QA with this model, whatever the decoding strategy. Returns (seconds, windows)."""
    import ctranslate2
    import numpy as np

    model = transcriber.pipeline().model
    size = transcriber.options.resolved_batch_size()
    seconds, windows = 0.0, 0
    for audios in batches:
        audio, clips = pack_windows(transcriber.prepare(audios), transcriber.options.window)
        feats = [model.feature_extractor(audio[int(c["start"] * ASR_RATE) : int(c["end"] * ASR_RATE)])[..., :-1]
                 for c in clips]
        feats = [np.pad(f, ((0, 0), (0, 3000 - f.shape[1]))) for f in feats]  # as the pipeline pads
        windows += len(feats)
        for i in range(0, len(feats), size):
            batch = ctranslate2.StorageView.from_array(np.stack(feats[i : i + size]).astype(np.float32))
            t = time.perf_counter()
            model.model.encode(batch, to_cpu=False)
            seconds += time.perf_counter() - t
    return seconds, windows


def flow_walls(book: Path, rounds: int) -> dict[str, list[float]]:
    """Wall seconds of the book flow with QA off and on, alternating, after a warm-up run that
    starts Prefect's temporary server and loads both models."""
    import shutil
    import tempfile

    import flows  # noqa: F401
    from flows.book import narrate_book

    modes = {
        "off": NarrationOptions(backend="piper", qa=False, emotion={"enabled": False}),
        "on": NarrationOptions(backend="piper", qa=True, emotion={"enabled": False}),
    }
    walls: dict[str, list[float]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        warm = tmp / "warm.md"
        warm.write_text("# Warm\n\n## One\n\nA short warm-up paragraph for the models.\n", encoding="utf-8")
        narrate_book(str(warm), str(tmp / "warm"), modes["on"])
        for round_ in range(rounds):
            for mode in ("off", "on") if round_ % 2 == 0 else ("on", "off"):
                shutil.rmtree(tmp / mode, ignore_errors=True)
                t = time.perf_counter()
                narrate_book(str(book), str(tmp / mode), modes[mode])
                walls[mode].append(time.perf_counter() - t)
                print(f"flow, QA {mode}: {walls[mode][-1]:.1f} s", flush=True)
    return walls


def report(book: Path, plan, passes: list[Pass], loads: dict[str, float], asr: AsrOptions, device: str,
           load_before: tuple[float, ...], load_after: tuple[float, ...], encoder: tuple[float, int],
           walls: dict[str, list[float]]) -> str:
    info = machine()
    last = passes[-1]
    flagged = [(i, r) for i, _, r in last.results if not r.passed]
    lines = [
        "# QA bench: WER and QA cost against Piper synthesis",
        "",
        f"Book: `{book.relative_to(ROOT) if book.is_relative_to(ROOT) else book}`, {len(plan.chunks)} chunks, "
        f"{len(plan.chapters)} chapters, {last.audio_seconds:.0f} s of audio. "
        f"Command: `{' '.join(['.venv/bin/python', 'bench/qa_eval.py', *sys.argv[1:]])}`.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        f"- ASR: faster-whisper `{asr.model}` on {device} ({asr.resolved_compute_type()}), batch of "
        f"{asr.resolved_batch_size()} windows, greedy",
        f"- load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after: {', '.join(f'{x:.2f}' for x in load_after)} (other processes share these cores)",
        "",
        "## Results",
        "",
        "| pass | chunks per batch | synthesis wall s | QA wall s | QA / synthesis | synthesis RTF | QA RTF | total WER |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, p in enumerate(passes, 1):
        lines.append(
            f"| {n} | {p.batch_size} | {p.synth_wall:.1f} | {p.qa_wall:.1f} | **{p.ratio:.0%}** | "
            f"{p.synth_wall / p.audio_seconds:.3f} | {p.qa_wall / p.audio_seconds:.3f} | {p.wer():.1%} |"
        )
    for size in sorted({p.batch_size for p in passes}):
        ratios = [p.ratio for p in passes if p.batch_size == size]
        lines.append(f"\nMedian QA / synthesis with {size} chunks per batch: **{statistics.median(ratios):.0%}** "
                     f"({len(ratios)} pass{'es' if len(ratios) > 1 else ''}).")
    lines += [
        "",
        f"Whisper's encoder alone on the last pass's {encoder[1]} windows (no decoding): {encoder[0]:.1f} s, "
        f"**{encoder[0] / last.synth_wall:.0%}** of that pass's synthesis wall: the floor for any QA with this model.",
        "",
        f"One-time loads (not in the walls): {', '.join(f'{k} {v:.1f} s' for k, v in loads.items())}.",
        "",
        "## In the book flow",
        "",
        f"Task workers: {os.environ.get('PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS')} (one batch's QA overlaps the next "
        "batch's synthesis). Emotion tagging off in both.",
        "",
        "| QA | flow wall s, each run |",
        "|---|---|",
        *[f"| {mode} | {', '.join(f'{w:.1f}' for w in values)} |" for mode, values in walls.items()],
        "",
        f"QA adds {min(walls['on']) - min(walls['off']):.1f} s (best of each) to the flow: "
        f"**{(min(walls['on']) - min(walls['off'])) / last.synth_wall:.0%}** of the last sequential pass's synthesis wall.",
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
    parser.add_argument("--batch-size", type=int, nargs="+", default=[NarrationOptions().synthesis.batch_size])
    parser.add_argument("--asr-model", default="base")
    parser.add_argument("--flow-rounds", type=int, default=2, help="rounds of (QA off, QA on) through the flow")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "qa.md"))
    args = parser.parse_args()

    book = Path(args.book).resolve()
    options = NarrationOptions(backend="piper")  # the CPU voice, whatever "auto" would pick here
    plan = plan_book(book, options)
    backend = get_backend(options.synthesis.backend, **options.backend_options())
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
    passes = [run_pass(plan, backend, checker, size) for size in args.batch_size for _ in range(args.repeats)]
    encoder = encoder_only(transcriber, passes[-1].batches)
    walls = flow_walls(book, args.flow_rounds)
    load_after = os.getloadavg()

    for n, p in enumerate(passes, 1):
        print(f"pass {n} ({p.batch_size} chunks per batch): synthesis {p.synth_wall:.1f} s, QA {p.qa_wall:.1f} s, "
              f"QA/synthesis {p.ratio:.0%}, total WER {p.wer():.1%} ({p.audio_seconds:.0f} s of audio)")
    print(f"encoder alone: {encoder[0]:.1f} s on {encoder[1]} windows "
          f"({encoder[0] / passes[-1].synth_wall:.0%} of the last pass's synthesis)")
    text = report(book, plan, passes, loads, asr, transcriber.device, load_before, load_after, encoder, walls)
    atomic.write_text(args.out, text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
