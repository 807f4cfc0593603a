"""The whole pipeline on one GPU with Qwen3-TTS: a book through ``narration.narrate()``.

    .venv/bin/python bench/qwen3_pipeline_gpu.py --model DIR [--book inputs/aesop-fables.epub]
        [--quantization nf4] [--out bench/results/qwen3_pipeline-<device>.md]

``DIR`` is a Qwen3-TTS CustomVoice checkpoint; on a machine that reaches no hub, the random-weights
1.7B one that ``bench/qwen3_gpu.py --workdir DIR`` builds. Random weights never choose end of
speech, so every take would be a runaway and be retaken: here each chunk is made to stop at the
length the backend expects for its text (the same work a trained model does for it). QA is off
(``--no-qa``: a random model's audio is noise) and so is the emotion stage.

Prints and writes: the batches the backend planned (sizes), chunk count, audio seconds, peak GPU
memory, and the wall time split between synthesis (model load included, said apart) and the rest
(planning, chapter and book assembly), timed from the run's own progress events.
"""

from __future__ import annotations

import argparse
import logging
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FRAME_RATE = 12.5


class Timeline:
    """A progress listener that stamps each event, to split the run's wall time by stage."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.synthesis_s = 0.0
        self.assembly_s = 0.0
        self.chunks = 0
        self.audio_s = 0.0
        self.started_at = 0.0

    def _lap(self) -> float:
        now = time.perf_counter()
        lap, self.last = now - self.last, now
        return lap

    def book_started(self, title: str, chapters: int, chunks: int, cached: int) -> None:
        self.started_at = self._lap()  # planning, tagging and keying before the first batch
        print(f"{title}: {chapters} chapters, {chunks} chunks ({cached} stored)", flush=True)

    def chunks_done(self, count: int, audio_seconds: float) -> None:
        self.synthesis_s += self._lap()
        self.chunks += count
        self.audio_s += audio_seconds

    def chapter_done(self, index: int, title: str) -> None:
        self.assembly_s += self._lap()


def ends_at_expected_length(backend) -> None:
    """Stop each row at its text's expected length (random weights never pick end of speech)."""
    from qwen3_gpu import fixed_length_processor

    from narration.synthesis.qwen3 import FRAME_RATE as RATE
    from narration.synthesis.qwen3 import expected_seconds

    eos = backend._model().model.config.talker_config.codec_eos_token_id

    def processors(requests, attempt):
        expected = [max(2, round(expected_seconds(r.text, r.language, backend.limits) * RATE)) for r in requests]
        return [fixed_length_processor(expected, eos)]

    backend._extra_talker_processors = processors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="a Qwen3-TTS CustomVoice folder")
    parser.add_argument("--book", type=Path, default=ROOT / "inputs" / "aesop-fables.epub")
    parser.add_argument("--quantization", default="nf4")
    parser.add_argument("--device", default="cuda:0", help="cpu (a tiny model, fp32) checks the script here")
    parser.add_argument("--out", type=Path, help="default bench/results/qwen3_pipeline-<device>.md")
    args = parser.parse_args()

    import torch

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from narration import NarrationOptions, Narrator, narrate
    from narration.emotion.settings import EmotionSettings
    from narration.run.narrator import load_backend
    from narration.store import atomic
    from narration.synthesis.qwen3 import log as qwen3_log

    cuda = args.device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        print("bench/qwen3_pipeline_gpu.py needs CUDA (or --device cpu with a tiny model)", file=sys.stderr)
        return 2
    device_name = torch.cuda.get_device_name(0) if cuda else f"CPU {platform.machine()}"
    options = NarrationOptions(
        backend="qwen3", model=str(args.model), quantization=args.quantization, qa=False, emotion=EmotionSettings(enabled=False),
    )
    batches: list[int] = []

    class Counting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("qwen3: ") and record.args:
                batches.append(int(record.args[0]))

    qwen3_log.addHandler(Counting(level=logging.DEBUG))
    qwen3_log.setLevel(logging.DEBUG)
    load_s = 0.0

    def factory(opts: NarrationOptions):
        nonlocal load_s
        backend = load_backend(opts)
        started = time.perf_counter()
        backend._model()
        load_s = time.perf_counter() - started
        ends_at_expected_length(backend)
        return backend

    timeline = Timeline()
    error = None
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="qwen3-pipeline-") as out_dir, Narrator(backend_factory=factory) as narrator:
        try:
            result = narrate(args.book, out_dir, options, on_progress=timeline, narrator=narrator)
            outputs = f"{len(result.chapters)} chapter files, M4B {'yes' if result.m4b else 'no'}"
        except Exception as exc:  # noqa: BLE001 - reported with what was measured before it
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
            outputs = f"stopped: {error}"
        wall = time.perf_counter() - started
        rest = wall - timeline.synthesis_s
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
    sizes = ", ".join(str(b) for b in batches) or "-"
    lines = [
        f"# The whole pipeline with Qwen3-TTS on {device_name}",
        "",
        f"`bench/qwen3_pipeline_gpu.py`, {time.strftime('%Y-%m-%d')}: `{args.book.name}` through `narration.narrate()`, "
        f"backend qwen3 ({args.quantization}), model `{args.model.name}` (random weights, each chunk stopped at its "
        f"expected length), QA and emotion off; torch {torch.__version__}; ffmpeg "
        f"{'found' if shutil.which('ffmpeg') else 'NOT found'}.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| outputs | {outputs} |",
        f"| chunks synthesized | {timeline.chunks} |",
        f"| audio | {timeline.audio_s:.1f} s |",
        f"| batches the backend planned (items each) | {sizes} |",
        f"| wall time, whole run | {wall:.1f} s |",
        f"| synthesis (generate + decode + store), model load included | {timeline.synthesis_s:.1f} s "
        f"({timeline.synthesis_s / wall:.0%}) |",
        f"| model load (in the first batch) | {load_s:.1f} s |",
        f"| the rest (plan, keys, chapter and book assembly) | {rest:.1f} s ({rest / wall:.0%}); assembly "
        f"{timeline.assembly_s:.1f} s |",
        f"| audio seconds per synthesis second (load excluded) | "
        f"{timeline.audio_s / max(timeline.synthesis_s - load_s, 1e-9):.2f} |",
        f"| peak GPU memory | {peak:.2f} GB |",
        "",
    ]
    report = "\n".join(lines)
    slug = re.sub(r"[^a-z0-9]+", "-", device_name.lower()).strip("-")
    out = args.out or ROOT / "bench" / "results" / f"qwen3_pipeline-{slug}.md"
    atomic.write_text(out, report)
    print(report)
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
