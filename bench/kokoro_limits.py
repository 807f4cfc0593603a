"""What bounds Kokoro's speed on this CPU: the kernels onnxruntime has, side by side.

    .venv/bin/python bench/kokoro_limits.py [--steps 38400] [--repeats 5]
                                            [--out bench/results/kokoro_limits.md]

bench/kokoro_speed.py measures the backend; this measures the pieces that are left once the
backend is as fast as the model's arithmetic allows, each on one thread (the backend reads two
sentences at once, one core each):

1. Element-wise kernels on a tensor of the decoder's last stage (128 channels x ``--steps``):
   ``Sin`` (51 snake activations and the source's harmonics call it) against a plain memory pass
   (``Abs``, ``Mul``) and the vectorised ``Tanh``/``Exp``. Any sine built from other ONNX
   operators costs one such pass per operator.
2. One decoder convolution (128 -> 128 channels, 7 taps, dilation 3) in the forms that give the
   same integer sums: ``ConvInteger`` as shipped; the ``vnni`` form the backend runs (time-major
   im2col, u8 x s8 ``MatMulInteger``, transposed back); the channel-major form with the weights on
   the left (no transposes, but u8 x u8 or s8 x u8, which have no VNNI kernel); and the ``vnni``
   form's parts alone.
3. One sentence through the whole model: onnxruntime's ``vnni`` form against OpenVINO (where the
   ``openvino`` package is importable; not a dependency) on the shipped int8 model and on the
   dequantized float32 one, f32 and bf16 precision. OpenVINO's audio is not onnxruntime's.

Benchmarks are not tests: run it when the machine is quiet; the results file gives the load.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hardware import cpu_description  # noqa: E402  (bench/ is on sys.path when run)

from narration.store import atomic  # noqa: E402
from narration.synthesis import kokoro_model  # noqa: E402
from narration.synthesis.kokoro_en import (  # noqa: E402
    model_inputs,
    parse_voice,
    phonemize,
    token_ids,
    voice_pack,
)

SENTENCE = (
    "A Wolf had been gorging on an animal he had killed, when suddenly a small bone in the meat "
    "stuck in his throat and he could not swallow it."
)
CHANNELS, TAPS, DILATION = 128, 7, 3


def _session(model: Any) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    data = model if isinstance(model, (str, bytes)) else model.SerializeToString()
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def _graph(nodes: list[Any], inits: dict[str, np.ndarray], x: np.ndarray, out_type: int) -> Any:
    from onnx import helper, numpy_helper

    graph = helper.make_graph(
        nodes,
        "bench",
        [helper.make_tensor_value_info("x", helper.np_dtype_to_tensor_dtype(x.dtype), list(x.shape))],
        [helper.make_tensor_value_info("y", out_type, None)],
        [numpy_helper.from_array(np.asarray(value), name) for name, value in inits.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _timed(run: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    """The result and the best of ``repeats`` walls in seconds (after one warm-up call)."""
    result = run()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return result, best


def elementwise(steps: int, repeats: int) -> list[tuple[str, float]]:
    """ns per element of each unary kernel, one thread."""
    from onnx import TensorProto, helper

    x = (np.random.default_rng(0).standard_normal((1, CHANNELS, steps)) * 3).astype(np.float32)
    rows = []
    for op in ("Sin", "Cos", "Tanh", "Exp", "Abs", "Mul"):
        inputs, inits = (["x", "two"], {"two": np.float32(2)}) if op == "Mul" else (["x"], {})
        session = _session(_graph([helper.make_node(op, inputs, ["y"])], inits, x, TensorProto.FLOAT))
        _, wall = _timed(lambda s=session: s.run(None, {"x": x}), repeats)
        rows.append((op, wall / x.size * 1e9))
    return rows


def convolution(steps: int, repeats: int) -> list[tuple[str, float, bool]]:
    """(form, ms, same integer sums as ConvInteger) for one decoder convolution, one thread."""
    from onnx import TensorProto
    from onnx import helper as h

    rng = np.random.default_rng(1)
    c, k, d = CHANNELS, TAPS, DILATION
    weights = rng.integers(0, 256, (c, c, k), dtype=np.uint8)
    w_zero, x_zero = np.uint8(127), np.uint8(120)
    x = rng.integers(0, 256, (1, c, steps), dtype=np.uint8)
    pad = d * (k - 1) // 2
    i32 = TensorProto.INT32
    shipped = _graph([h.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"], pads=[pad, pad], dilations=[d])],
                     {"w": weights, "xz": x_zero, "wz": w_zero}, x, i32)  # fmt: skip
    reference, conv_wall = _timed(lambda s=_session(shipped): s.run(None, {"x": x})[0], repeats)
    rows: list[tuple[str, float, bool]] = [("ConvInteger, as shipped", conv_wall * 1e3, True)]

    # The backend's vnni form, as kokoro_model.vnni_convs writes it.
    signed = (weights.astype(np.int16) - 128).astype(np.int8)
    time_major = np.ascontiguousarray(signed.transpose(2, 1, 0).reshape(k * c, c))
    taps = (np.arange(steps)[:, None] + np.arange(k)[None, :] * d).astype(np.int64)
    s_zero = np.int8(int(w_zero) - 128)
    vnni = [
        h.make_node("Transpose", ["x"], ["nlc"], perm=[0, 2, 1]),
        h.make_node("Pad", ["nlc", "pads", "xz"], ["padded"]),
        h.make_node("Gather", ["padded", "taps"], ["gathered"], axis=1),
        h.make_node("Reshape", ["gathered", "shape"], ["im2col"]),
        h.make_node("MatMulInteger", ["im2col", "w", "xz", "wz"], ["sums"]),
        h.make_node("Transpose", ["sums"], ["y"], perm=[0, 2, 1]),
    ]
    vnni_inits = {"pads": np.array([0, pad, 0, 0, pad, 0], np.int64), "xz": x_zero, "taps": taps,
                  "shape": np.array([0, -1, k * c], np.int64), "w": time_major, "wz": s_zero}  # fmt: skip
    out, wall = _timed(lambda s=_session(_graph(vnni, vnni_inits, x, i32)): s.run(None, {"x": x})[0], repeats)
    rows.append(("vnni (the backend's): time-major im2col, u8 x s8, transposed back", wall * 1e3,
                 bool(np.array_equal(out, reference))))  # fmt: skip

    # Channel-major: the taps' slices stacked, weights on the left; no transposes.
    nodes = [h.make_node("Pad", ["x", "pads", "xz"], ["padded"])]
    inits: dict[str, np.ndarray] = {"pads": np.array([0, 0, pad, 0, 0, pad], np.int64), "xz": x_zero,
                                    "axis": np.array([2], np.int64)}  # fmt: skip
    for tap in range(k):
        inits[f"start{tap}"] = np.array([tap * d], np.int64)
        inits[f"end{tap}"] = np.array([tap * d + steps], np.int64)
        nodes.append(h.make_node("Slice", ["padded", f"start{tap}", f"end{tap}", "axis"], [f"tap{tap}"]))
    nodes.append(h.make_node("Concat", [f"tap{tap}" for tap in range(k)], ["im2col"], axis=1))
    left = np.ascontiguousarray(weights.transpose(0, 2, 1).reshape(c, k * c))
    for name, matrix, zero in (("u8 x u8", left, w_zero), ("s8 x u8", (left.astype(np.int16) - 128).astype(np.int8), s_zero)):  # fmt: skip
        graph = _graph(nodes + [h.make_node("MatMulInteger", ["w", "im2col", "wz", "xz"], ["y"])],
                       {**inits, "w": matrix, "wz": zero}, x, i32)  # fmt: skip
        out, wall = _timed(lambda s=_session(graph): s.run(None, {"x": x})[0], repeats)
        rows.append((f"channel-major, weights on the left, {name}", wall * 1e3, bool(np.array_equal(out, reference))))

    # The vnni form's parts, each alone on its own input.
    im2col = np.pad(x.transpose(0, 2, 1), ((0, 0), (pad, pad), (0, 0)))[:, taps].reshape(1, steps, k * c)
    matmul = _graph([h.make_node("MatMulInteger", ["x", "w", "xz", "wz"], ["y"])],
                    {"w": time_major, "xz": x_zero, "wz": s_zero}, im2col, i32)  # fmt: skip
    sums, wall = _timed(lambda s=_session(matmul): s.run(None, {"x": im2col})[0], repeats)
    gmac = steps * k * c * c / wall / 1e9
    rows.append((f"vnni's MatMulInteger alone ({gmac:.0f} GMAC/s)", wall * 1e3, False))
    back = _graph([h.make_node("Transpose", ["x"], ["y"], perm=[0, 2, 1])], {}, sums, i32)
    _, wall = _timed(lambda s=_session(back): s.run(None, {"x": sums}), repeats)
    rows.append(("vnni's transpose back (int32) alone", wall * 1e3, False))
    return rows


def _sentence_inputs() -> dict[str, np.ndarray]:
    pack, _ = voice_pack(parse_voice("af_heart"))
    return model_inputs(token_ids(phonemize(SENTENCE)), pack, 1.0)


def whole_model(repeats: int) -> list[tuple[str, float, float]]:
    """(runtime and model, s per sentence, s of audio) on one thread."""
    inputs = _sentence_inputs()
    session = _session(str(kokoro_model.model_file("vnni")))
    audio, wall = _timed(lambda: session.run(None, inputs)[0], repeats)
    rows = [("onnxruntime, vnni (the backend's)", wall, audio.size / 24000)]
    try:
        import openvino as ov
    except ImportError:
        return rows
    core = ov.Core()
    for label, path in (("int8 as shipped", kokoro_model.model_file("int8")),
                        ("float32 (dequantized)", kokoro_model.model_file("float32"))):  # fmt: skip
        for precision in ("f32", "bf16"):
            config = {"INFERENCE_NUM_THREADS": 1, "INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "LATENCY"}
            compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
            audio, wall = _timed(lambda c=compiled: np.asarray(next(iter(c(inputs).values()))), repeats)
            rows.append((f"OpenVINO {ov.__version__.split('-')[0]}, {label}, {precision}", wall, audio.size / 24000))
    return rows


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def report(steps: int, repeats: int) -> str:
    load_before = os.getloadavg()
    ops = elementwise(steps, repeats)
    convs = convolution(steps, repeats)
    models = whole_model(repeats)
    load_after = os.getloadavg()
    per_pass = dict(ops)["Abs"]
    vnni_ms = convs[1][1]
    ort_wall = models[0][1]
    lines = [
        "# What bounds Kokoro's speed on this CPU",
        "",
        f"Command: `.venv/bin/python bench/kokoro_limits.py --steps {steps} --repeats {repeats}`. One thread "
        "throughout; each time the best of the repeats after a warm-up call.",
        "",
        "## Machine",
        "",
        f"- cpu: {cpu_description()}",
        f"- python {platform.python_version()}, onnxruntime {_version('onnxruntime')}, "
        f"openvino {_version('openvino')}",
        f"- load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in load_before)}; "
        f"after: {', '.join(f'{v:.2f}' for v in load_after)}",
        "",
        f"## Element-wise kernels (1 x {CHANNELS} x {steps} float32)",
        "",
        "| op | ns per element | / a memory pass (Abs) |",
        "|---|---|---|",
        *(f"| {op} | {ns:.2f} | {ns / per_pass:.1f} |" for op, ns in ops),
        "",
        f"## One decoder convolution ({CHANNELS} -> {CHANNELS} channels, {TAPS} taps, dilation {DILATION}, "
        f"{steps} steps)",
        "",
        "| form | ms | / vnni | same sums as ConvInteger |",
        "|---|---|---|---|",
        *(f"| {form} | {ms:.1f} | {ms / vnni_ms:.2f} | {'yes' if same else ('-' if i > 3 else 'NO')} |"
          for i, (form, ms, same) in enumerate(convs)),  # fmt: skip
        "",
        "## One sentence through the whole model",
        "",
        f"\"{SENTENCE}\"",
        "",
        "| runtime and model | s | / onnxruntime | RTF |",
        "|---|---|---|---|",
        *(f"| {name} | {wall:.2f} | {wall / ort_wall:.2f} | {wall / seconds:.3f} |" for name, wall, seconds in models),
    ]
    if len(models) == 1:
        lines += ["", "OpenVINO: not importable here (`pip install openvino` to include it)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=38400, help="time steps of the tensors (38400: 8 s of audio)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "kokoro_limits.md")
    args = parser.parse_args(argv)
    text = report(args.steps, args.repeats)
    print(text)
    atomic.write_text(args.out, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
