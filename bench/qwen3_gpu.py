"""Qwen3-TTS on one GPU: throughput and memory of the qwen3 backend, batch by batch.

    .venv/bin/python bench/qwen3_gpu.py [--size 1.7b] [--frames 150] [--batch-sizes 1,8,16,32,64]
        [--quantizations bf16,nf4] [--attentions sdpa,flash_attention_2] [--samplers seeded]
        [--workdir DIR] [--out bench/results/qwen3_gpu-<device>.md]
    .venv/bin/python bench/qwen3_gpu.py --size tiny --device cpu --frames 12 --batch-sizes 1,4
        (the tests' tiny model on the CPU: checks that the script runs, measures nothing useful)

Builds the real Qwen3-TTS-12Hz CustomVoice architecture (1.7B or 0.6B talker, code predictor,
12 Hz speech tokenizer) with random weights from config alone, nothing downloaded: the compute
per frame is the real one, the speech is noise. The checkpoint is written to disk and loaded
through the backend's own loading code, once per quantization x attention. Every item is made to
stop after exactly ``--frames`` frames (EOS banned before, forced at), so a batch of B does
B x frames frames of work. Generation (talker + code predictor, the backend's seeded sampler)
and decoding (speech tokenizer) are timed apart, with CUDA synchronised around each.

Columns: frames/s generated (all streams), audio seconds per wall second end to end (generate +
decode; the aggregate real-time factor), the same per stream, and peak GPU memory during the
batch. ``--samplers hf`` also times qwen_tts's own HF sampling (one global RNG) to show what the
per-item seeded sampler costs.

The table is rewritten after every row, so a run cut short keeps what it measured. Exits with a
message, and status 2, on a machine without CUDA (unless ``--device cpu``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import platform
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FRAME_RATE = 12.5
TARGET_AGGREGATE = 100.0  # x real time at the best batch size (issue 5)
TARGET_NF4_BATCH16_GB = 8.0


@dataclass
class Row:
    size: str
    quantization: str
    attention: str
    sampler: str
    batch: int
    frames: int = 0
    generate_s: float = 0.0
    decode_s: float = 0.0
    peak_gb: float = 0.0
    note: str = ""

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.generate_s if self.generate_s else 0.0

    @property
    def audio_per_wall(self) -> float:
        wall = self.generate_s + self.decode_s
        return self.frames / FRAME_RATE / wall if wall else 0.0

    @property
    def per_stream(self) -> float:
        return self.audio_per_wall / self.batch if self.batch else 0.0


def fixed_length_processor(frames: int | Sequence[int], eos: int):
    """Bans EOS before ``frames`` frames (one number for every row, or one per row) and forces it
    then: each stream does exactly that much work."""
    import torch
    from transformers import LogitsProcessor

    class FixedLength(LogitsProcessor):
        def __call__(self, input_ids, scores):
            limit = torch.as_tensor(frames, device=scores.device).expand(scores.shape[0])
            done = input_ids.shape[-1] >= limit
            scores = scores.clone()
            scores[done] = float("-inf")
            scores[:, eos] = torch.where(done, 0.0, float("-inf"))
            return scores

    return FixedLength()


def text_for(frames: int, index: int) -> str:
    """A text whose expected reading takes about ``frames`` frames, so no runaway check fires."""
    words = ("the", "quiet", "harbour", "lamps", "were", "lit", "one", "by", "one", "as", "evening", "came")
    chars = round(frames / FRAME_RATE * 14)
    out, i = [f"Line {index}:"], 0
    while len(" ".join(out)) < chars:
        out.append(words[i % len(words)])
        i += 1
    return " ".join(out) + "."


@contextlib.contextmanager
def hf_sampling(backend, frames: int) -> Iterator[None]:
    """Swap the backend's seeded generate for qwen_tts's own HF sampling (one RNG per batch)."""
    import torch

    tts = backend._model()
    model = tts.model
    eos = model.config.talker_config.codec_eos_token_id
    original_generate, original_talker = backend._generate, model.talker.generate
    s = backend.sampling

    def talker_generate(*args, **kwargs):
        kwargs.update(logits_processor=[fixed_length_processor(frames, eos)], pad_token_id=eos)
        return original_talker(*args, **kwargs)

    def generate(requests, attempt):
        from narration.synthesis.qwen3 import Take

        input_ids = tts._tokenize_texts([tts._build_assistant_text(r.text) for r in requests])
        with torch.inference_mode():
            codes, _ = model.generate(
                input_ids=input_ids,
                instruct_ids=[None] * len(requests),
                languages=[r.qwen_language for r in requests],
                speakers=[r.speaker for r in requests],
                non_streaming_mode=True,
                max_new_tokens=frames + 2,
                do_sample=True,
                temperature=s["temperature"],
                top_k=int(s["top_k"]),
                top_p=s["top_p"],
                repetition_penalty=s["repetition_penalty"],
                subtalker_temperature=s["subtalker_temperature"],
                subtalker_top_k=int(s["subtalker_top_k"]),
                subtalker_top_p=s["subtalker_top_p"],
            )
        return [Take(r, c, r.seed, attempt, len(requests)) for r, c in zip(requests, codes, strict=True)]

    model.talker.generate = talker_generate
    backend._generate = generate
    try:
        yield
    finally:
        del model.talker.generate
        backend._generate = original_generate


def synchronize() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def measure(backend, batch: int, frames: int, row: Row) -> Row:
    import torch

    from narration.model import Utterance

    cuda = torch.cuda.is_available()
    requests = [backend._request(i, Utterance(text_for(frames, i), seed=1000 + i)) for i in range(batch)]
    synchronize()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    takes = backend._generate(requests, 0)
    synchronize()
    row.generate_s = time.perf_counter() - started
    started = time.perf_counter()
    backend._decode(takes)
    synchronize()
    row.decode_s = time.perf_counter() - started
    row.frames = sum(t.frames for t in takes)
    row.peak_gb = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
    if row.frames != batch * frames:
        row.note = f"expected {batch * frames} frames"
    return row


def run_config(
    model_dir: Path, args: argparse.Namespace, quantization: str, attention: str, rows: list[Row], saved
) -> None:
    import torch

    from narration.model import Utterance
    from narration.synthesis.qwen3 import Qwen3Backend

    base = {"size": args.size, "quantization": quantization, "attention": attention}
    if attention == "flash_attention_2" and importlib.util.find_spec("flash_attn") is None:
        rows.append(Row(**base, sampler="-", batch=0, note="flash-attn not installed"))
        saved()
        return
    backend = Qwen3Backend(
        model=str(model_dir),
        device=args.device,
        quantization=quantization,
        attention=attention,
        max_batch_size=max(args.batch_sizes),
        token_budget=1 << 30,
        retries=0,
    )
    started = time.perf_counter()
    tts = backend._model()
    load_s = time.perf_counter() - started
    weights_gb = torch.cuda.memory_allocated() / 2**30 if torch.cuda.is_available() else 0.0
    print(f"{quantization}/{attention}: loaded in {load_s:.1f} s, {weights_gb:.2f} GB, runs {backend.attention_used}")
    eos = tts.model.config.talker_config.codec_eos_token_id
    backend._extra_talker_processors = lambda requests, attempt: [fixed_length_processor(args.frames, eos)]
    backend.synthesize([Utterance(text_for(24, i)) for i in range(2)])  # warm-up: kernels, allocator
    for sampler in args.samplers:
        with hf_sampling(backend, args.frames) if sampler == "hf" else contextlib.nullcontext():
            for batch in args.batch_sizes:
                row = Row(**base, sampler=sampler, batch=batch)
                if backend.attention_used != attention:
                    row.note = f"fell back to {backend.attention_used}"
                try:
                    measure(backend, batch, args.frames, row)
                except torch.OutOfMemoryError:
                    row.note = "out of memory"
                    torch.cuda.empty_cache()
                except Exception as error:  # noqa: BLE001 - a failed row is reported, the next one still runs
                    traceback.print_exc()
                    row.note = f"failed: {type(error).__name__}: {str(error)[:120]}"
                print(
                    f"  {sampler:6} batch {batch:3}: {row.frames_per_s:8.1f} frames/s, "
                    f"{row.audio_per_wall:7.2f} x real time, peak {row.peak_gb:.2f} GB {row.note}"
                )
                rows.append(row)
                saved()
    backend.close()


def versions() -> str:
    names = ("torch", "transformers", "qwen-tts", "bitsandbytes", "accelerate", "flash-attn")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} -")
    return ", ".join(found)


def table(rows: list[Row]) -> str:
    lines = [
        "| model | quant | attention | sampler | batch | frames/s | audio s per wall s | per stream | "
        "generate s | decode s | peak GB | note |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.size} | {r.quantization} | {r.attention} | {r.sampler} | {r.batch} | {r.frames_per_s:.1f} | "
            f"{r.audio_per_wall:.2f} | {r.per_stream:.2f} | {r.generate_s:.2f} | {r.decode_s:.2f} | "
            f"{r.peak_gb:.2f} | {r.note} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[str]:
    measured = [r for r in rows if r.frames]
    out = []
    if measured:
        best = max(measured, key=lambda r: r.audio_per_wall)
        mark = "met" if best.audio_per_wall >= TARGET_AGGREGATE else "NOT met"
        out.append(
            f"- Aggregate >= {TARGET_AGGREGATE:.0f}x real time: {mark} (best {best.audio_per_wall:.1f}x: "
            f"{best.quantization}, {best.attention}, {best.sampler}, batch {best.batch})"
        )
    nf4_16 = [r for r in measured if r.quantization == "nf4" and r.batch == 16]
    for r in nf4_16:
        mark = "met" if r.peak_gb <= TARGET_NF4_BATCH16_GB else "NOT met"
        out.append(f"- NF4 batch 16 within {TARGET_NF4_BATCH16_GB:.0f} GB ({r.attention}, {r.sampler}): {mark} ({r.peak_gb:.2f} GB)")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=("1.7b", "0.6b", "tiny"), default="1.7b", help="tiny: the tests' model")
    parser.add_argument("--device", default="cuda:0", help="cpu (with --size tiny) checks the script without a GPU")
    parser.add_argument("--frames", type=int, default=150, help="frames per item (12.5 per second of audio)")
    parser.add_argument("--batch-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 16, 32, 64])
    parser.add_argument("--quantizations", type=lambda s: s.split(","), default=["bf16", "nf4"])
    parser.add_argument("--attentions", type=lambda s: s.split(","), default=["sdpa", "flash_attention_2"])
    parser.add_argument("--samplers", type=lambda s: s.split(","), default=["seeded"], help="seeded and/or hf")
    parser.add_argument("--workdir", type=Path, help="keep (or reuse) the random checkpoint here")
    parser.add_argument("--out", type=Path, help="results table (default bench/results/qwen3_gpu-<device>.md)")
    args = parser.parse_args()

    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(
            "bench/qwen3_gpu.py measures GPU synthesis and needs CUDA; torch.cuda.is_available() is False "
            f"on this machine ({platform.node()}, torch {torch.__version__}). Run it on a GPU machine.",
            file=sys.stderr,
        )
        return 2
    if args.frames < 8 or any(b < 1 for b in args.batch_sizes):
        parser.error("--frames must be >= 8 and batch sizes >= 1")

    from qwen3_tiny import REAL_0_6B, REAL_1_7B, TINY, build_random_custom_voice

    cuda = args.device.startswith("cuda")
    device_name = torch.cuda.get_device_name(0) if cuda else f"CPU {platform.processor() or platform.machine()}"
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qwen3-bench-")))
        model_dir = workdir / f"random-{args.size}-custom-voice"
        if not (model_dir / "speech_tokenizer" / "config.json").is_file():
            started = time.perf_counter()
            spec = {"1.7b": REAL_1_7B, "0.6b": REAL_0_6B, "tiny": TINY}[args.size]
            size = "0b6" if args.size == "tiny" else args.size.replace(".", "b")
            build_random_custom_voice(model_dir, spec=spec, model_size=size, device="cuda" if cuda else "cpu")
            if cuda:
                torch.cuda.empty_cache()
            print(f"built a random {args.size} checkpoint in {time.perf_counter() - started:.1f} s: {model_dir}")
        slug = re.sub(r"[^a-z0-9]+", "-", device_name.lower()).strip("-")
        out = args.out or ROOT / "bench" / "results" / f"qwen3_gpu-{slug}.md"
        rows: list[Row] = []
        for quantization in args.quantizations:
            for attention in args.attentions:
                # the table is rewritten after each row, so a run cut short keeps what it measured
                run_config(model_dir, args, quantization, attention, rows, lambda: write_report(out, args, device_name, rows))
    print(f"\n{out.read_text()}\nwritten to {out}")
    return 0


def write_report(out: Path, args: argparse.Namespace, device_name: str, rows: list[Row]) -> None:
    import torch

    from narration.store import atomic

    cuda = args.device.startswith("cuda")
    where = (
        f"CUDA {torch.version.cuda}, capability {'.'.join(map(str, torch.cuda.get_device_capability(0)))}"
        if cuda else "CPU"
    )
    report = "\n".join(
        [
            f"# Qwen3-TTS {args.size} CustomVoice on {device_name}",
            "",
            f"Random weights, real architecture; {args.frames} frames ({args.frames / FRAME_RATE:.1f} s of audio) "
            f"per item; {time.strftime('%Y-%m-%d')}; {versions()}; "
            f"{where}.",
            "Generated by `bench/qwen3_gpu.py`. 'audio s per wall s' = all streams' audio over generate + decode time.",
            "",
            table(rows),
            "",
            *verdicts(rows),
            "",
        ]
    )
    atomic.write_text(out, report)


if __name__ == "__main__":
    sys.exit(main())
