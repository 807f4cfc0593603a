"""Qwen3-TTS on one GPU: throughput and memory of the qwen3 backend, batch by batch.

    .venv/bin/python bench/qwen3_gpu.py [--size 1.7b] [--frames 150] [--batch-sizes 1,8,16,32,64]
        [--quantizations bf16,nf4] [--attentions sdpa,flash_attention_2] [--samplers seeded]
        [--workdir DIR] [--out bench/results/qwen3_gpu-<device>.md]

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

Exits with a message, and status 2, on a machine without CUDA.
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
from collections.abc import Iterator
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


def fixed_length_processor(frames: int, eos: int):
    """Bans EOS before ``frames`` frames and forces it then: every stream does the same work."""
    from transformers import LogitsProcessor

    class FixedLength(LogitsProcessor):
        def __call__(self, input_ids, scores):
            scores = scores.clone()
            if input_ids.shape[-1] >= frames:
                scores[:] = float("-inf")
                scores[:, eos] = 0.0
            else:
                scores[:, eos] = float("-inf")
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


def measure(backend, batch: int, frames: int, row: Row) -> Row:
    import torch

    from narration.synthesis.base import Utterance

    requests = [backend._request(i, Utterance(text_for(frames, i), seed=1000 + i)) for i in range(batch)]
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    takes = backend._generate(requests, 0)
    torch.cuda.synchronize()
    row.generate_s = time.perf_counter() - started
    started = time.perf_counter()
    backend._decode(takes)
    torch.cuda.synchronize()
    row.decode_s = time.perf_counter() - started
    row.frames = sum(t.frames for t in takes)
    row.peak_gb = torch.cuda.max_memory_allocated() / 2**30
    if row.frames != batch * frames:
        row.note = f"expected {batch * frames} frames"
    return row


def run_config(model_dir: Path, args: argparse.Namespace, quantization: str, attention: str) -> list[Row]:
    import torch

    from narration.synthesis.base import Utterance
    from narration.synthesis.qwen3 import Qwen3Backend

    rows: list[Row] = []
    base = {"size": args.size, "quantization": quantization, "attention": attention}
    if attention == "flash_attention_2" and importlib.util.find_spec("flash_attn") is None:
        return [Row(**base, sampler="-", batch=0, note="flash-attn not installed")]
    backend = Qwen3Backend(
        model=str(model_dir),
        device="cuda:0",
        quantization=quantization,
        attention=attention,
        max_batch_size=max(args.batch_sizes),
        token_budget=1 << 30,
        retries=0,
    )
    started = time.perf_counter()
    tts = backend._model()
    load_s = time.perf_counter() - started
    weights_gb = torch.cuda.memory_allocated() / 2**30
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
                print(
                    f"  {sampler:6} batch {batch:3}: {row.frames_per_s:8.1f} frames/s, "
                    f"{row.audio_per_wall:7.2f} x real time, peak {row.peak_gb:.2f} GB {row.note}"
                )
                rows.append(row)
    backend.close()
    return rows


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
    parser.add_argument("--size", choices=("1.7b", "0.6b"), default="1.7b")
    parser.add_argument("--frames", type=int, default=150, help="frames per item (12.5 per second of audio)")
    parser.add_argument("--batch-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 16, 32, 64])
    parser.add_argument("--quantizations", type=lambda s: s.split(","), default=["bf16", "nf4"])
    parser.add_argument("--attentions", type=lambda s: s.split(","), default=["sdpa", "flash_attention_2"])
    parser.add_argument("--samplers", type=lambda s: s.split(","), default=["seeded"], help="seeded and/or hf")
    parser.add_argument("--workdir", type=Path, help="keep (or reuse) the random checkpoint here")
    parser.add_argument("--out", type=Path, help="results table (default bench/results/qwen3_gpu-<device>.md)")
    args = parser.parse_args()

    import torch

    if not torch.cuda.is_available():
        print(
            "bench/qwen3_gpu.py measures GPU synthesis and needs CUDA; torch.cuda.is_available() is False "
            f"on this machine ({platform.node()}, torch {torch.__version__}). Run it on a GPU machine.",
            file=sys.stderr,
        )
        return 2
    if args.frames < 8 or any(b < 1 for b in args.batch_sizes):
        parser.error("--frames must be >= 8 and batch sizes >= 1")

    from narration import atomic
    from qwen3_tiny import REAL_0_6B, REAL_1_7B, build_random_custom_voice

    device_name = torch.cuda.get_device_name(0)
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qwen3-bench-")))
        model_dir = workdir / f"random-{args.size}-custom-voice"
        if not (model_dir / "speech_tokenizer" / "config.json").is_file():
            started = time.perf_counter()
            spec = REAL_1_7B if args.size == "1.7b" else REAL_0_6B
            build_random_custom_voice(model_dir, spec=spec, model_size=args.size.replace(".", "b"), device="cuda")
            torch.cuda.empty_cache()
            print(f"built a random {args.size} checkpoint in {time.perf_counter() - started:.1f} s: {model_dir}")
        rows: list[Row] = []
        for quantization in args.quantizations:
            for attention in args.attentions:
                rows.extend(run_config(model_dir, args, quantization, attention))

    slug = re.sub(r"[^a-z0-9]+", "-", device_name.lower()).strip("-")
    out = args.out or ROOT / "bench" / "results" / f"qwen3_gpu-{slug}.md"
    report = "\n".join(
        [
            f"# Qwen3-TTS {args.size} CustomVoice on {device_name}",
            "",
            f"Random weights, real architecture; {args.frames} frames ({args.frames / FRAME_RATE:.1f} s of audio) "
            f"per item; {time.strftime('%Y-%m-%d')}; {versions()}; "
            f"CUDA {torch.version.cuda}, capability {'.'.join(map(str, torch.cuda.get_device_capability(0)))}.",
            "Generated by `bench/qwen3_gpu.py`. 'audio s per wall s' = all streams' audio over generate + decode time.",
            "",
            table(rows),
            "",
            *verdicts(rows),
            "",
        ]
    )
    atomic.write_text(out, report)
    print(f"\n{report}\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
